// Per-connection variable difficulty: keeps each connection near one share every
// `targetShareMs`. Pure: time comes in as `nowMs`.
//
// Estimator (stratum-gbt.md §3): a window of accepted difficulty; the connection's rate in
// difficulty-units per ms is Σd / elapsed, so the difficulty giving one share per T is
//   D* = (Σd / elapsedMs) · T.
// Rules, chosen from ckpool/btcpool/public-pool experience:
//  - retarget when the window holds `windowShares` shares, only if D*/D is outside
//    [1/hysteresis, hysteresis] (stable for large miners: 30 shares carry ~18 % noise,
//    well inside the default factor 2); after `retargetMs` (or idle, on ticks) with fewer
//    shares, only when a Poisson confidence bound puts D* outside the band;
//  - a fast path up: `fastShares` shares arriving within one T means D is far too low
//    (a big ASIC on a low start difficulty), so retarget at once;
//  - the same bound on timer ticks is the fast path down, so tiny devices on a high start
//    difficulty come down within a few minutes;
//  - results snap to powers of two (integer-friendly credits, like btcpool and the SV2
//    translator) and are clamped to [floor, maxDifficulty]; the floor is minDifficulty, or
//    the difficulty the miner asked for (d= option, suggest_difficulty; setMinerDifficulty).

export interface VardiffConfig {
  targetShareMs: number;
  retargetMs: number;
  windowShares: number;
  fastShares: number;
  idleFactor: number;
  hysteresis: number;
  minDifficulty: number;
  maxDifficulty: number;
}

export const DEFAULT_VARDIFF: VardiffConfig = {
  targetShareMs: 10_000,
  retargetMs: 90_000,
  windowShares: 30,
  fastShares: 8,
  idleFactor: 3,
  hysteresis: 2,
  minDifficulty: 2 ** -16,
  maxDifficulty: 2 ** 62,
};

export interface VardiffState {
  readonly difficulty: number;
  readonly floor: number;
  readonly windowStartMs: number;
  readonly windowDiff: number;
  readonly windowShares: number;
}

export function initVardiff(
  cfg: VardiffConfig,
  startDifficulty: number,
  nowMs: number,
  floor = cfg.minDifficulty,
): VardiffState {
  const f = clamp(floor, cfg.minDifficulty, cfg.maxDifficulty);
  return {
    difficulty: clamp(Math.max(startDifficulty, f), f, cfg.maxDifficulty),
    floor: f,
    windowStartMs: nowMs,
    windowDiff: 0,
    windowShares: 0,
  };
}

/**
 * The miner's own difficulty (`d=` in the password, mining.suggest_difficulty): clamped to
 * [minDifficulty, maxDifficulty], it becomes the difficulty now, up or down, and the floor
 * (vardiff may raise a fast miner above it, never lower one below it). The window starts
 * over, unless the difficulty stays what it was.
 */
export function setMinerDifficulty(
  cfg: VardiffConfig,
  s: VardiffState,
  asked: number,
  nowMs: number,
): VardiffState {
  const d = clamp(asked, cfg.minDifficulty, cfg.maxDifficulty);
  if (s.difficulty === d) return s.floor === d ? s : { ...s, floor: d };
  return { difficulty: d, floor: d, windowStartMs: nowMs, windowDiff: 0, windowShares: 0 };
}

/** An accepted share of difficulty `shareDifficulty` (the difficulty it was judged at). */
export function onShare(
  cfg: VardiffConfig,
  s: VardiffState,
  shareDifficulty: number,
  nowMs: number,
): VardiffState {
  // Literals, not spreads: this runs for every accepted share.
  const next: VardiffState = {
    difficulty: s.difficulty,
    floor: s.floor,
    windowStartMs: s.windowStartMs,
    windowDiff: s.windowDiff + shareDifficulty,
    windowShares: s.windowShares + 1,
  };
  const elapsed = Math.max(1, nowMs - s.windowStartMs);
  if (next.windowShares >= cfg.fastShares && elapsed <= cfg.targetShareMs) {
    return retarget(cfg, next, (next.windowDiff / elapsed) * cfg.targetShareMs, nowMs, true);
  }
  if (next.windowShares >= cfg.windowShares) {
    return retarget(cfg, next, (next.windowDiff / elapsed) * cfg.targetShareMs, nowMs, false);
  }
  return elapsed >= cfg.retargetMs ? significant(cfg, next, elapsed, nowMs) : next;
}

/** Periodic check: lowers the difficulty of a connection that stopped finding shares. */
export function onTick(cfg: VardiffConfig, s: VardiffState, nowMs: number): VardiffState {
  const elapsed = nowMs - s.windowStartMs;
  if (elapsed < cfg.idleFactor * cfg.targetShareMs) return s;
  return significant(cfg, s, elapsed, nowMs);
}

/**
 * Retarget on a partial window only when the change is statistically clear. With n shares
 * (in units of the current D) in `elapsed`, the expected count lies within
 * [n − 2√n, n + 2√n + 3] with ~95 % confidence (3 is the bound for n = 0); move only if
 * even the bound is outside the hysteresis band. A converged miner rarely trips this (no
 * share for 6·T: e^-6); a tiny device on a huge start difficulty trips it every ~6·T and
 * drops by ~6× each time.
 */
function significant(
  cfg: VardiffConfig,
  s: VardiffState,
  elapsed: number,
  nowMs: number,
): VardiffState {
  const n = s.windowDiff / s.difficulty;
  const perCount = (s.difficulty / elapsed) * cfg.targetShareMs;
  const high = (n + 2 * Math.sqrt(n) + 3) * perCount;
  const low = Math.max(0, n - 2 * Math.sqrt(n)) * perCount;
  if (high < s.difficulty / cfg.hysteresis) {
    // As if a share had just arrived: (Σd + D) / elapsed.
    return retarget(cfg, s, (n + 1) * perCount, nowMs, true);
  }
  if (low > s.difficulty * cfg.hysteresis) return retarget(cfg, s, n * perCount, nowMs, true);
  return s;
}

function retarget(
  cfg: VardiffConfig,
  s: VardiffState,
  wanted: number,
  nowMs: number,
  force: boolean,
): VardiffState {
  // Hysteresis on the raw estimate: with h ≥ √2 some power of two always lies inside the
  // band, so a converged connection stays put instead of flipping between neighbours.
  const ratio = wanted / s.difficulty;
  const keep = !force && ratio < cfg.hysteresis && ratio > 1 / cfg.hysteresis;
  return {
    difficulty: keep ? s.difficulty : clamp(snapPow2(wanted), s.floor, cfg.maxDifficulty),
    floor: s.floor,
    windowStartMs: nowMs,
    windowDiff: 0,
    windowShares: 0,
  };
}

/** Nearest power of two in log space (2^round(log2 x)); exact for x that already is one. */
export function snapPow2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  return 2 ** Math.round(Math.log2(x));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
