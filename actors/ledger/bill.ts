// A block's bill: what the block brought, the fee, and for every account the credit and the
// shares that earned it (weight, count, first/last share by log position and hash), so a
// miner who suspects the pool can recompute their line from the log.
import type { AccountScheme } from './config.js';
import type { CoinbasePayment } from '../shared/log-records.js';

/** A share's place in the log: the record's sequence, its index in `shares`, its hash. */
export interface SharePosition {
  readonly seq: number;
  readonly index: number;
  readonly hash: string;
}

export interface BillLine {
  readonly account: string;
  /** The scheme the account was paid by for this block ('pool'/'fee' for reserved lines). */
  readonly scheme: AccountScheme | 'pool' | 'fee';
  /** Weight counted (PPLNS: with the boundary share's partial weight); 0 for reserved lines. */
  readonly weight: bigint;
  readonly shares: number;
  readonly first: SharePosition | null;
  readonly last: SharePosition | null;
  /** The account's slice of reward − fee (or the fee, for the fee line). */
  readonly creditSats: bigint;
  /** Who received the slice: the account itself, or @pps for a PPS/FPPS account. */
  readonly creditedTo: string;
}

export interface BlockBill {
  readonly hash: string;
  readonly height: number;
  readonly coin: string;
  /** Log sequence of the block.found record. */
  readonly seq: number;
  readonly finder: { readonly account: string; readonly worker: string; readonly node: string };
  readonly method: 'pplns' | 'prop' | 'solo';
  readonly rewardSats: bigint;
  readonly feeBps: number;
  readonly feeSats: bigint;
  /** reward − fee: what the window/round (or the SOLO finder) shares. */
  readonly splitSats: bigint;
  /** PPLNS: N; PROP: the round's total weight; SOLO: 0. */
  readonly targetWeight: bigint;
  readonly filledWeight: bigint;
  /** Part of the target no share filled (pool younger than the window): paid to @pool. */
  readonly unfilledWeight: bigint;
  /** The boundary share's counted weight when it counted partially (PPLNS). */
  readonly boundaryWeight: bigint | null;
  /** Oldest and newest share of the window/round. */
  readonly from: SharePosition | null;
  readonly to: SharePosition | null;
  /** One line per account credited, sorted by account; reserved lines (@fee, @pool) included. */
  readonly lines: readonly BillLine[];
  readonly coinbasePaid: readonly CoinbasePayment[];
}
