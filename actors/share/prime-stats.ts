// Per-worker prime share statistics and an estimate of the chain length a worker's software
// really sieves for, pure (no clock, no I/O).
//
// Model (actors/shared/prime-share-value.ts): a miner sieving for chain length T tests
// candidates whose first T members are free of small factors; each of those members is then
// prime with probability p (the coin's 1/stepRatio), members beyond T with a lower
// probability q. Every accepted share of integer length L shows, for each level k it passed,
// one trial "k primes → k+1 primes": a success for k < L, a failure at k = L. Levels at or
// below the share target's integer part are conditioned by the target's fraction, so only
// levels k > Lt (k ≥ Lt when the fraction is 0) are counted.
//
// Estimate: the change point T that maximizes the likelihood of the trials with rate p below T
// and a fitted rate q ≤ p from T on (T past the last observed level = "no drop seen").
// Evidence = log-likelihood gain over "no drop" (nats). A worker is flagged when the best T
// is below the length the pool asks it to sieve for (the block target's integer length) with
// at least `minEvidence` nats.

export interface PrimeStatsConfig {
  /** p: continuation probability of sieved members (1 / stepRatio). */
  readonly continuation: number;
  /** Log-likelihood gain (nats) needed to call a drop (default 3: odds ~20:1). */
  readonly minEvidence: number;
}

export interface WorkerPrimeStats {
  readonly worker: string;
  readonly shares: number;
  /** Accepted shares by integer chain length. */
  readonly byLength: Readonly<Record<number, number>>;
  /**
   * The weight each length earned (ledger weight units, WEIGHT_ONE = one diff-1 share), summed:
   * what the pool credits a chain of that length relative to the others.
   */
  readonly weightByLength: Readonly<Record<number, number>>;
  /** Accepted shares by chain type. */
  readonly byType: Readonly<Record<string, number>>;
  /** The block target's integer length: what the pool asks miners to sieve for. */
  readonly askedLength: number;
  /** Estimated sieve target: null while no drop is evident (consistent with the asked length). */
  readonly estimatedLength: number | null;
  /** Observed continuation rate at and above the estimate (or overall). */
  readonly continuation: number | null;
  readonly evidence: number;
  readonly flagged: boolean;
}

export class WorkerChainStats {
  readonly worker: string;
  #shares = 0;
  readonly #byLength = new Map<number, number>();
  readonly #weightByLength = new Map<number, number>();
  readonly #byType = new Map<string, number>();
  readonly #trials = new Float64Array(100);
  readonly #successes = new Float64Array(100);
  #asked = 0;

  constructor(worker: string) {
    this.worker = worker;
  }

  /**
   * One accepted share: its best chain word and type, the targets it was judged against, and
   * the weight it earned.
   */
  record(
    chain: number,
    type: string | null,
    shareTarget: number,
    blockTarget: number,
    weight = 0,
  ): void {
    this.#shares++;
    const L = chain >>> 24;
    this.#byLength.set(L, (this.#byLength.get(L) ?? 0) + 1);
    this.#weightByLength.set(L, (this.#weightByLength.get(L) ?? 0) + weight);
    if (type) this.#byType.set(type, (this.#byType.get(type) ?? 0) + 1);
    this.#asked = blockTarget >>> 24;
    const lt = shareTarget >>> 24;
    const from = (shareTarget & 0xffffff) === 0 ? lt : lt + 1;
    // Levels at or past the block's length are capped by block finding; count below it only.
    for (let k = from; k <= L && k < this.#asked && k < 99; k++) {
      this.#trials[k]!++;
      if (k < L) this.#successes[k]!++;
    }
  }

  /** True every `every` shares (when the shell should log a snapshot). */
  snapshotDue(every: number): boolean {
    return this.#shares % every === 0;
  }

