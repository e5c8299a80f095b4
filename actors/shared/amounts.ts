// Money as bigint base units (satoshis). Fees are integer basis points; every split conserves
// the total exactly, with the remainder rule written beside the code.
import { CodedError } from './errors.js';

export const AMOUNT_INVALID = 'AMOUNT_INVALID';

/** 10 000 basis points = 100 %. */
export const BPS_DENOMINATOR = 10_000n;

/** Largest amount that can ever exist: 21 million BTC in satoshis. */
export const MAX_MONEY_SATS = 2_100_000_000_000_000n;

/**
 * Satoshis from a node's integer field (GBT `coinbasevalue`, `fee`): a JSON number that must be
 * a non-negative safe integer (never `btc * 1e8`: 0.29 * 1e8 = 28999999.999999996).
 */
export function satsFromInteger(value: unknown, what = 'amount'): bigint {
  if (typeof value === 'bigint') return checkSats(value, what);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CodedError(
      AMOUNT_INVALID,
      `${what} must be a non-negative integer of satoshis, got ${String(value)}`,
    );
  }
  return checkSats(BigInt(value), what);
}

export interface FeeSplit {
  readonly feeSats: bigint;
  readonly restSats: bigint;
}

/**
 * Splits `totalSats` into a fee of `feeBps` basis points and the rest.
 * Remainder rule: fee = floor(total * feeBps / 10000); the fraction of a satoshi lost by the
 * floor goes to `restSats` (the miners), so feeSats + restSats === totalSats always.
 */
export function splitFee(totalSats: bigint, feeBps: number): FeeSplit {
  checkSats(totalSats, 'total');
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 10_000) {
    throw new CodedError(AMOUNT_INVALID, `feeBps must be an integer 0..10000, got ${feeBps}`);
  }
  const feeSats = (totalSats * BigInt(feeBps)) / BPS_DENOMINATOR;
  return { feeSats, restSats: totalSats - feeSats };
}

export interface Weighted {
  readonly key: string;
  readonly weight: bigint;
}

/**
 * Splits `totalSats` in proportion to integer weights (largest-remainder rule):
 * each key first gets floor(total * w / W); the leftover (fewer satoshis than there are keys)
 * goes one satoshi each to the largest remainders, ties broken by key (ascending, code unit order).
 * The result sums to `totalSats` exactly and lists keys in input order. Zero weights get 0.
 */
export function splitByWeight(
  totalSats: bigint,
  weights: readonly Weighted[],
): Map<string, bigint> {
  checkSats(totalSats, 'total');
  let sumWeight = 0n;
  const seen = new Set<string>();
  for (const w of weights) {
    if (w.weight < 0n) throw new CodedError(AMOUNT_INVALID, `negative weight for ${w.key}`);
    if (seen.has(w.key)) throw new CodedError(AMOUNT_INVALID, `duplicate key ${w.key}`);
    seen.add(w.key);
    sumWeight += w.weight;
  }
  if (sumWeight === 0n) throw new CodedError(AMOUNT_INVALID, 'weights sum to zero');
  const out = new Map<string, bigint>();
  const rems: { key: string; rem: bigint }[] = [];
  let given = 0n;
  for (const w of weights) {
    const q = (totalSats * w.weight) / sumWeight;
    out.set(w.key, q);
    given += q;
    rems.push({ key: w.key, rem: (totalSats * w.weight) % sumWeight });
  }
  rems.sort((a, b) =>
    a.rem === b.rem ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.rem > b.rem ? -1 : 1,
  );
  let left = totalSats - given;
  for (const r of rems) {
    if (left === 0n) break;
    out.set(r.key, (out.get(r.key) ?? 0n) + 1n);
    left--;
  }
  return out;
}

/** Sum of amounts. */
export function sumSats(values: Iterable<bigint>): bigint {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

function checkSats(v: bigint, what: string): bigint {
  if (v < 0n || v > MAX_MONEY_SATS) {
    throw new CodedError(AMOUNT_INVALID, `${what} out of range: ${v} sats`);
  }
  return v;
}
