// #/leaderboard — the top miners by 24 h hashrate.
import { getJson } from '../api.js';
import { fill, h, link, route, table } from '../dom.js';
import { ago, count, dateTime, hashrate } from '../format.js';

const TOP = 50;

export function leaderboardPage(main, ctx) {
  const body = h('div');
  main.append(h('h1', {}, 'Leaderboard'), body);
  return {
    async refresh() {
      const answer = await getJson(ctx.api.leaderboard(0, TOP));
      const rows = answer?.rows ?? [];
      fill(
        body,
        table({
          caption: 'Top miners by 24 h hashrate',
          testid: 'leaderboard',
          rows,
          empty: 'No miner in the last 24 hours.',
          rowAttrs: (r) => ({ testid: 'leader-row', data: { account: r.account } }),
          columns: [
            { label: 'Rank', num: true, cell: (r) => String(r.rank) },
            {
              label: 'Miner',
              cell: (r) =>
                link(route('miner', r.account), r.account, { class: 'account', title: r.account }),
            },
            { label: '24 h hashrate', num: true, cell: (r) => hashrate(r.hashrate24h, ctx.prime) },
            { label: 'Hashrate now', num: true, cell: (r) => hashrate(r.hashrate, ctx.prime) },
            { label: 'Workers online', num: true, cell: (r) => count(r.workersOnline ?? 0) },
            {
              label: 'Last share',
              cell: (r) => h('time', { title: dateTime(r.lastShare) }, ago(r.lastShare)),
            },
          ],
        }),
      );
    },
  };
}