  snapshot(cfg: PrimeStatsConfig): WorkerPrimeStats {
    const est = estimateTarget(this.#trials, this.#successes, cfg);
    const estimatedLength = est.evidence >= cfg.minEvidence ? est.changePoint : null;
    return {
      worker: this.worker,
      shares: this.#shares,
      byLength: Object.fromEntries(this.#byLength),
      weightByLength: Object.fromEntries(this.#weightByLength),
      byType: Object.fromEntries(this.#byType),
      askedLength: this.#asked,
      estimatedLength,
      continuation: est.rate,
      evidence: est.evidence,
      flagged: estimatedLength !== null && estimatedLength < this.#asked,
    };
  }
}

/** A log line the statistics ask for (the Share actor's LogLine). */
export interface StatsLine {
  readonly level: 'info' | 'warn';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly msg: string;
}

/** Every worker's statistics (at most 100,000 workers; then it starts over), and its log lines. */
export class PrimeWorkers {
  readonly #cfg: PrimeStatsConfig;
  readonly #logEvery: number;
  readonly #workers = new Map<string, WorkerChainStats>();
  readonly #flagged = new Set<string>();

  /** `logEvery`: a worker's estimate is logged every this many of its accepted shares (0: never). */
  constructor(cfg: PrimeStatsConfig, logEvery: number) {
    this.#cfg = cfg;
    this.#logEvery = logEvery;
  }

  /** Records one accepted share; the line to log when the worker's estimate is due. */
  record(
    worker: string,
    chain: number,
    type: string | null,
    shareTarget: number,
    blockTarget: number,
    weight = 0,
  ): StatsLine | null {
    let stats = this.#workers.get(worker);
    if (!stats) {
      if (this.#workers.size >= 100_000) this.#workers.clear();
      this.#workers.set(worker, (stats = new WorkerChainStats(worker)));
    }
    stats.record(chain, type, shareTarget, blockTarget, weight);
    const every = this.#logEvery;
    if (every <= 0 || !stats.snapshotDue(every)) return null;
    const snap = stats.snapshot(this.#cfg);
    const fields = {
      worker,
      shares: snap.shares,
      byLength: snap.byLength,
      asked: snap.askedLength,
      estimated: snap.estimatedLength,
      evidence: Number(snap.evidence.toFixed(1)),
    };
    if (snap.flagged && !this.#flagged.has(worker)) {
      this.#flagged.add(worker);
      return { level: 'warn', fields, msg: 'worker sieves for shorter chains than the pool asks' };
    }
    if (!snap.flagged) this.#flagged.delete(worker);
    return { level: 'info', fields, msg: 'worker chain statistics' };
  }

  snapshots(): WorkerPrimeStats[] {
    return [...this.#workers.values()].map((w) => w.snapshot(this.#cfg));
  }
}

const ll = (s: number, n: number, p: number): number =>
  (s > 0 ? s * Math.log(p) : 0) + (n - s > 0 ? (n - s) * Math.log(1 - p) : 0);

/** The change-point fit described above. */
export function estimateTarget(
  trials: ArrayLike<number>,
  successes: ArrayLike<number>,
  cfg: PrimeStatsConfig,
): { changePoint: number | null; rate: number | null; evidence: number } {
  const p = cfg.continuation;
  const levels: number[] = [];
  for (let k = 0; k < trials.length; k++) if ((trials[k] ?? 0) > 0) levels.push(k);
  if (levels.length === 0) return { changePoint: null, rate: null, evidence: 0 };
  let base = 0; // every level at rate p
  for (const k of levels) base += ll(successes[k] ?? 0, trials[k] ?? 0, p);
  let best = { changePoint: null as number | null, rate: null as number | null, evidence: 0 };
  for (const T of levels) {
    let below = 0;
    let s = 0;
    let n = 0;
    for (const k of levels) {
      if (k < T) below += ll(successes[k] ?? 0, trials[k] ?? 0, p);
      else {
        s += successes[k] ?? 0;
        n += trials[k] ?? 0;
      }
    }
    const q = Math.min(p, Math.max(s / n, 1e-9));
    const gain = below + ll(s, n, q) - base;
    if (gain > best.evidence) best = { changePoint: T, rate: s / n, evidence: gain };
  }
  return best;
}
