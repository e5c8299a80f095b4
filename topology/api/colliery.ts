// Colliery's own API beside Miningcore's, under /api/colliery/pools/{id}/: what a Miningcore
// frontend cannot show. A miner's exact balances and workers; the bill line of every pool block
// that has one for them (the page a miner checks when they suspect the pool); a block's whole
// bill with its effort; the hashrate leaderboard; a prime pool's per-worker chain statistics.
// Amounts are base units as decimal strings (the HTTP server writes bigints so), times ISO-8601,
// and every field is always present (null when unknown).
import type { AccountBalance, BillLine, BlockSummary } from '../../actors/ledger/index.js';
import type { ApiAnswer, Paging, Query } from './http.js';
import { iso, notFound, ok, pageCount, pageOf, paging, unavailable } from './http.js';
import type { LedgerIndex } from './ledger-index.js';
import { ledgerIndex } from './ledger-index.js';
import type { RouteContext } from './context.js';
import { confirmationProgress, known, statusOf, tipHeight, unknownMiner } from './context.js';
import type { WorkerFigures, WorkerPrimeStats } from './source.js';

type Json = Record<string, unknown>;

const STATS_OFF =
  'statistics are off on this node (it keeps no hashrate or share series); ask a node that keeps them';
/** Bill pages read one bill per row (a bill may hold 100k lines): smaller pages than elsewhere. */
export const MAX_BILL_PAGE = 100;

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

function balances(b: AccountBalance | undefined): Json {
  return {
    immatureSats: b?.immatureSats ?? 0n,
    matureSats: b?.matureSats ?? 0n,
    pendingSats: b?.pendingSats ?? 0n,
    paidSats: b?.paidSats ?? 0n,
    debtSats: b?.debtSats ?? 0n,
  };
}

function worker(w: WorkerFigures): Json {
  return {
    worker: w.worker,
    online: w.online,
    hashrate: w.hashrate,
    hashrate24h: w.hashrate24h,
    sharesPerSecond: w.sharesPerSecond,
    lastShare: isoOrNull(w.lastShareMs),
    accepted24h: w.accepted24h,
    stale24h: w.stale24h,
    invalid24h: w.invalid24h,
  };
}

export async function minerAccount(c: RouteContext, account: string): Promise<ApiAnswer> {
  const store = c.source.ledger();
  const index = await ledgerIndex(store);
  if (!known(c, index, account)) return unknownMiner(c, account);
  const b = store.balance(account);
  const f = c.stats?.account(account, c.now);
  return ok({
    pool: c.source.pool.id,
    account,
    asOfSeq: store.lastApplied(),
    statsAsOfSeq: c.stats?.asOfSeq() ?? null,
    statistics: c.stats === null ? 'off' : 'on',
    scheme: b?.scheme ?? store.config.accountSchemes.get(account) ?? store.config.scheme,
    balances: balances(b),
    hashrate: f?.hashrate ?? (c.stats ? 0 : null),
    hashrate24h: f?.hashrate24h ?? (c.stats ? 0 : null),
    sharesPerSecond: f?.sharesPerSecond ?? (c.stats ? 0 : null),
    accepted24h: f?.accepted24h ?? (c.stats ? 0 : null),
    stale24h: f?.stale24h ?? (c.stats ? 0 : null),
    invalid24h: f?.invalid24h ?? (c.stats ? 0 : null),
    lastShare: isoOrNull(f?.lastShareMs ?? null),
    workers: c.stats === null ? null : (f?.workers ?? []).map(worker),
  });
}

