// What the Block actor receives (the Job actor's full jobs, the Share actor's candidates, its
// own follow rounds, list and restore) and what it tells of the blocks it submitted: its
// events, for the block log and metrics, each carrying the block as it stands.
import type { Job } from '../job/index.js';
import type { BlockCandidate, SharesSettled } from '../share/index.js';
import { CodedError } from '../shared/errors.js';

/**
 * 'unresolved': where the block went is unknown, because no coin node answered its submitblock
 * or because it was restored from a `block.submitted` intent whose leader died before they did;
 * the follow rounds ask the nodes and make it 'submitted' (found) or 'rejected'.
 */
export type BlockStatus = 'submitted' | 'unresolved' | 'rejected' | 'confirmed' | 'orphaned';

/**
 * Block events, for the block log and metrics: submitted (the requests are written, answers
 * still out), then found (a node took it) or rejected (none did); later confirmed (matured) or
 * orphaned.
 */
export interface BlockEvent {
  readonly kind: 'submitted' | 'found' | 'rejected' | 'confirmed' | 'orphaned';
  readonly block: FoundBlock;
}

export interface FoundBlock {
  readonly hash: string;
  readonly height: number;
  readonly jobId: string;
  /** Finder as `account.worker` (and split below). */
  readonly worker: string;
  readonly account: string;
  readonly workerName: string;
  /** Expected share weight per block at this block's target (see actors/shared/share-weight.ts). */
  readonly netWeight: bigint;
  readonly subsidySats: bigint;
  /** What the coinbase paid ledger accounts directly (SOLO finder, non-custodial payouts). */
  readonly coinbasePaid: readonly { readonly account: string; readonly sats: bigint }[];
  readonly solo: boolean;
  readonly node: string;
  readonly coinbaseValueSats: bigint;
  readonly foundAtMs: number;
  readonly submittedAtMs: number;
  /** Each coin node's submitblock answer: null = accepted, else its reason or error. */
  results: Readonly<Record<string, string | null>>;
  status: BlockStatus;
  confirmations: number;
}

export type BlockMessage =
  | { readonly type: 'job.full'; readonly job: Job }
  | BlockCandidate
  | { readonly type: 'block.follow' }
  | { readonly type: 'block.followed'; readonly confirmations: Readonly<Record<string, number>> }
  | { readonly type: 'block.list' }
  | { readonly type: 'block.restore'; readonly blocks: readonly FoundBlock[] };

export function validateBlockMessage(input: unknown): BlockMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (
    t === 'job.full' ||
    t === 'block.candidate' ||
    t === 'block.follow' ||
    t === 'block.followed' ||
    t === 'block.list' ||
    t === 'block.restore'
  ) {
    return input as BlockMessage;
  }
  throw new CodedError('BAD_MESSAGE', `not a Block message: ${String(t)}`);
}

export type SubmitterMessage =
  | { readonly type: 'job.full'; readonly job: Job }
  | BlockCandidate
  | SharesSettled
  | { readonly type: 'block.journal' };

/** What the submitter has done since the node started (metrics, status, warn logs). */
export interface SubmitterStats {
  /** Blocks written to the journal (found here, or recovered from it at start). */
  journaled: number;
  /** Journal entries the block log does not hold yet. */
  pending: number;
  /** Blocks submitted while this node did not hold the Block lease. */
  withoutLease: number;
  /** Entries a previous process left in the journal, submitted and logged at start. */
  recovered: number;
}

export function validateSubmitterMessage(input: unknown): SubmitterMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (
    t === 'job.full' ||
    t === 'block.candidate' ||
    t === 'block.journal' ||
    (t === 'block.shares-settled' && isHashList((input as { hashes?: unknown }).hashes))
  )
    return input as SubmitterMessage;
  throw new CodedError('BAD_MESSAGE', `not a block submitter message: ${String(t)}`);
}

function isHashList(x: unknown): boolean {
  return Array.isArray(x) && x.length <= 1_000 && x.every((h) => typeof h === 'string');
}
