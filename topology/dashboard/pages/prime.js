// #/prime — prime pools only: per worker, the distribution of accepted chain lengths, the
// length the worker's software seems to sieve for against the one the pool asks, and the
// weight a share of each length counts for.
import { getJson } from '../api.js';
import { badge, fill, h, link, note, route, section, table } from '../dom.js';
import { count, percent, shortHash } from '../format.js';

/** A /prime row's worker ("account.worker") → { account, worker }. */
export function workerName(w) {
  const full = String(w.worker ?? '');
  const dot = full.indexOf('.');
  return dot < 0
    ? { account: full, worker: '' }
    : { account: full.slice(0, dot), worker: full.slice(dot + 1) };
}

/** Chain lengths as a small bar chart in a list (each bar's width is its share of the worker's). */
function distribution(byLength) {
  const entries = Object.entries(byLength ?? {})
    .map(([len, n]) => [Number(len), Number(n)])
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return '—';
  return h(
    'ul',
    { class: 'dist', 'aria-label': 'accepted shares by chain length' },
    entries.map(([len, n]) =>
      h(
        'li',
        { data: { length: len, count: n } },
        h('span', { class: 'dist-len' }, `${len}`),
        h('span', { class: 'dist-bar', style: `--w:${((n / total) * 100).toFixed(1)}%` }),
        h('span', { class: 'dist-n' }, count(n)),
      ),
    ),
  );
}

/** A target length: what the software seems to aim at, against what the pool asks. */
function targetCell(w) {
  if (w.estimatedLength === null || w.estimatedLength === undefined)
    return h(
      'span',
      { title: 'no drop in chain continuation is evident' },
      `${w.askedLength} (as asked)`,
    );
  return h(
    'span',
    {},
    String(w.estimatedLength),
    ' ',
    w.flagged ? badge('below asked', 'warn') : null,
  );
}

export function primeWorkersTable(rows, caption = 'Chains by worker') {
  return table({
    caption,
    testid: 'prime-workers',
    rows,
    empty: 'No prime share yet.',
    rowAttrs: (w) => ({
      testid: 'prime-row',
      data: { worker: w.worker ?? '', asked: w.askedLength, estimated: w.estimatedLength ?? '' },
    }),
    columns: [
      {
        label: 'Worker',
        cell: (w) => {
          const n = workerName(w);
          return [
            link(route('miner', n.account), shortHash(n.account), {
              class: 'account',
              title: n.account,
            }),
            n.worker ? `.${n.worker}` : '',
          ];
        },
      },
      { label: 'Shares', num: true, cell: (w) => count(w.shares) },
      { label: 'Chain lengths', cell: (w) => distribution(w.byLength) },
      {
        label: 'Types',
        wrap: true,
        cell: (w) =>
          Object.entries(w.byType ?? {})
            .map(([t, n]) => `${t} ${n}`)
            .join(', ') || '—',
      },
      { label: 'Asked length', num: true, cell: (w) => String(w.askedLength ?? '—') },
      { label: 'Software targets', cell: targetCell },
      { label: 'Continuation', num: true, cell: (w) => percent(w.continuation) },
    ],
  });
}

export function primePage(main, ctx) {
  const body = h('div');
  main.append(
    h('h1', {}, 'Prime chains'),
    h(
      'p',
      { class: 'muted' },
      'A share counts by its chain length. A worker whose chains stop growing below the length the pool asks for is probably sieving for a shorter target than asked: it finds shares but few blocks.',
    ),
    body,
  );
  return {
    async refresh() {
      if (!ctx.prime) {
        fill(body, note('This pool mines a hash coin: there are no prime chains.', 'not-prime'));
        return;
      }
      const answer = await getJson(ctx.api.prime(0, 1000));
      fill(
        body,
        section('Workers', {}, primeWorkersTable(answer?.workers ?? [])),
        // Share weights by chain length, when the API gives them ({ "<length>": weight }).
        answer?.shareWeights
          ? section('Share weights', {}, weightsTable(answer.shareWeights))
          : null,
      );
    },
  };
}

function weightsTable(shareWeights) {
  const rows = Object.entries(shareWeights).sort((a, b) => Number(a[0]) - Number(b[0]));
  return table({
    caption: 'Weight of a share by chain length',
    testid: 'prime-weights',
    rows,
    columns: [
      { label: 'Chain length', num: true, cell: (r) => r[0] },
      { label: 'Weight', num: true, cell: (r) => String(r[1]) },
    ],
  });
}
