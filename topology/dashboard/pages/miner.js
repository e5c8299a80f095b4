// #/miner/<address|account>[?page=N] — what a miner checks when they suspect the pool: their
// workers (current and 24 h hashrate, last share, accepted/stale/invalid), balances (immature,
// mature, pending, paid), payouts with transaction ids, a hashrate chart, and for each block
// that credited them its bill line (their shares in the window and their credit), linked to
// the block's whole bill.
import { getOrNull } from '../api.js';
import { lineChart } from '../chart.js';
import { badge, figures, fill, h, link, note, route, section, table } from '../dom.js';
import { ago, amount, count, dateTime, hashrate, height, shortHash, tick } from '../format.js';
import { position } from './block.js';
import { primeWorkersTable, workerName } from './prime.js';
import { minerSamples, minerSeries, samples } from './series.js';

const BILLS_PER_PAGE = 20;

/** A row of /miners/{account}/bills: { block: {…}, line: the account's bill line }, flattened. */
function billRow(r) {
  const line = r.line ?? {};
  return {
    hash: r.block.hash,
    height: r.block.height,
    status: r.block.status,
    rewardSats: r.block.rewardSats,
    shares: line.shares,
    weight: line.weight,
    creditSats: line.creditSats,
    first: line.first ?? null,
    last: line.last ?? null,
  };
}

