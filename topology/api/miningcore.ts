// Miningcore's pool API (its PoolApiController), so Miningcore frontends work against a
// Colliery node: /api/pools, /api/pools/{id}, its blocks, payments, miners and performance,
// a miner's stats, payments and performance, and the paged /api/v2 variants of blocks and
// payments. Field names and shapes are Miningcore's (camelCase, ISO-8601 times, amounts as
// JSON numbers of coin units, null values omitted); every difference is in docs/api.md.
// Colliery adds base-unit amounts beside Miningcore's (`…Sats`, decimal strings).
import type { BlockSummary } from '../../actors/ledger/index.js';
import type { ApiAnswer, Paging } from './http.js';
import {
  BadParam,
  coins,
  compact,
  iso,
  ok,
  pageCount,
  pageOf,
  paging,
  unavailable,
} from './http.js';
import type { LedgerIndex, PaymentRow } from './ledger-index.js';
import { ledgerIndex } from './ledger-index.js';
import type { RouteContext } from './context.js';
import {
  confirmationProgress,
  DAY_MS,
  floorTo,
  HOUR_MS,
  known,
  paidAtMs,
  statusOf,
  tipHeight,
  unknownMiner,
} from './context.js';
import type { MinerRank, PoolFigures, PoolInfo, StatsView } from './source.js';
import { BUCKET_MS } from './source.js';

type Json = Record<string, unknown>;

const STATS_OFF =
  'statistics are off on this node (it keeps no hashrate or share series); ask a node that keeps them';

/** Miningcore's CoinFamily names for ours. */
const FAMILY: Readonly<Record<PoolInfo['family'], string>> = {
  hash: 'bitcoin',
  prime: 'primecoin',
};

function coinConfig(pool: PoolInfo): Json {
  return {
    type: pool.symbol,
    name: pool.name,
    symbol: pool.symbol,
    family: FAMILY[pool.family],
    algorithm: pool.algorithm,
  };
}

function ports(pool: PoolInfo): Json {
  const out: Json = {};
  for (const p of pool.stratum) {
    out[String(p.port)] = compact({
      listenAddress: p.host,
      name: `${p.tls ? 'stratum+ssl' : 'stratum+tcp'}://${p.host}:${p.port}`,
      difficulty: p.difficulty,
      varDiff:
        p.varDiff === null ? null : { minDiff: p.varDiff.minDiff, maxDiff: p.varDiff.maxDiff },
      tls: p.tls,
      tlsAuto: false,
    });
  }
  return out;
}

function paymentProcessing(c: RouteContext): Json {
  const { pool } = c.source;
  const factorBps = c.source.ledger().config.pplnsFactorBps;
  return compact({
    enabled: pool.payouts !== 'off',
    minimumPayment: coins(pool.minPayoutSats, pool.decimals),
    minimumPaymentSats: String(pool.minPayoutSats),
    payoutScheme: pool.scheme.toUpperCase(),
    payoutSchemeConfig: pool.scheme === 'pplns' ? { factor: factorBps / 10_000 } : null,
    payouts: pool.payouts,
    payoutIntervalSeconds: pool.payoutIntervalSeconds,
  });
}

function rankRow(r: MinerRank): Json {
  return { miner: r.account, hashrate: r.hashrate, sharesPerSecond: r.sharesPerSecond };
}

async function networkStats(c: RouteContext, figures: PoolFigures | null): Promise<Json> {
  const node = await c.source.coinNode();
  const tip = await tipHeight(c, figures);
  const last = node?.lastBlockTimeMs ?? null;
  return compact({
    networkType: c.source.pool.network,
    networkHashrate: node?.networkHashps ?? 0,
    networkDifficulty: node?.difficulty ?? figures?.network?.difficulty ?? 0,
    lastNetworkBlockTime: last === null ? null : iso(last),
    blockHeight: tip ?? 0,
    connectedPeers: node?.connections ?? 0,
  });
}

function poolStats(figures: PoolFigures | null): Json | null {
  if (figures === null) return null;
  return {
    connectedMiners: figures.minersOnline,
    connectedWorkers: figures.workersOnline,
    poolHashrate: figures.hashrate,
    sharesPerSecond: figures.sharesPerSecond,
  };
}

