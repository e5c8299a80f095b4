// #/block/<hash|height>[?account=A] — one block's whole bill: the reward, the fee, the window
// of shares it paid, and every account's line (weight, shares, first and last share by log
// position, credit), as `colliery ledger bill` prints it. ?account= marks that account's line.
import { getOrNull } from '../api.js';
import { badge, figures, fill, h, link, note, route, section, table } from '../dom.js';
import { ago, amount, count, dateTime, height, percent } from '../format.js';
import { confirmations } from './blocks.js';

/** A share's place in the log: "seq 1234 #5" (the record's sequence and index in it). */
export function position(p) {
  if (!p) return '—';
  return h('span', { title: p.hash ? `share ${p.hash}` : null }, `seq ${p.seq} #${p.index}`);
}

/** The bill of a /blocks/{ref} answer, wherever the API put it. */
export function billOf(body) {
  return body?.bill ?? body;
}

export function billLinesTable(bill, mark, caption = 'Credits') {
  return table({
    caption,
    testid: 'bill-lines',
    rows: bill.lines ?? [],
    empty: 'No account credited.',
    rowAttrs: (l) => ({
      testid: 'bill-line',
      class: l.account === mark ? 'marked' : null,
      'aria-current': l.account === mark ? 'true' : null,
      data: {
        account: l.account,
        shares: l.shares,
        weight: l.weight,
        credit: l.creditSats,
        creditedTo: l.creditedTo ?? l.account,
      },
    }),
    columns: [
      {
        label: 'Account',
        cell: (l) =>
          l.account.startsWith('@')
            ? h('code', {}, l.account)
            : link(route('miner', l.account), l.account, { class: 'account', title: l.account }),
      },
      { label: 'Scheme', cell: (l) => String(l.scheme ?? '') },
      { label: 'Weight', num: true, cell: (l) => String(l.weight), testid: 'line-weight' },
      { label: 'Shares', num: true, cell: (l) => count(l.shares), testid: 'line-shares' },
      { label: 'First share', cell: (l) => position(l.first) },
      { label: 'Last share', cell: (l) => position(l.last) },
      { label: 'Credit', num: true, cell: (l) => amount(l.creditSats), testid: 'line-credit' },
      {
        label: 'Credited to',
        cell: (l) =>
          l.creditedTo && l.creditedTo !== l.account ? h('code', {}, l.creditedTo) : 'account',
      },
    ],
  });
}

export function blockPage(main, ctx, args, query) {
  const ref = args[0] ?? '';
  const mark = query.get('account');
  const head = h('div');
  const lines = h('div');
  main.append(h('h1', {}, 'Block ', h('span', { testid: 'block-title' }, ref)), head, lines);
  return {
    async refresh() {
      const body = await getOrNull(ctx.api.block(ref));
      if (body === null) {
        fill(head, note(`The ledger has no block ${ref} (yet).`, 'block-missing'));
        fill(lines);
        return;
      }
      const bill = billOf(body);
      const status = body.status ?? null;
      main.querySelector('[data-testid="block-title"]').textContent = height(bill.height);
      fill(
        head,
        figures(
          [
            {
              label: 'Hash',
              wide: true,
              value: h('code', { class: 'wrap' }, bill.hash),
              testid: 'block-hash',
              raw: bill.hash,
            },
            {
              label: 'Height',
              value: height(bill.height),
              testid: 'block-height',
              raw: bill.height,
            },
            status
              ? { label: 'Status', value: badge(status), testid: 'block-status', raw: status }
              : null,
            {
              label: 'Confirmations',
              value: confirmations(body, ctx),
              testid: 'block-confirmations',
            },
            {
              label: 'Effort',
              value: percent(body.effort),
              testid: 'block-effort',
              raw: body.effort ?? '',
            },
            {
              label: 'Reward',
              value: amount(bill.rewardSats),
              testid: 'block-reward',
              raw: bill.rewardSats,
            },
            {
              label: `Fee (${(bill.feeBps ?? 0) / 100} %)`,
              value: amount(bill.feeSats),
              testid: 'block-fee',
              raw: bill.feeSats,
            },
            {
              label: 'Shared by miners',
              value: amount(bill.splitSats),
              testid: 'block-split',
              raw: bill.splitSats,
            },
            {
              label: 'Found by',
              wide: true,
              value: bill.finder
                ? [
                    link(route('miner', bill.finder.account), bill.finder.account, {
                      class: 'account',
                    }),
                    bill.finder.worker ? `.${bill.finder.worker}` : '',
                    ` on ${bill.finder.node}`,
                  ]
                : '—',
            },
            body.foundAt
              ? {
                  label: 'Found',
                  value: h('time', { title: dateTime(body.foundAt) }, ago(body.foundAt)),
                }
              : null,
            {
              label: 'Split',
              value: String(bill.method ?? '').toUpperCase(),
              testid: 'block-method',
            },
            {
              label: 'Window',
              wide: true,
              value:
                `target weight ${bill.targetWeight}, filled ${bill.filledWeight}` +
                (String(bill.unfilledWeight) !== '0'
                  ? `, unfilled ${bill.unfilledWeight} (paid to @pool)`
                  : ''),
            },
            {
              label: 'Shares from',
              wide: true,
              value: bill.from && bill.to ? [position(bill.from), ' to ', position(bill.to)] : '—',
            },
            { label: 'Log sequence', value: String(bill.seq), raw: bill.seq },
          ],
          { testid: 'block-summary' },
        ),
      );
      const paid = bill.coinbasePaid ?? [];
      fill(
        lines,
        section(
          'The bill',
          {},
          h(
            'p',
            { class: 'muted' },
            'Each account credited by this block: the weight of its shares in the window, how many, the first and last by their place in the share log, and its slice of the reward after the fee. Anyone can recompute a line from the log.',
          ),
          billLinesTable(bill, mark),
        ),
        paid.length
          ? section(
              'Paid in this coinbase',
              {},
              table({
                caption: 'Coinbase outputs',
                testid: 'coinbase-paid',
                rows: paid,
                columns: [
                  { label: 'Account', cell: (p) => p.account },
                  { label: 'Amount', num: true, cell: (p) => amount(p.sats) },
                ],
              }),
            )
          : null,
      );
    },
  };
}
