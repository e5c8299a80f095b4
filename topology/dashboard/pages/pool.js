// #/ — the pool: hashrate (figures and a chart of the pool's performance samples), miners and
// workers online, the network, fee, scheme, payout mode, Stratum URLs, recent blocks.
import { getJson } from '../api.js';
import { lineChart } from '../chart.js';
import { badge, figures, fill, h, section } from '../dom.js';
import { compact, count, hashrate, height, percent, tick } from '../format.js';
import { stratumUrls } from '../pool-info.js';
import { blocksTable } from './blocks.js';
import { poolSamples, samples } from './series.js';

export function poolPage(main, ctx) {
  const summary = h('div', { testid: 'pool-summary' });
  const endpoints = h('div');
  const blocks = h('div');
  main.append(
    h('h1', {}, 'Pool'),
    summary,
    section('Hashrate', { class: 'chart-section' }),
    section('Connect', {}, endpoints),
    section('Recent blocks', {}, blocks, h('p', {}, h('a', { href: '#/blocks' }, 'All blocks →'))),
  );
  const chart = lineChart(main.querySelector('.chart-section'), {
    title: 'Pool hashrate',
    format: (v) => hashrate(v, ctx.prime),
    ...(ctx.prime ? { tick, unit: 'chain work/s' } : {}),
    testid: 'pool-chart',
  });
  return {
    async refresh() {
      const [perf, recent] = await Promise.all([
        samples(ctx.api.performance, poolSamples, (r) => r.rate > 0),
        getJson(ctx.api.blocks(0, 10)),
      ]);
      const pool = ctx.pool;
      const stats = pool.poolStats ?? {};
      const net = pool.networkStats ?? {};
      const pay = pool.paymentProcessing ?? {};
      fill(
        summary,
        figures([
          {
            label: 'Pool hashrate',
            value: hashrate(stats.poolHashrate, ctx.prime),
            raw: stats.poolHashrate ?? '',
            testid: 'pool-hashrate',
          },
          {
            label: 'Miners online',
            // poolStats is absent when the node keeps no statistics (--stats=false): '—'.
            value: count(stats.connectedMiners),
            raw: stats.connectedMiners ?? '',
            testid: 'pool-miners',
          },
          {
            label: 'Workers online',
            value: count(stats.connectedWorkers),
            raw: stats.connectedWorkers ?? '',
            testid: 'pool-workers',
          },
          {
            label: 'Network difficulty',
            value: compact(net.networkDifficulty),
            raw: net.networkDifficulty ?? '',
            testid: 'network-difficulty',
          },
          {
            label: 'Network height',
            value: height(net.blockHeight),
            raw: net.blockHeight ?? '',
            testid: 'network-height',
          },
          {
            label: 'Current effort',
            value: percent(pool.poolEffort),
            raw: pool.poolEffort ?? '',
            testid: 'pool-effort',
          },
          {
            label: pool.poolLuck ? `Luck (last ${pool.poolLuck.blocks} blocks)` : 'Luck',
            value: pool.poolLuck ? percent(pool.poolLuck.luck) : '—',
            raw: pool.poolLuck?.luck ?? '',
            testid: 'pool-luck',
          },
          {
            label: 'Pool fee',
            value: `${pool.poolFeePercent ?? 0} %`,
            raw: pool.poolFeePercent ?? 0,
            testid: 'pool-fee',
          },
          {
            label: 'Payout scheme',
            value: String(pay.payoutScheme ?? '—'),
            testid: 'pool-scheme',
          },
          {
            label: 'Payout mode',
            value: payoutMode(pool),
            testid: 'payout-mode',
          },
        ]),
      );
      fill(
        endpoints,
        h(
          'ul',
          { class: 'endpoints', testid: 'stratum-urls' },
          stratumUrls(pool).map((e) =>
            h(
              'li',
              { data: { tls: e.tls } },
              h('code', {}, e.url),
              ' ',
              e.tls ? badge('TLS', 'tls') : null,
              e.difficulty !== null
                ? h('span', { class: 'muted' }, ` start difficulty ${compact(e.difficulty)}`)
                : null,
            ),
          ),
        ),
        h(
          'p',
          { class: 'muted' },
          'User name: your address (or your account name) followed by .worker, e.g. ',
          h('code', {}, 'ADDRESS.rig1'),
          '.',
        ),
      );
      const rows = recent ?? [];
      fill(blocks, blocksTable(rows, ctx, 'Recent blocks', 'pool-blocks', true));
      const points = [...perf, { at: Date.now(), rate: Number(stats.poolHashrate ?? 0) }];
      chart.set(
        points.map((s) => s.at),
        [{ label: 'Pool', values: points.map((s) => s.rate) }],
      );
    },
    destroy: () => chart.destroy(),
  };
}

/** Coinbase (non-custodial: miners paid in the block's coinbase) or custodial (sendmany). */
function payoutMode(pool) {
  const mode = pool.paymentProcessing?.payouts ?? null;
  if (mode === 'coinbase') return 'Coinbase outputs (non-custodial)';
  if (mode === 'custodial') return 'Custodial (wallet payments)';
  if (mode === 'off') return 'Off (credited, not paid)';
  return mode === null ? '—' : String(mode);
}
