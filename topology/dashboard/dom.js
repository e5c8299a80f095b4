// A few DOM helpers. Everything the API says goes into the page as text nodes or attribute
// values, never as HTML: an account name is whatever a miner typed.

/**
 * h('td', { testid: 'x', class: 'num', data: { value: '1' } }, 'text', node, [more])
 * `testid` becomes data-testid; `data` entries become data-*; `on*` functions are listeners;
 * null, undefined and false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'testid') el.dataset.testid = String(v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    else if (k === 'class') el.className = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Replaces `el`'s children, skipping null, undefined and false (as h does). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A link inside the dashboard: '#/miner/…' with every part encoded. */
export function route(...parts) {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}

export function link(href, text, attrs = {}) {
  return h('a', { href, ...attrs }, text);
}

/** Numbers align right; `wrap` columns may break lines (the rest keep to one). */
function cellClass(c) {
  return [c.num ? 'num' : '', c.wrap ? 'wrap-cell' : ''].join(' ').trim() || null;
}

/**
 * A table with a caption and column headers, in a scrollable region (narrow screens scroll
 * the table, not the page). columns: [{ label, cell(row) → node|string, num?, wrap?, testid? }];
 * rowAttrs(row) → attributes of the row (testid, data-*). Empty: one row saying `empty`.
 * hideCaption: for screen readers only (the section's heading already says it).
 */
export function table({
  caption,
  hideCaption = false,
  testid,
  columns,
  rows,
  rowAttrs = () => ({}),
  empty = 'None yet.',
}) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map((c) => h('th', { scope: 'col', class: cellClass(c) }, c.label)),
    ),
  );
  const body = h(
    'tbody',
    {},
    rows.length === 0
      ? h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, empty))
      : rows.map((r) =>
          h(
            'tr',
            rowAttrs(r),
            columns.map((c) =>
              h('td', { class: cellClass(c), testid: c.testid ?? null }, c.cell(r)),
            ),
          ),
        ),
  );
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      { testid, 'data-count': rows.length },
      h('caption', { class: hideCaption ? 'sr-only' : null }, caption),
      head,
      body,
    ),
  );
}

/**
 * A list of figures (<dl>): items [{ label, value (node|string), testid, raw, wide }]; `raw`
 * is the figure's exact value in data-value, which the browser test reads; null items are skipped.
 */
export function figures(items, attrs = {}) {
  return h(
    'dl',
    { class: 'figures', ...attrs },
    items
      .filter((i) => i)
      .map((i) =>
        h(
          'div',
          { class: i.wide ? 'figure wide' : 'figure' },
          h('dt', {}, i.label),
          h(
            'dd',
            { testid: i.testid ?? null, data: i.raw === undefined ? {} : { value: i.raw ?? '' } },
            i.value,
          ),
        ),
      ),
  );
}

/** A section with a heading (h2) and its content. */
export function section(title, attrs, ...content) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id, ...attrs }, h('h2', { id }, title), ...content);
}

/** A short status word in a coloured badge (block status, online, TLS). */
export function badge(text, kind = String(text).toLowerCase()) {
  return h('span', { class: `badge badge-${kind.replace(/[^a-z0-9-]/g, '')}` }, text);
}

/** A note shown in place of content (no data yet, not found). */
export function note(text, testid = 'note') {
  return h('p', { class: 'note', testid }, text);
}
