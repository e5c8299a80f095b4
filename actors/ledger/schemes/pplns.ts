// PPLNS: on a block, walk back from the block (log order) through the window's pages summing
// share weight until the window holds N = floor(netWeight × factorBps / 10 000) (at least 1).
// The boundary share counts partially (just what fills N). If the pool is younger than the
// window, the unfilled part N − Σw is not given to miners: it goes to the pool account
// (Miningcore's rule). pay_a = (reward − fee) × W_a / N  (stratum-gbt.md §4, Rosenfeld §3.3).
//
// The walk is exact and independent of paging: per-account sums are kept in Number
// accumulators (every weight is an integer ≤ 2^52, so a sum below 2^52 plus one weight stays
// below 2^53 and exact) and flushed to bigint when they reach 2^52; one bigint split follows.
import type { WindowPage } from '../window.js';

/** Window size in weight units: floor(netWeight × factorBps / 10 000), at least 1. */
export function windowTarget(netWeight: bigint, factorBps: number): bigint {
  const n = (netWeight * BigInt(factorBps)) / 10_000n;
  return n > 0n ? n : 1n;
}

/** A share's place: page (index into the pages given) and index within it. */
export interface PagePosition {
  readonly page: number;
  readonly index: number;
}

export interface TallyLine {
  readonly account: number;
  /** Weight counted in the window (the boundary share's partial weight included). */
  readonly weight: bigint;
  readonly shares: number;
  /** Oldest and newest of the account's shares in the window. */
  readonly first: PagePosition;
  readonly last: PagePosition;
}

export interface WindowTally {
  readonly target: bigint;
  /** Σ weights in the window (≤ target); target − filled is the unfilled part. */
  readonly filled: bigint;
  /** Per account, in ascending account index. */
  readonly lines: readonly TallyLine[];
  readonly oldest: PagePosition | null;
  readonly newest: PagePosition | null;
  /** The weight the oldest (boundary) share counted with, when it counted partially. */
  readonly boundaryWeight: bigint | null;
}

const FLUSH = 2 ** 52;

/**
 * Tallies the window ending at the newest page, over `accountCount` account indexes.
 * Cost: one pass over the window's shares with typed-array accumulators, no bigint per share.
 */
export function tallyWindow(
  pages: readonly WindowPage[],
  target: bigint,
  accountCount: number,
): WindowTally {
  const lo = new Float64Array(accountCount);
  const hi: bigint[] = [];
  const shares = new Int32Array(accountCount);
  const firstPage = new Int32Array(accountCount);
  const firstIdx = new Int32Array(accountCount);
  const lastPage = new Int32Array(accountCount);
  const lastIdx = new Int32Array(accountCount);
  const touched: number[] = [];
  let remaining = target;
  let oP = -1;
  let oK = -1;
  let nP = -1;
  let nK = -1;
  let boundaryWeight: bigint | null = null;

  const count = (acc: number, p: number, k: number, w: number): void => {
    if (shares[acc] === 0) {
      touched.push(acc);
      lastPage[acc] = p;
      lastIdx[acc] = k;
    }
    shares[acc] = (shares[acc] as number) + 1;
    firstPage[acc] = p;
    firstIdx[acc] = k;
    const v = (lo[acc] as number) + w;
    if (v >= FLUSH) {
      hi[acc] = (hi[acc] ?? 0n) + BigInt(v);
      lo[acc] = 0;
    } else lo[acc] = v;
  };

  for (let p = pages.length - 1; p >= 0 && remaining > 0n; p--) {
    const page = pages[p] as WindowPage;
    if (page.total === 0n) continue;
    const { accounts, weights } = page;
    if (page.total <= remaining) {
      // Hot loop: the whole page is in the window.
      for (let k = page.count - 1; k >= 0; k--) {
        const w = weights[k] as number;
        if (w === 0) continue;
        const acc = accounts[k] as number;
        if (shares[acc] === 0) {
          touched.push(acc);
          lastPage[acc] = p;
          lastIdx[acc] = k;
        }
        shares[acc] = (shares[acc] as number) + 1;
        firstPage[acc] = p;
        firstIdx[acc] = k;
        const v = (lo[acc] as number) + w;
        if (v >= FLUSH) {
          hi[acc] = (hi[acc] ?? 0n) + BigInt(v);
          lo[acc] = 0;
        } else lo[acc] = v;
        if (nP < 0) {
          nP = p;
          nK = k;
        }
        oP = p;
        oK = k;
      }
      remaining -= page.total;
      continue;
    }
    // The boundary page: bigint per share, at most one page of them.
    for (let k = page.count - 1; k >= 0 && remaining > 0n; k--) {
      const w = weights[k] as number;
      if (w === 0) continue;
      const wb = BigInt(w);
      const take = wb <= remaining ? wb : remaining;
      if (take < wb) boundaryWeight = take;
      count(accounts[k] as number, p, k, Number(take));
      remaining -= take;
      if (nP < 0) {
        nP = p;
        nK = k;
      }
      oP = p;
      oK = k;
    }
  }

  touched.sort((a, b) => a - b);
  const lines = touched.map((acc) => ({
    account: acc,
    weight: (hi[acc] ?? 0n) + BigInt(lo[acc] as number),
    shares: shares[acc] as number,
    first: { page: firstPage[acc] as number, index: firstIdx[acc] as number },
    last: { page: lastPage[acc] as number, index: lastIdx[acc] as number },
  }));
  return {
    target,
    filled: target - remaining,
    lines,
    oldest: oP < 0 ? null : { page: oP, index: oK },
    newest: nP < 0 ? null : { page: nP, index: nK },
    boundaryWeight,
  };
}
