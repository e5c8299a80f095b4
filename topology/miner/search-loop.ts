// The contract between a miner's search loop (hash-search.ts, prime-search.ts) and what drives
// it (search.ts): one step at a time over a slice of the job's extranonce2 values.

/** step()'s answer when there is nothing to search. */
export const IDLE = -1;

export interface SearchLoop<W> {
  /** New work (or null: stop searching). Same job and en2Start: keep the position, new targets. */
  setWork(work: W | null): void;
  /** One step; the units of work it did (hashes, chain tests), possibly 0, or IDLE. */
  step(): number;
}

/** Which extranonce2 values a searcher takes: en2Start + index, then steps of stride. */
export interface SearchSlice {
  readonly index: number;
  readonly stride: number;
}

export interface SearchEvents<F> {
  found(found: F): void;
  /** Units of work done since the last call. */
  progress(units: number): void;
  /** The searcher moved on to this extranonce2 (the miner starts later work above it). */
  extranonce2(en2: number): void;
}
