// Messages of the Share actor (one per node, either PoW family) and what it sends on: verdicts
// back to the Connection that asked, block candidates to the Block actor.
import type { Address } from '../../runtime/index.js';
import type { ShareSubmission, ShareVerdictKind } from '../connection/index.js';
import type { JobAnnouncement } from '../job/index.js';
import { CodedError } from '../shared/errors.js';
import type { WorkerPrimeStats } from './prime-stats.js';

/**
 * A share submission as the Share actor verifies it and a block candidate carries it: the
 * mining.submit fields (hex as the miner sent them) plus the connection's extranonce1.
 */
export interface ShareSubmit {
  readonly jobId: string;
  /** The connection's extranonce1 (hex), assigned at subscribe. */
  readonly extranonce1: string;
  readonly extranonce2: string;
  /** 8 hex digits, big-endian uint32 as sent. */
  readonly ntime: string;
  /** 8 hex digits, big-endian uint32 as sent. */
  readonly nonce: string;
  /** BIP310 6th param, 8 hex digits; absent without version rolling. */
  readonly versionBits?: string | undefined;
  /** Prime family: the multiplier's canonical getvch() bytes, hex (the block carries them). */
  readonly multiplier?: string | undefined;
}

export type ShareMessage =
  /** The submits of one socket read, in order (a Connection sends one message per read). */
  | {
      readonly type: 'share.submits';
      readonly shares: readonly ShareSubmission[];
      readonly replyTo: Address;
      /**
       * When the Connection sent them, on the node's clock (the Share actor is local): submits
       * still waiting for the verifier `maxWaitMs` after it are answered busy unverified.
       */
      readonly atMs?: number;
    }
  | JobAnnouncement
  | { readonly type: 'share.stats' };

/**
 * Asked of the Block actor: a share that meets the block target. Its batch's verdicts and log
 * append wait for the answer (the Block actor answers once it has handled the candidate).
 */
export interface BlockCandidate {
  readonly type: 'block.candidate';
  readonly coin: string;
  readonly jobId: string;
  readonly submit: ShareSubmit;
  readonly headerVersion: number;
  /** Display order. */
  readonly hash: string;
  readonly worker: string;
  readonly node: string;
  readonly foundAtMs: number;
  /** SOLO: the payout script the coinbase of this share paid (hex); null in pooled mode. */
  readonly payoutScript: string | null;
}

/**
 * The Share actor to its Block address: the batch that held these candidates is in the share
 * sink's queue, so a found record appended from now on is logged behind their shares.
 */
export interface SharesSettled {
  readonly type: 'block.shares-settled';
  readonly hashes: readonly string[];
}

export interface ShareStats {
  readonly verdicts: Readonly<Record<ShareVerdictKind, number>>;
  readonly candidates: number;
  /** Submits answered busy unverified, having waited past the actor's limit (overload). */
  readonly shed: number;
  readonly jobs: number;
  readonly batches: number;
  /** Prime coins: per-worker chain-length statistics and sieve-target estimates. */
  readonly prime?: { readonly workers: readonly WorkerPrimeStats[] };
}

/** A `share.submits`: a non-empty list of submissions with every field the actor reads. */
function isShareSubmits(input: unknown): boolean {
  const m = input as {
    type?: unknown;
    shares?: unknown;
    replyTo?: unknown;
    atMs?: unknown;
  } | null;
  return (
    m?.type === 'share.submits' &&
    Array.isArray(m.shares) &&
    m.shares.length > 0 &&
    m.shares.every(isSubmission) &&
    typeof m.replyTo === 'string' &&
    (m.atMs === undefined || typeof m.atMs === 'number')
  );
}

function isSubmission(input: unknown): boolean {
  const s = input as Partial<ShareSubmission> | null | undefined;
  return (
    typeof s?.jobId === 'string' &&
    typeof s.extranonce1 === 'string' &&
    typeof s.extranonce2 === 'string' &&
    typeof s.ntime === 'number' &&
    typeof s.nonce === 'number' &&
    typeof s.difficulty === 'number' &&
    typeof s.requestId === 'number'
  );
}

export function validateShareMessage(input: unknown): ShareMessage {
  const m = input as { type?: unknown } | null;
  switch (m?.type) {
    case 'share.submits':
      if (isShareSubmits(input)) return input as ShareMessage;
      break;
    case 'job.new':
    case 'share.stats':
      return input as ShareMessage;
  }
  throw new CodedError('BAD_MESSAGE', `not a Share message: ${String(m?.type)}`);
}