async function poolInfo(c: RouteContext, index: LedgerIndex): Promise<Json> {
  const { pool } = c.source;
  const figures = c.stats?.pool(c.now) ?? null;
  const last = index.blocks().at(-1);
  const lastAt = last === undefined ? null : (c.stats?.blockEffort(last.hash)?.atMs ?? null);
  const paid = index.totalPaidSats();
  return compact({
    id: pool.id,
    coin: coinConfig(pool),
    ports: ports(pool),
    paymentProcessing: paymentProcessing(c),
    poolFeePercent: pool.feeBps / 100,
    address: pool.poolAddress,
    poolStats: poolStats(figures),
    networkStats: await networkStats(c, figures),
    topMiners: c.stats ? c.stats.ranking(c.now, 'current', 0, 15).rows.map(rankRow) : [],
    totalPaid: coins(paid, pool.decimals),
    totalPaidSats: String(paid),
    totalBlocks: index.blocks().length,
    lastPoolBlockTime: lastAt === null ? null : iso(lastAt),
    poolEffort: figures?.currentEffort ?? 0,
    poolLuck: figures?.luck ?? null,
  });
}

export async function pools(c: RouteContext): Promise<ApiAnswer> {
  c.q.int('topMinersRange', 24, 1, 24 * 365);
  const index = await ledgerIndex(c.source.ledger());
  return ok({ pools: [await poolInfo(c, index)] });
}

export async function pool(c: RouteContext): Promise<ApiAnswer> {
  c.q.int('topMinersRange', 24, 1, 24 * 365);
  const index = await ledgerIndex(c.source.ledger());
  return ok({ pool: await poolInfo(c, index) });
}

// ---- blocks

const STATES = ['pending', 'orphaned', 'confirmed'] as const;

/** Miningcore's `state` filter (repeatable; names or BlockStatus numbers 1..3). */
function stateFilter(c: RouteContext): ReadonlySet<string> | null {
  const raw = c.q
    .getAll('state')
    .flatMap((s) => s.split(','))
    .filter((s) => s.trim() !== '');
  if (raw.length === 0) return null;
  const numbers: Record<string, string> = { '1': 'pending', '2': 'orphaned', '3': 'confirmed' };
  return new Set(
    raw.map((s) => {
      const v = s.trim().toLowerCase();
      const hit = STATES.find((n) => n === v) ?? numbers[v];
      if (hit === undefined)
        throw new BadParam(`state must be pending, confirmed or orphaned, got "${s}"`);
      return hit;
    }),
  );
}

function blockRow(c: RouteContext, index: LedgerIndex, ordinal: number, tip: number | null): Json {
  const { pool } = c.source;
  const b = index.blocks()[ordinal] as BlockSummary;
  const facts = index.facts(ordinal);
  const effort = c.stats?.blockEffort(b.hash);
  return compact({
    poolId: pool.id,
    blockHeight: b.height,
    networkDifficulty:
      effort?.networkDifficulty ??
      networkDifficulty(c, facts?.method ?? null, facts?.targetWeight ?? 0n),
    status: statusOf(b),
    type: 'block',
    confirmationProgress: confirmationProgress(b, tip, pool.maturity),
    effort: effort?.effort ?? null,
    reward: coins(b.rewardSats, pool.decimals),
    rewardSats: String(b.rewardSats),
    hash: b.hash,
    miner: facts?.finder?.account ?? '',
    source: facts?.finder?.node ?? '',
    created: effort === undefined ? null : iso(effort.atMs),
  });
}

/**
 * The block's network difficulty when the statistics do not have it (off, or a block from before
 * they kept it): recovered from a PPLNS bill's window size (N = netWeight × factor), hash coins
 * only (netWeight / 65,536 is the difficulty there); 0 otherwise.
 */
function networkDifficulty(c: RouteContext, method: string | null, targetWeight: bigint): number {
  if (c.source.pool.family !== 'hash' || method !== 'pplns') return 0;
  const factor = c.source.ledger().config.pplnsFactorBps;
  return (Number(targetWeight) * 10_000) / factor / 65_536;
}

