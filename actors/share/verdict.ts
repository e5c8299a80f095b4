// Share classification (docs/protocols/stratum-gbt.md §1.8-1.9), pure. Two steps so the shell never
// hashes what it can reject cheaply:
//   1. precheckSubmit: shape (sizes, hex), ntime window, version-rolling mask -> header version;
//   2. hash (native hashSubmit, or the reference in header.ts);
//   3. classifyShare: stale | low-difficulty | duplicate | accepted, and `blockCandidate`.
// A block candidate (hash <= network target) is flagged even when the share is stale or below
// the share target: the Block actor submits it anyway (ckpool: "always submit any possible block
// solve"). A duplicate is never a candidate again: its first copy already was.
//
// ntime window: job.mintime <= ntime <= job.ntime + 7200 (and <= now + 7200 when a clock is
// passed). Sources: GBT mintime = median-time-past + 1, below it Core rejects "time-too-old";
// Core rejects "time-too-new" above node time + MAX_FUTURE_BLOCK_TIME (7200 s); the job's ntime
// is the node's curtime when the job was built.
//
// Duplicate key: (job id, extranonce1, extranonce2, ntime, nonce, header version), lowercase hex,
// so version-rolled shares that differ only in version bits are distinct shares.
import type { JobWork } from '../job/job.js';
import { isHex, u32FromHex, u32ToHex } from '../shared/hex.js';
import { hashToBigInt } from '../shared/target.js';
import { rolledVersion, versionBitsAllowed } from '../shared/version-rolling.js';
import type { ShareSubmit } from './submit.js';

/** Core's MAX_FUTURE_BLOCK_TIME. */
export const MAX_FUTURE_BLOCK_TIME_SEC = 7200;

/** 'current': the job is live; 'stale': known but superseded by a clean job (new prevhash). */
export type JobFreshness = 'current' | 'stale';

export type ShareVerdict =
  | {
      readonly kind: 'accepted';
      readonly blockCandidate: boolean;
      readonly hash: string;
      readonly headerVersion: number;
      /** Present when the caller passed `seen` (it keeps accepted keys to catch duplicates). */
      readonly dedupKey?: string;
    }
  | {
      readonly kind: 'low-difficulty';
      readonly blockCandidate: boolean;
      readonly hash: string;
      readonly headerVersion: number;
    }
  | {
      readonly kind: 'stale';
      readonly blockCandidate: boolean;
      readonly reason: 'superseded' | 'unknown-job';
      readonly hash?: string;
      readonly headerVersion?: number;
    }
  | { readonly kind: 'duplicate'; readonly blockCandidate: false; readonly hash: string }
  | {
      readonly kind: 'bad-ntime';
      readonly blockCandidate: false;
      readonly reason: 'too-old' | 'too-new';
    }
  | { readonly kind: 'bad-version-bits'; readonly blockCandidate: false; readonly reason: string }
  | { readonly kind: 'invalid'; readonly blockCandidate: false; readonly reason: string };

export interface SubmitContext {
  /** Negotiated version-rolling mask (mining.configure); 0 when the miner did not negotiate. */
  readonly versionMask: number;
  /** Current time in seconds, when the caller has a clock; tightens the upper ntime bound. */
  readonly nowSec?: number | undefined;
}

export type Precheck =
  | { readonly ok: true; readonly headerVersion: number }
  | { readonly ok: false; readonly verdict: ShareVerdict };

export interface ShareInput extends SubmitContext {
  readonly job: JobWork;
  readonly submit: ShareSubmit;
  readonly freshness: JobFreshness;
  /** sha256d of the header, internal order (from hashSubmit). */
  readonly hash: Uint8Array;
  /** The connection's share target for this job (diff1 / D). */
  readonly shareTarget: bigint;
  readonly networkTarget: bigint;
  /**
   * Dedup keys of shares already accepted on retained jobs. Absent where duplicates are caught
   * before (the pool's Connection actor does, per connection): then no key is built.
   */
  readonly seen?: ReadonlySet<string> | undefined;
}

/** The verdict for a submit naming a job this node does not know (never hashed). */
export function unknownJobVerdict(): ShareVerdict {
  return { kind: 'stale', blockCandidate: false, reason: 'unknown-job' };
}

