// PROP: per round (the shares since the previous pool block in log order), the block's
// reward − fee is split by weight: pay_a = (reward − fee) × W_a / W_round (stratum-gbt.md §4;
// NOMP, Miningcore PROPPaymentScheme). The round is kept as window pages (one per share
// record, see window.ts) that are never pruned until the block closes the round, so the
// round is tallied by the same exact walk as a PPLNS window, with N = the round's weight. A
// round with no shares pays the pool. An orphaned block does not reopen its round.
import type { Window } from '../window.js';

/** The target that takes the whole round: its total weight. */
export function roundTarget(round: Window): bigint {
  return round.total;
}
