// PROP: per round (the shares since the previous pool block in log order), the block's
// reward − fee is split by weight: pay_a = (reward − fee) × W_a / W_round (stratum-gbt.md §4;
// NOMP, Miningcore PROPPaymentScheme). The round is kept as per-account running totals, so
// its size does not depend on how long the round lasts. A round with no shares pays the pool.
import type { SharePosition } from '../bill.js';

export interface RoundLine {
  readonly account: number;
  /** Exact weight = hi + lo; lo is a Number accumulator kept below 2^52. */
  lo: number;
  hi: bigint;
  shares: number;
  first: SharePosition;
  last: SharePosition;
}

export interface Round {
  /** By account index. */
  readonly lines: Map<number, RoundLine>;
}

const FLUSH = 2 ** 52;

/** Counts one share (weight > 0) into the round; returns true when the account is new to it. */
export function addToRound(
  round: Round,
  account: number,
  weight: number,
  seq: number,
  index: number,
  hash: string,
): boolean {
  const line = round.lines.get(account);
  if (line === undefined) {
    const pos = { seq, index, hash };
    round.lines.set(account, { account, lo: weight, hi: 0n, shares: 1, first: pos, last: pos });
    return true;
  }
  const v = line.lo + weight;
  if (v >= FLUSH) {
    line.hi += BigInt(v);
    line.lo = 0;
  } else line.lo = v;
  line.shares++;
  line.last = { seq, index, hash };
  return false;
}

/** The exact weight of a round line. */
export function roundWeight(line: RoundLine): bigint {
  return line.hi + BigInt(line.lo);
}

/** The round's lines in ascending account index. */
export function roundLines(round: Round): RoundLine[] {
  return [...round.lines.values()].sort((a, b) => a.account - b.account);
}