/** The account's line in a bill (lines are sorted by account). */
function lineOf(lines: readonly BillLine[], account: string): BillLine | undefined {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = lines[mid] as BillLine;
    if (l.account === account) return l;
    if (l.account < account) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function blockHead(c: RouteContext, b: BlockSummary, tip: number | null): Json {
  const effort = c.stats?.blockEffort(b.hash);
  return {
    hash: b.hash,
    height: b.height,
    seq: b.seq,
    status: b.status,
    miningcoreStatus: statusOf(b),
    confirmationProgress: confirmationProgress(b, tip, c.source.pool.maturity),
    rewardSats: b.rewardSats,
    solo: b.solo,
    effort: effort?.effort ?? null,
    foundAt: isoOrNull(effort?.atMs ?? null),
  };
}

function billRow(
  c: RouteContext,
  index: LedgerIndex,
  ordinal: number,
  account: string,
  tip: number | null,
): Json {
  const b = index.blocks()[ordinal] as BlockSummary;
  const bill = index.bill(b.hash);
  const line = bill === undefined ? undefined : lineOf(bill.lines, account);
  return {
    block: {
      ...blockHead(c, b, tip),
      method: bill?.method ?? null,
      feeSats: bill?.feeSats ?? null,
      splitSats: bill?.splitSats ?? null,
      targetWeight: bill?.targetWeight ?? null,
      filledWeight: bill?.filledWeight ?? null,
      finder: bill?.finder ?? null,
    },
    line: line ?? null,
  };
}

export async function minerBills(c: RouteContext, account: string): Promise<ApiAnswer> {
  const p = billPaging(c.q);
  const store = c.source.ledger();
  const index = await ledgerIndex(store);
  if (!known(c, index, account)) return unknownMiner(c, account);
  const ordinals = [...index.blocksOf(account)].reverse();
  const tip = await tipHeight(c, c.stats?.pool(c.now) ?? null);
  return ok({
    pool: c.source.pool.id,
    account,
    asOfSeq: store.lastApplied(),
    ...pageFields(ordinals.length, p),
    rows: pageOf(ordinals, p).map((o) => billRow(c, index, o, account, tip)),
  });
}

function billPaging(q: Query): Paging {
  const p = paging(q);
  return { page: p.page, pageSize: Math.min(p.pageSize, MAX_BILL_PAGE) };
}

function pageFields(total: number, p: Paging): Json {
  return { total, page: p.page, pageSize: p.pageSize, pageCount: pageCount(total, p.pageSize) };
}

export async function block(c: RouteContext, ref: string): Promise<ApiAnswer> {
  const store = c.source.ledger();
  const index = await ledgerIndex(store);
  const bill = store.bill(/^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase());
  const ordinal = bill === undefined ? undefined : index.ordinalOf(bill.hash);
  const b = ordinal === undefined ? undefined : index.blocks()[ordinal];
  if (bill === undefined || b === undefined)
    return notFound(`no block ${ref} in the ledger of pool ${c.source.pool.id}`);
  const tip = await tipHeight(c, c.stats?.pool(c.now) ?? null);
  return ok({
    pool: c.source.pool.id,
    asOfSeq: store.lastApplied(),
    ...blockHead(c, b, tip),
    bill,
  });
}

export function leaderboard(c: RouteContext): ApiAnswer {
  const period = c.q.choice('period', ['24h', 'current'], '24h');
  const p = paging(c.q);
  if (c.stats === null) return unavailable(STATS_OFF);
  const { total, rows } = c.stats.ranking(c.now, period, p.page, p.pageSize);
  return ok({
    pool: c.source.pool.id,
    period,
    asOfSeq: c.stats.asOfSeq(),
    ...pageFields(total, p),
    rows: rows.map((r, i) => ({
      rank: p.page * p.pageSize + i + 1,
      account: r.account,
      hashrate: r.hashrate,
      hashrate24h: r.hashrate24h,
      sharesPerSecond: r.sharesPerSecond,
      workersOnline: r.workersOnline,
      lastShare: isoOrNull(r.lastShareMs),
    })),
  });
}

/** Flagged workers first, then by shares (most first), then by name. */
function primeOrder(a: WorkerPrimeStats, b: WorkerPrimeStats): number {
  if (a.flagged !== b.flagged) return a.flagged ? -1 : 1;
  return b.shares - a.shares || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0);
}

export async function prime(c: RouteContext): Promise<ApiAnswer> {
  const { pool } = c.source;
  const p = paging(c.q);
  if (pool.family !== 'prime')
    return notFound(`pool ${pool.id} mines a hash coin: it has no prime chain statistics`);
  const workers = await c.source.prime();
  if (workers === null)
    return unavailable(`this node's Share actor did not answer for its prime chain statistics`);
  const sorted = [...workers].sort(primeOrder);
  return ok({
    pool: pool.id,
    ...pageFields(sorted.length, p),
    shareWeights: shareWeights(workers),
    workers: pageOf(sorted, p),
  });
}

/**
 * What a share of each chain length earned on average over this node's workers, in diff-1
 * shares (ledger weight / 65,536): how the pool values one length against another.
 */
function shareWeights(workers: readonly WorkerPrimeStats[]): Record<string, number> {
  const weight = new Map<string, number>();
  const count = new Map<string, number>();
  for (const w of workers) {
    for (const [length, n] of Object.entries(w.byLength)) {
      count.set(length, (count.get(length) ?? 0) + n);
      const earned = (w.weightByLength as Record<string, number> | undefined)?.[length] ?? 0;
      weight.set(length, (weight.get(length) ?? 0) + earned);
    }
  }
  const out: Record<string, number> = {};
  for (const [length, n] of count) if (n > 0) out[length] = (weight.get(length) ?? 0) / n / 65_536;
  return out;
}
