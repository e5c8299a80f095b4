// Dividing a block's reward among the weights of a window or round (shared by PPLNS and PROP).
import { splitByWeight } from '../../shared/amounts.js';
import type { Weighted } from '../../shared/amounts.js';
import { POOL_ACCOUNT } from '../config.js';

/**
 * Splits `restSats` (reward − fee) over `weights` plus an unfilled weight that belongs to the
 * pool: pay_a = rest × W_a / (ΣW + unfilled). Remainder rule: splitByWeight's largest
 * remainder (one satoshi each to the largest fractional parts, ties by account name), with
 * the pool's unfilled part taking part like any account; the result sums to restSats exactly.
 * An empty window/round (nothing to weigh) gives everything to the pool.
 */
export function splitOverWeights(
  restSats: bigint,
  weights: readonly Weighted[],
  unfilledWeight: bigint,
): Map<string, bigint> {
  const list = weights.filter((w) => w.weight > 0n);
  if (unfilledWeight > 0n) list.push({ key: POOL_ACCOUNT, weight: unfilledWeight });
  if (list.length === 0) return new Map([[POOL_ACCOUNT, restSats]]);
  return splitByWeight(restSats, list);
}
