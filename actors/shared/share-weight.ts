// A share's weight in the ledger's integer work unit (WEIGHT_ONE = 65 536 per diff-1 share),
// and the expected weight per block at a network target. A share is a block with probability
// weight / netWeight, which is what PPS pays and what a PPLNS window is measured in.
import { DIFF1_TARGET } from './target.js';

/** One diff-1 share in weight units (2^16: share difficulties down to 1/65 536 stay ≥ 1). */
export const WEIGHT_ONE = 65_536;

/** Weight of a hash-family share at `difficulty`: round(difficulty × 2^16), at least 1. */
export function hashShareWeight(difficulty: number): number {
  return Math.max(1, Math.round(difficulty * WEIGHT_ONE));
}

/** Expected weight per block at `networkTarget`: floor(diff1 × 2^16 / target), exact integer maths. */
export function hashNetWeight(networkTarget: bigint): bigint {
  return (DIFF1_TARGET * BigInt(WEIGHT_ONE)) / (networkTarget > 0n ? networkTarget : 1n);
}
