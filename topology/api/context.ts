// What the API's routes share: the request's context (source, query, the clock read once) and
// the derivations both the Miningcore routes and Colliery's own make from the ledger and the
// statistics: a block's status as Miningcore names it and its confirmation progress, when a
// payment was made, the chain tip.
import type { BlockSummary } from '../../actors/ledger/index.js';
import type { ApiAnswer, Query } from './http.js';
import { notFound } from './http.js';
import type { LedgerIndex, PaymentRow } from './ledger-index.js';
import type { PoolApiSource, PoolFigures, StatsView } from './source.js';

export interface RouteContext {
  readonly source: PoolApiSource;
  readonly q: Query;
  /** source.nowMs(), read once per request. */
  readonly now: number;
  /** source.stats(), read once per request. */
  readonly stats: StatsView | null;
}

/** Miningcore's block status names: pending (immature), confirmed (matured), orphaned. */
export type MiningcoreStatus = 'pending' | 'confirmed' | 'orphaned';

export function statusOf(b: BlockSummary): MiningcoreStatus {
  return b.status === 'immature' ? 'pending' : b.status === 'matured' ? 'confirmed' : 'orphaned';
}

/**
 * Confirmations over the coin's maturity, at most 1 (Miningcore's confirmationProgress):
 * confirmed blocks 1, orphaned 0, pending ones from the chain tip (0 while it is unknown).
 */
export function confirmationProgress(
  b: BlockSummary,
  tip: number | null,
  maturity: number,
): number {
  if (b.status === 'matured') return 1;
  if (b.status === 'orphaned' || tip === null) return 0;
  if (maturity <= 0) return 1;
  return Math.min(1, Math.max(0, (tip - b.height + 1) / maturity));
}

/**
 * The chain tip's height: the coin node's, else one below the height of the latest job in the
 * log (the pool mines on the tip), else null.
 */
export async function tipHeight(
  c: RouteContext,
  figures: PoolFigures | null,
): Promise<number | null> {
  const node = await c.source.coinNode();
  if (node?.height !== null && node?.height !== undefined) return node.height;
  const job = figures?.network?.height;
  return job === undefined ? null : job - 1;
}

/**
 * When a payment was made (log time): a coinbase output when its block.found record was made,
 * a custodial payout when it was sent (else planned). Null while statistics are off.
 */
export function paidAtMs(stats: StatsView | null, p: PaymentRow): number | null {
  if (stats === null) return null;
  if (p.kind === 'coinbase') return stats.blockEffort(p.ref)?.atMs ?? null;
  const t = stats.payoutTimes(p.ref);
  return t === undefined ? null : (t.sentMs ?? t.plannedMs);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** `ms` rounded down to a multiple of `step` (UTC hours and days start on one). */
export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/** Whether the ledger or the statistics have heard of `account` (reserved '@' accounts: no). */
export function known(c: RouteContext, index: LedgerIndex, account: string): boolean {
  if (account === '' || account.startsWith('@')) return false;
  return (
    c.source.ledger().balance(account) !== undefined ||
    index.paymentsOf(account).length > 0 ||
    index.blocksOf(account).length > 0 ||
    c.stats?.account(account, c.now) !== undefined
  );
}

export function unknownMiner(c: RouteContext, account: string): ApiAnswer {
  return notFound(
    `no miner ${account} in pool ${c.source.pool.id} (no balance, payment, bill line or share)`,
  );
}
