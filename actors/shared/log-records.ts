// The records of the pool's durable log: what the Share actor appends (group-committed share
// batches), what the Block actor appends (a block's life: found, matured, orphaned, rejected)
// and what the payout executor appends (custodial payouts planned and sent). The ledger is a
// deterministic function of these records in log order; nothing else feeds it.
//
// Units: `weight` is a share's work in diff-1 units × 2^16 (WEIGHT_ONE), an integer. For the
// hash family it is round(difficulty × 65536); for prime coins it is the share's expected
// block contribution expressed in the same unit. `netWeight` is the expected total weight per
// block at the share's network difficulty (hash: round(networkDifficulty × 65536)); a share is a
// block with probability weight / netWeight. Amounts are bigint base units (satoshis).

export { WEIGHT_ONE } from './share-weight.js';

/** Version of the records' shape; a ledger refuses records from a newer version. */
export const LOG_RECORD_VERSION = 1;

/** The job a batch of shares was mined on (shares point at it by index). */
export interface LoggedJob {
  readonly id: string;
  readonly height: number;
  /** Expected weight per block at this job's network target. */
  readonly netWeight: bigint;
  /** Block subsidy of this height (PPS pays on it). */
  readonly subsidySats: bigint;
  /** The template's coinbasevalue: subsidy + fees (FPPS pays on it). */
  readonly rewardSats: bigint;
}

export interface LoggedShare {
  /** Index into the record's `jobs`. */
  readonly job: number;
  readonly account: string;
  readonly worker: string;
  /** Integer work, WEIGHT_ONE = one diff-1 share. Always ≥ 1. */
  readonly weight: number;
  /** Block-hash (hex, display order) of the share: unique per share, used for bills. */
  readonly hash: string;
  readonly atMs: number;
}

/**
 * Shares a node refused, per worker, since its previous record (statistics only: the ledger
 * credits nothing for them). `stale`: on a job the chain had left; `invalid`: every other
 * refusal a miner caused (duplicate, low difficulty, bad ntime …); the pool's own trouble
 * (busy) is not counted. `atMs`: the latest of them.
 */
export interface LoggedRejects {
  readonly account: string;
  readonly worker: string;
  readonly stale: number;
  readonly invalid: number;
  readonly atMs: number;
}

/**
 * One group commit of accepted shares from one node's Share actor, with the refusals its
 * Connections counted since the last one. A record may carry refusals only (no shares, no jobs).
 */
export interface ShareBatchRecord {
  readonly type: 'shares';
  readonly v: number;
  /** Unique per batch (`<node>:<boot id>:<seq>`); also the JetStream dedup id. */
  readonly id: string;
  readonly coin: string;
  readonly node: string;
  readonly jobs: readonly LoggedJob[];
  readonly shares: readonly LoggedShare[];
  /** Absent when there were none (and in records from before refusals were logged). */
  readonly rejects?: readonly LoggedRejects[];
  /** W3C traceparent of the append's span (links to each share's submit trace); not accounting. */
  readonly trace?: string;
}

/** A coinbase output that paid an account directly (non-custodial or SOLO). */
export interface CoinbasePayment {
  readonly account: string;
  readonly sats: bigint;
}

export interface BlockFoundRecord {
  /**
   * `block.found`: a coin node took it (credited). `block.submitted`: the Block leader's intent,
   * appended as its submitblock requests leave, with what `block.found` would carry; the ledger
   * credits nothing for it. A leader that dies before its nodes answer leaves it unresolved, and
   * the next leader resolves it (found when a node has it on chain, else rejected).
   */
  readonly type: 'block.found' | 'block.submitted';
  readonly v: number;
  readonly id: string;
  readonly coin: string;
  readonly hash: string;
  readonly height: number;
  readonly jobId: string;
  /** Finder, as `account` and `worker`. */
  readonly account: string;
  readonly worker: string;
  readonly node: string;
  readonly rewardSats: bigint;
  readonly subsidySats: bigint;
  readonly netWeight: bigint;
  /**
   * What the coinbase itself paid to accounts (non-custodial payouts, or SOLO's finder);
   * the rest of the reward went to the pool's address.
   */
  readonly coinbasePaid: readonly CoinbasePayment[];
  /** True when the finder mined SOLO: the whole block is theirs, no share split. */
  readonly solo: boolean;
  readonly atMs: number;
}

export interface BlockStatusRecord {
  /** `block.rejected` resolves a `block.submitted` no node took (the ledger credits nothing). */
  readonly type: 'block.matured' | 'block.orphaned' | 'block.rejected';
  readonly v: number;
  readonly id: string;
  readonly coin: string;
  readonly hash: string;
  readonly height: number;
  readonly atMs: number;
}

/** A custodial payout the executor is about to send (debits balances when applied). */
export interface PayoutPlannedRecord {
  readonly type: 'payout.planned';
  readonly v: number;
  readonly id: string;
  readonly coin: string;
  readonly payments: readonly CoinbasePayment[];
  readonly atMs: number;
}

/** The wallet's answer for a planned payout: sent with a txid, or failed (credit restored). */
export interface PayoutResultRecord {
  readonly type: 'payout.sent' | 'payout.failed';
  readonly v: number;
  readonly id: string;
  readonly coin: string;
  /** The planned payout's id. */
  readonly payout: string;
  readonly txid: string | null;
  readonly reason: string | null;
  readonly atMs: number;
}

export type LogRecord =
  | ShareBatchRecord
  | BlockFoundRecord
  | BlockStatusRecord
  | PayoutPlannedRecord
  | PayoutResultRecord;

/**
 * Never on the wire: what the ledger applies in place of a record it refused at its edge (not
 * signed by a node the cluster trusts, or not a valid record; ledger/trust.ts). Applying it
 * credits nothing and sets the record aside where the operator can list it.
 */
export interface QuarantinedRecord {
  readonly type: 'quarantined';
  readonly v: number;
  readonly id: string;
  readonly coin: string;
  /** The node the record claims to come from (its header, else its body), or ''. */
  readonly node: string;
  readonly reason: string;
  /** The refused record's own type ('' when it had none). */
  readonly recordType: string;
  /** Shares it carried (a share batch), else 0. */
  readonly shares: number;
}

/** A record with its position in the log (JetStream stream sequence, strictly increasing). */
export interface LogEntry {
  readonly seq: number;
  readonly record: LogRecord | QuarantinedRecord;
}