/** Ordinals of the blocks the filter keeps, newest first. */
function blockOrdinals(index: LedgerIndex, states: ReadonlySet<string> | null): number[] {
  const out: number[] = [];
  const blocks = index.blocks();
  for (let i = blocks.length - 1; i >= 0; i--) {
    if (states === null || states.has(statusOf(blocks[i] as BlockSummary))) out.push(i);
  }
  return out;
}

async function blockPage(c: RouteContext): Promise<{ rows: Json[]; total: number; p: Paging }> {
  const p = paging(c.q);
  const states = stateFilter(c);
  const index = await ledgerIndex(c.source.ledger());
  const tip = await tipHeight(c, c.stats?.pool(c.now) ?? null);
  const ordinals = blockOrdinals(index, states);
  const rows = pageOf(ordinals, p).map((i) => blockRow(c, index, i, tip));
  return { rows, total: ordinals.length, p };
}

export async function blocks(c: RouteContext): Promise<ApiAnswer> {
  return ok((await blockPage(c)).rows);
}

export async function blocksV2(c: RouteContext): Promise<ApiAnswer> {
  const { rows, total, p } = await blockPage(c);
  return ok(paged(rows, total, p));
}

function paged(rows: readonly Json[], total: number, p: Paging): Json {
  return { success: true, result: rows, pageCount: pageCount(total, p.pageSize) };
}

// ---- payments

function paymentRow(c: RouteContext, p: PaymentRow): Json {
  const { pool } = c.source;
  const at = paidAtMs(c.stats, p);
  return compact({
    coin: pool.symbol,
    address: p.account,
    amount: coins(p.sats, pool.decimals),
    amountSats: String(p.sats),
    transactionConfirmationData: p.txid ?? p.ref,
    created: at === null ? null : iso(at),
    type: p.kind,
    blockHash: p.kind === 'coinbase' ? p.ref : null,
    payoutId: p.kind === 'payout' ? p.ref : null,
  });
}

async function paymentPage(
  c: RouteContext,
  account: string | null,
): Promise<{ rows: Json[]; total: number; p: Paging } | ApiAnswer> {
  const p = paging(c.q);
  const index = await ledgerIndex(c.source.ledger());
  if (account !== null && !known(c, index, account)) return unknownMiner(c, account);
  const list = account === null ? index.payments() : index.paymentsOf(account);
  return { rows: pageOf(list, p).map((x) => paymentRow(c, x)), total: list.length, p };
}

export async function payments(c: RouteContext, account: string | null): Promise<ApiAnswer> {
  const page = await paymentPage(c, account);
  return 'status' in page ? page : ok(page.rows);
}

export async function paymentsV2(c: RouteContext, account: string | null): Promise<ApiAnswer> {
  const page = await paymentPage(c, account);
  return 'status' in page ? page : ok(paged(page.rows, page.total, page.p));
}

// ---- miners and performance

export function miners(c: RouteContext): ApiAnswer {
  const p = paging(c.q);
  c.q.int('topMinersRange', 24, 1, 24 * 365);
  if (c.stats === null) return unavailable(STATS_OFF);
  return ok(c.stats.ranking(c.now, 'current', p.page, p.pageSize).rows.map(rankRow));
}

type Range = 'day' | 'month' | 'hour';
const RANGE_NUMBERS: Readonly<Record<string, Range>> = { '1': 'day', '2': 'month', '3': 'hour' };

export function performance(c: RouteContext): ApiAnswer {
  const range = c.q.choice<Range>('r', ['day', 'month', 'hour'], 'day', RANGE_NUMBERS);
  const interval = c.q.choice('i', ['hour', 'day'], 'hour', { '1': 'hour', '2': 'day' });
  if (c.stats === null) return unavailable(STATS_OFF);
  const step = range === 'hour' ? BUCKET_MS : interval === 'hour' ? HOUR_MS : DAY_MS;
  const span = range === 'hour' ? HOUR_MS : range === 'day' ? DAY_MS : 30 * DAY_MS;
  const from = floorTo(c.now - span, step);
  const stats = c.stats.poolSeries(from, c.now, step).map((s) => ({
    poolHashrate: s.hashrate,
    validSharesPerSecond: s.sharesPerSecond,
    created: iso(s.atMs),
  }));
  return ok({ stats });
}