export function minerPage(main, ctx, args, query) {
  const account = args[0] ?? '';
  const page = Math.max(0, Number(query.get('page') ?? 0) || 0);
  const summary = h('div');
  const workers = h('div');
  const bills = h('div');
  const billsPager = h('nav', { class: 'pager', 'aria-label': 'Bill pages' });
  const payments = h('div');
  const prime = h('div');
  main.append(
    h('h1', {}, 'Miner ', h('code', { class: 'wrap', testid: 'miner-account' }, account)),
    summary,
    section('Hashrate', { class: 'chart-section' }),
    section('Workers', {}, workers),
    section(
      'Blocks that credited this miner',
      {},
      h(
        'p',
        { class: 'muted' },
        'For each block: your shares in its window, their weight, the first and last by their place in the share log, and your credit. The block opens its whole bill.',
      ),
      bills,
      billsPager,
    ),
    section('Payouts', {}, payments),
    prime,
  );
  const chart = lineChart(main.querySelector('.chart-section'), {
    title: `Hashrate of ${account}`,
    format: (v) => hashrate(v, ctx.prime),
    ...(ctx.prime ? { tick, unit: 'chain work/s' } : {}),
    testid: 'miner-chart',
  });
  return {
    async refresh() {
      const api = ctx.api;
      const me = await getOrNull(api.account(account));
      if (me === null) {
        fill(
          summary,
          note(
            `The pool knows no miner ${account}: no balance, payment or share in 30 days. Check the address or account name.`,
            'miner-missing',
          ),
        );
        for (const part of [workers, bills, billsPager, payments, prime]) fill(part);
        chart.set([], []);
        return;
      }
      const [billsBody, paid, perf, primeBody] = await Promise.all([
        getOrNull(api.bills(account, page, BILLS_PER_PAGE)),
        getOrNull(api.minerPayments(account, 0, 50)),
        samples(
          (range) => api.minerPerformance(account, range),
          minerSamples,
          (r) => Object.keys(r.workers).length > 0,
        ),
        ctx.prime ? getOrNull(api.prime(0, 1000)) : null,
      ]);
      const bal = me.balances;
      // null: this node keeps no statistics (--stats=false); balances still come from the ledger.
      const list = me.workers ?? [];
      fill(
        summary,
        figures(
          [
            {
              label: 'Hashrate',
              value: hashrate(me.hashrate, ctx.prime),
              raw: me.hashrate ?? '',
              testid: 'miner-hashrate',
            },
            {
              label: '24 h hashrate',
              value: hashrate(me.hashrate24h, ctx.prime),
              raw: me.hashrate24h ?? '',
              testid: 'miner-hashrate24h',
            },
            {
              label: 'Workers online',
              value: `${list.filter((w) => w.online).length} of ${list.length}`,
              raw: list.filter((w) => w.online).length,
              testid: 'miner-workers-online',
            },
            {
              label: 'Immature',
              value: amount(bal.immatureSats),
              raw: bal.immatureSats,
              testid: 'balance-immature',
            },
            {
              label: 'Mature',
              value: amount(bal.matureSats),
              raw: bal.matureSats,
              testid: 'balance-mature',
            },
            {
              label: 'Pending payout',
              value: amount(bal.pendingSats),
              raw: bal.pendingSats,
              testid: 'balance-pending',
            },
            {
              label: 'Paid',
              value: amount(bal.paidSats),
              raw: bal.paidSats,
              testid: 'balance-paid',
            },
          ],
          { testid: 'miner-summary', 'data-as-of-seq': me.asOfSeq ?? '' },
        ),
      );
      fill(
        workers,
        table({
          caption: 'Workers',
          hideCaption: true,
          testid: 'workers',
          rows: list,
          empty:
            me.statistics === 'off'
              ? 'This node keeps no statistics (--stats=false): ask another node for workers.'
              : 'No worker in the last 30 days.',
          rowAttrs: (w) => ({ testid: 'worker-row', data: { worker: w.worker ?? w.name ?? '' } }),
          columns: [
            { label: 'Worker', cell: (w) => (w.worker ?? w.name) || '(no name)' },
            { label: 'Status', cell: (w) => (w.online ? badge('online') : badge('offline')) },
            { label: 'Hashrate', num: true, cell: (w) => hashrate(w.hashrate, ctx.prime) },
            { label: '24 h', num: true, cell: (w) => hashrate(w.hashrate24h, ctx.prime) },
            {
              label: 'Last share',
              cell: (w) => h('time', { title: dateTime(w.lastShare) }, ago(w.lastShare)),
            },
            { label: 'Accepted (24 h)', num: true, cell: (w) => count(w.accepted24h) },
            { label: 'Stale', num: true, cell: (w) => count(w.stale24h) },
            { label: 'Invalid', num: true, cell: (w) => count(w.invalid24h) },
          ],
        }),
      );
      const billRows = (billsBody?.rows ?? []).map(billRow);
      fill(
        bills,
        table({
          caption: 'Bill lines',
          testid: 'miner-bills',
          rows: billRows,
          empty: 'No block has credited this miner yet.',
          rowAttrs: (b) => ({
            testid: 'bill-row',
            data: { hash: b.hash, shares: b.shares, weight: b.weight, credit: b.creditSats },
          }),
          columns: [
            {
              label: 'Block',
              num: true,
              cell: (b) =>
                link(
                  `${route('block', b.hash)}?account=${encodeURIComponent(account)}`,
                  height(b.height),
                  {
                    testid: 'bill-link',
                    title: `the whole bill of block ${b.hash}`,
                  },
                ),
            },
            { label: 'Status', cell: (b) => badge(b.status ?? 'unknown') },
            { label: 'Block reward', num: true, cell: (b) => amount(b.rewardSats) },
            {
              label: 'Your shares',
              num: true,
              cell: (b) => count(b.shares),
              testid: 'bill-shares',
            },
            {
              label: 'Weight',
              num: true,
              cell: (b) => String(b.weight ?? '—'),
              testid: 'bill-weight',
            },
            { label: 'First share', cell: (b) => position(b.first) },
            { label: 'Last share', cell: (b) => position(b.last) },
            {
              label: 'Your credit',
              num: true,
              cell: (b) => amount(b.creditSats),
              testid: 'bill-credit',
            },
          ],
        }),
      );
      const more = page + 1 < Number(billsBody?.pageCount ?? 0);
      const here = route('miner', account);
      fill(
        billsPager,
        page > 0 ? link(`${here}?page=${page - 1}`, '← Newer', { rel: 'prev' }) : '',
        more ? link(`${here}?page=${page + 1}`, 'Older →', { rel: 'next' }) : '',
      );
      const payRows = paid ?? [];
      fill(
        payments,
        table({
          caption: 'Payouts',
          hideCaption: true,
          testid: 'payments',
          rows: payRows,
          empty: 'No payout yet.',
          rowAttrs: () => ({ testid: 'payment-row' }),
          columns: [
            {
              label: 'Time',
              cell: (p) => h('time', { title: dateTime(p.created) }, ago(p.created)),
            },
            {
              label: 'Amount',
              num: true,
              cell: (p) => amount(p.amountSats),
            },
            {
              label: 'Transaction',
              cell: (p) =>
                p.type === 'coinbase'
                  ? [
                      'coinbase of block ',
                      link(route('block', p.blockHash), shortHash(p.blockHash)),
                    ]
                  : h('code', { class: 'wrap' }, p.transactionConfirmationData ?? '—'),
            },
          ],
        }),
      );
      const live = {};
      for (const w of list) if (w.online) live[w.worker] = { hashrate: w.hashrate };
      const { times, series } = minerSeries([...perf, { at: Date.now(), workers: live }]);
      chart.set(times, series);
      if (primeBody) {
        const mine = (primeBody.workers ?? []).filter((w) => workerName(w).account === account);
        fill(prime, section('Prime chains', {}, primeWorkersTable(mine, 'Chains of this miner')));
      }
    },
    destroy: () => chart.destroy(),
  };
}
