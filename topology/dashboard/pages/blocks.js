// #/blocks?page=N — the pool's blocks, newest first, a page at a time; and the blocks table
// the pool page shows too.
import { getJson } from '../api.js';
import { badge, fill, h, link, route, table } from '../dom.js';
import { ago, amount, count, dateTime, height, percent, shortHash } from '../format.js';

const PAGE_SIZE = 25;

/** A block's reward: exact, from its base units (Miningcore's `reward` is a float of coins). */
export function blockReward(b) {
  return amount(b.rewardSats);
}

/**
 * Confirmations from the chain tip (tip − height + 1) with the progress to maturity in
 * parentheses; orphaned blocks have none.
 */
export function confirmations(b, ctx) {
  const status = b.miningcoreStatus ?? b.status;
  if (status === 'orphaned') return '—';
  const at = b.blockHeight ?? b.height;
  const tip = Number(ctx.pool?.networkStats?.blockHeight ?? NaN);
  const progress = percent(b.confirmationProgress, 0);
  if (!Number.isInteger(tip) || tip < at) return progress;
  return `${count(tip - at + 1)} (${progress})`;
}

export function blocksTable(rows, ctx, caption, testid, hideCaption = false) {
  return table({
    caption,
    hideCaption,
    testid,
    rows,
    empty: 'No block found yet.',
    rowAttrs: (b) => ({
      testid: 'block-row',
      data: { hash: b.hash ?? '', height: b.blockHeight ?? '', status: b.status ?? '' },
    }),
    columns: [
      {
        label: 'Height',
        num: true,
        cell: (b) => link(route('block', b.hash ?? b.blockHeight), height(b.blockHeight)),
      },
      {
        label: 'Hash',
        cell: (b) => h('code', { title: b.hash ?? '' }, shortHash(b.hash)),
      },
      { label: 'Status', cell: (b) => badge(b.status ?? 'unknown'), testid: 'block-status' },
      { label: 'Confirmations', num: true, cell: (b) => confirmations(b, ctx) },
      { label: 'Effort', num: true, cell: (b) => percent(b.effort) },
      { label: 'Reward', num: true, cell: blockReward, testid: 'block-reward' },
      {
        label: 'Found',
        cell: (b) => (b.created ? h('time', { title: dateTime(b.created) }, ago(b.created)) : '—'),
      },
    ],
  });
}

export function blocksPage(main, ctx, _args, query) {
  const page = Math.max(0, Number(query.get('page') ?? 0) || 0);
  const body = h('div');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Block pages' });
  main.append(h('h1', {}, 'Blocks'), body, pager);
  return {
    async refresh() {
      const answer = await getJson(ctx.api.blocksPaged(page, PAGE_SIZE));
      const rows = answer?.result ?? [];
      fill(body, blocksTable(rows, ctx, `Blocks, page ${page + 1}`, 'blocks'));
      const more = page + 1 < Number(answer?.pageCount ?? 0);
      fill(
        pager,
        page > 0 ? link(`#/blocks?page=${page - 1}`, '← Newer', { rel: 'prev' }) : '',
        more ? link(`#/blocks?page=${page + 1}`, 'Older →', { rel: 'next' }) : '',
      );
    },
  };
}