/** A miner's samples by Miningcore's SampleRange: hour (5-minute steps), day (hourly), month (daily). */
export function minerSamples(stats: StatsView, account: string, mode: Range, now: number): Json[] {
  let from: number;
  let to: number;
  let step: number;
  if (mode === 'hour') {
    step = BUCKET_MS;
    to = now;
    from = floorTo(now - HOUR_MS, step);
  } else {
    // The full steps before the current one (Miningcore rounds the end down likewise).
    step = mode === 'day' ? HOUR_MS : DAY_MS;
    from = floorTo(now, step) - (mode === 'day' ? DAY_MS : 30 * DAY_MS);
    to = floorTo(now, step) - 1;
  }
  const out: Json[] = [];
  for (const s of stats.accountSeries(account, from, to, step)) {
    const names = Object.keys(s.workers);
    if (names.length === 0) continue; // Miningcore has no sample where the miner had no share
    const workers: Json = {};
    for (const n of names) {
      const w = s.workers[n];
      if (w) workers[n] = { hashrate: w.hashrate, sharesPerSecond: w.sharesPerSecond };
    }
    out.push({ created: iso(s.atMs), workers });
  }
  return out;
}

function minerMode(c: RouteContext, name: string): Range {
  return c.q.choice<Range>(name, ['day', 'month', 'hour'], 'day', RANGE_NUMBERS);
}

export async function minerPerformance(c: RouteContext, account: string): Promise<ApiAnswer> {
  const mode = minerMode(c, 'mode');
  if (c.stats === null) return unavailable(STATS_OFF);
  const index = await ledgerIndex(c.source.ledger());
  if (!known(c, index, account)) return unknownMiner(c, account);
  return ok(minerSamples(c.stats, account, mode, c.now));
}

// ---- a miner

function paidSums(
  c: RouteContext,
  rows: readonly PaymentRow[],
): { total: bigint; today: bigint; last: number | null } {
  const midnight = floorTo(c.now, DAY_MS);
  let total = 0n;
  let today = 0n;
  let last: number | null = null;
  let counting = true;
  for (const p of rows) {
    total += p.sats;
    if (!counting) continue;
    const at = paidAtMs(c.stats, p);
    if (at === null) continue;
    last ??= at;
    if (at >= midnight) today += p.sats;
    else counting = false;
  }
  return { total, today, last };
}

export async function miner(c: RouteContext, account: string): Promise<ApiAnswer> {
  const mode = minerMode(c, 'perfMode');
  const index = await ledgerIndex(c.source.ledger());
  if (!known(c, index, account)) return unknownMiner(c, account);
  const { pool } = c.source;
  const d = pool.decimals;
  const b = c.source.ledger().balance(account);
  const mature = b?.matureSats ?? 0n;
  const pendingSats = (mature > 0n ? mature : 0n) + (b?.pendingSats ?? 0n);
  const immature = b?.immatureSats ?? 0n;
  const sums = paidSums(c, index.paymentsOf(account));
  const figures = c.stats?.account(account, c.now);
  const online = figures?.workers.filter((w) => w.online) ?? [];
  const workers: Json = {};
  for (const w of online)
    workers[w.worker] = { hashrate: w.hashrate, sharesPerSecond: w.sharesPerSecond };
  return ok(
    compact({
      pendingShares: 0,
      pendingBalance: coins(pendingSats, d),
      pendingBalanceSats: String(pendingSats),
      immatureBalance: coins(immature, d),
      immatureBalanceSats: String(immature),
      totalPaid: coins(sums.total, d),
      totalPaidSats: String(sums.total),
      todayPaid: coins(sums.today, d),
      todayPaidSats: String(sums.today),
      lastPayment: sums.last === null ? null : iso(sums.last),
      performance: online.length === 0 ? null : { created: iso(c.now), workers },
      performanceSamples: c.stats ? minerSamples(c.stats, account, mode, c.now) : [],
    }),
  );
}