/** Cheap checks before hashing. On success returns the header version. */
export function precheckSubmit(job: JobWork, submit: ShareSubmit, ctx: SubmitContext): Precheck {
  const invalid = (reason: string): Precheck => ({
    ok: false,
    verdict: { kind: 'invalid', blockCandidate: false, reason },
  });
  if (submit.jobId !== job.id) return invalid(`job id ${submit.jobId} is not job ${job.id}`);
  if (!isHex(submit.extranonce1, job.extranonce1Size))
    return invalid(`extranonce1 must be ${job.extranonce1Size} bytes of hex`);
  if (!isHex(submit.extranonce2, job.extranonce2Size))
    return invalid(`incorrect size of extranonce2 (expected ${job.extranonce2Size} bytes of hex)`);
  if (!isHex(submit.ntime, 4)) return invalid('ntime must be 8 hex digits');
  if (!isHex(submit.nonce, 4)) return invalid('nonce must be 8 hex digits');
  if (submit.versionBits !== undefined && !isHex(submit.versionBits, 4))
    return invalid('version bits must be 8 hex digits');

  const ntime = u32FromHex(submit.ntime);
  if (ntime < job.mintime)
    return { ok: false, verdict: { kind: 'bad-ntime', blockCandidate: false, reason: 'too-old' } };
  let maxNtime = job.ntime + MAX_FUTURE_BLOCK_TIME_SEC;
  if (ctx.nowSec !== undefined)
    maxNtime = Math.min(maxNtime, ctx.nowSec + MAX_FUTURE_BLOCK_TIME_SEC);
  if (ntime > maxNtime)
    return { ok: false, verdict: { kind: 'bad-ntime', blockCandidate: false, reason: 'too-new' } };

  let headerVersion = job.version;
  if (submit.versionBits !== undefined) {
    const bits = u32FromHex(submit.versionBits);
    if (!versionBitsAllowed(bits, ctx.versionMask)) {
      const reason = `version bits ${submit.versionBits} outside the negotiated mask ${u32ToHex(ctx.versionMask >>> 0)}`;
      return { ok: false, verdict: { kind: 'bad-version-bits', blockCandidate: false, reason } };
    }
    headerVersion = rolledVersion(job.version, bits, ctx.versionMask);
  }
  return { ok: true, headerVersion };
}

/** The duplicate key of a prechecked submit (see the header comment). */
export function dedupKeyOf(job: JobWork, submit: ShareSubmit, headerVersion: number): string {
  return [
    job.id,
    submit.extranonce1,
    submit.extranonce2,
    submit.ntime,
    submit.nonce,
    u32ToHex(headerVersion),
  ]
    .join(':')
    .toLowerCase();
}

/** The full verdict, given the header hash computed for this submit. */
export function classifyShare(input: ShareInput): ShareVerdict {
  const pre = precheckSubmit(input.job, input.submit, input);
  if (!pre.ok) return pre.verdict;
  return classifyPrechecked(input, pre);
}

/**
 * classifyShare for a submit that already passed precheckSubmit on the same job (the shell
 * prechecks before hashing; a later clock only widens the ntime window, so it cannot fail now).
 */
export function classifyPrechecked(
  input: ShareInput,
  pre: Extract<Precheck, { ok: true }>,
): ShareVerdict {
  if (input.hash.length !== 32) hashToBigInt(input.hash); // throws TARGET_INVALID
  // Display-order hex; equal-length lowercase hex compares as the numbers do, so the targets
  // are compared as (cached) hex strings, not by parsing every hash into a BigInt.
  const hash = displayHex(input.hash);
  const blockCandidate = hash <= targetHex(input.networkTarget);
  const { headerVersion } = pre;
  if (input.freshness === 'stale')
    return { kind: 'stale', blockCandidate, reason: 'superseded', hash, headerVersion };
  if (hash > targetHex(input.shareTarget))
    return { kind: 'low-difficulty', blockCandidate, hash, headerVersion };
  if (input.seen === undefined) return { kind: 'accepted', blockCandidate, hash, headerVersion };
  const dedupKey = dedupKeyOf(input.job, input.submit, headerVersion);
  if (input.seen.has(dedupKey)) return { kind: 'duplicate', blockCandidate: false, hash };
  return { kind: 'accepted', blockCandidate, hash, headerVersion, dedupKey };
}

/** A 32-byte hash in internal order as display-order (reversed) lowercase hex. */
function displayHex(internal: Uint8Array): string {
  const out = Buffer.allocUnsafe(32);
  for (let i = 0; i < 32; i++) out[i] = internal[31 - i]!;
  return out.toString('hex');
}

const HASH_SPACE = 1n << 256n;
/** 64 lowercase hex digits of a target; the last few targets are remembered (a node has few). */
const targetHexes: { target: bigint; hex: string }[] = [];
function targetHex(target: bigint): string {
  for (const t of targetHexes) if (t.target === target) return t.hex;
  if (target < 0n) throw new RangeError('a target is never negative');
  // At or above 2^256 every hash meets it: 'z' sorts after any hex digit.
  const hex = target >= HASH_SPACE ? 'z' : target.toString(16).padStart(64, '0');
  if (targetHexes.length >= 8) targetHexes.pop();
  targetHexes.unshift({ target, hex });
  return hex;
}
