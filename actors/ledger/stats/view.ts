// What the pool's statistics answer (stats/book.ts keeps them): hashrate, share counts and
// liveness per worker, per account and for the pool, derived from the log alone and kept by
// every ledger replica in its LMDB, so every node answers the same for the same log position.
//
// Time: every figure is over the log's own clock (the `atMs` the records carry), bucketed in
// 5-minute buckets (BUCKET_MS) kept for 30 days. "Now" is the caller's `nowMs` (wall clock):
// it only picks which buckets are recent; the buckets themselves are the log's.
//
// Rates: `hashrate` is accepted work per second in the coin's unit. Hash coins: hashes/s,
// Σ difficulty · 2^32 / seconds. Prime coins: chain work per second, Σ (weight / WEIGHT_ONE) /
// seconds, where a share's weight is its expected block contribution at difficulty 1.
// A share's work is its ledger weight, which counts difficulty in units of 2^-16: a share below
// difficulty 2^-16 (the pool's default lowest) counts as 2^-16, as the ledger pays it.
// Current figures are over the last 10 minutes (HASHRATE_WINDOW_MS), or since the series'
// first share in that window when it is younger (Miningcore does the same), so a worker that
// just connected is not shown at a fraction of its rate.

export const BUCKET_MS = 300_000;
export const HASHRATE_WINDOW_MS = 600_000;
export const DAY_MS = 86_400_000;
/** Buckets are kept this long (log time), then pruned. */
export const RETENTION_MS = 30 * DAY_MS;
/** Luck is over this many of the pool's latest blocks. */
export const LUCK_BLOCKS = 100;

/** Accepted work and share counts of one series (pool, account or worker) in one bucket. */
export interface StatsSample {
  /** The bucket's (or step's) start, ms since the epoch. */
  readonly atMs: number;
  /** Accepted work per second over the step, in the coin's unit (see the head of this file). */
  readonly hashrate: number;
  readonly accepted: number;
  readonly stale: number;
  readonly invalid: number;
  /** Accepted shares per second over the step. */
  readonly sharesPerSecond: number;
}

/** A series' figures now: current (10 min) and 24 h. */
export interface LiveFigures {
  readonly hashrate: number;
  readonly sharesPerSecond: number;
  readonly hashrate24h: number;
  /** Counts over the last 24 h. */
  readonly accepted24h: number;
  readonly stale24h: number;
  readonly invalid24h: number;
  /** The last accepted share's time (log), or null: none in 30 days. */
  readonly lastShareMs: number | null;
}

export interface WorkerFigures extends LiveFigures {
  /** As the miner named it after the account (`account.worker` → `worker`; '' when none). */
  readonly worker: string;
  /** A share accepted within the hashrate window. */
  readonly online: boolean;
}

export interface AccountFigures extends LiveFigures {
  readonly account: string;
  readonly workers: readonly WorkerFigures[];
}

export interface PoolFigures extends LiveFigures {
  /** Accounts with a share within the hashrate window. */
  readonly minersOnline: number;
  readonly workersOnline: number;
  /** Work since the pool's last block, over the expected work per block (1.0 = 100 %). */
  readonly currentEffort: number | null;
  /**
   * The pool's luck over its last LUCK_BLOCKS blocks (or fewer): their mean effort, and luck =
   * blocks / Σ effort (expected work over the work it took; above 1 is lucky). Null: no block.
   */
  readonly luck: {
    readonly blocks: number;
    readonly averageEffort: number;
    readonly luck: number;
  } | null;
  /** The latest job in the log: the chain as the pool mines it. */
  readonly network: {
    readonly height: number;
    /** Network difficulty (diff-1 units; prime coins: the chain-length difficulty). */
    readonly difficulty: number;
    /** Its time (log). */
    readonly atMs: number;
  } | null;
}

/** A pool block's effort: work since the pool's previous block over the expected work. */
export interface BlockEffort {
  readonly hash: string;
  readonly effort: number;
  /** The network difficulty the block was found at (diff-1 units, as PoolFigures.network). */
  readonly networkDifficulty?: number;
  /** When the block.found record was made (log), ms. */
  readonly atMs: number;
}

/** One row of a ranking of accounts (the miners list, the leaderboard). */
export interface MinerRank {
  readonly account: string;
  readonly hashrate: number;
  readonly sharesPerSecond: number;
  readonly hashrate24h: number;
  readonly lastShareMs: number | null;
  readonly workersOnline: number;
}

export interface StatsView {
  /** The log position the figures are as of (the ledger's lastApplied). */
  asOfSeq(): number;
  pool(nowMs: number): PoolFigures;
  /** Undefined: no share from this account in the retention window. */
  account(name: string, nowMs: number): AccountFigures | undefined;
  /**
   * Accounts by `by` (current or 24 h hashrate), highest first; `total` counts every account
   * with a share in the last 24 h. Cached for a few seconds (the leaderboard of 100,000 is a sort).
   */
  ranking(
    nowMs: number,
    by: 'current' | '24h',
    page: number,
    pageSize: number,
  ): { readonly total: number; readonly rows: readonly MinerRank[] };
  /**
   * The pool's series: steps of `stepMs` (a BUCKET_MS multiple) from the one holding `fromMs` up
   * to the one holding `toMs`. A step's rate is over its time up to `toMs`, and from the
   * series' first share for the step that holds it.
   */
  poolSeries(fromMs: number, toMs: number, stepMs: number): StatsSample[];
  /** One account's series, and each worker's, summed into steps. */
  accountSeries(
    name: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): (StatsSample & { readonly workers: Readonly<Record<string, StatsSample>> })[];
  /** Effort of the pool's blocks (hash → effort), as each block.found record closed a round. */
  blockEffort(hash: string): BlockEffort | undefined;
  /** When a custodial payout was planned and sent (log time), by payout id. */
  payoutTimes(
    id: string,
  ): { readonly plannedMs: number; readonly sentMs: number | null } | undefined;
}
