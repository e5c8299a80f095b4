// Hash share classification (docs/protocols/stratum-gbt.md §1.8-1.9), pure. Two steps so a share
// is never hashed when it can be rejected cheaply:
//   1. precheckSubmit: shape (sizes, hex), ntime window, version-rolling mask → header version
//      (the prime family runs it too, before its own checks);
//   2. after hashing (native hashSubmit, or the reference in shared/submit-hash.ts),
//      classifyHash: stale | low-difficulty | accepted, and `blockCandidate`.
// A block candidate (hash <= network target) is flagged even when the share is stale or below
// the share target: the Block actor submits it anyway (ckpool: "always submit any possible block
// solve"). Duplicates are the Connection's to catch, per connection, before a share is hashed
// (actors/connection/session.ts): its extranonce1 is unique, so that is exact.
//
// ntime window: job.mintime <= ntime <= job.ntime + 7200 (and <= now + 7200 when a clock is
// passed). Sources: GBT mintime = median-time-past + 1, below it Core rejects "time-too-old";
// Core rejects "time-too-new" above node time + MAX_FUTURE_BLOCK_TIME (7200 s); the job's ntime
// is the node's curtime when the job was built.
import type { JobWork } from '../job/index.js';
import { isHex, u32FromHex, u32ToHex } from '../shared/hex.js';
import { hashToBigInt } from '../shared/target.js';
import { rolledVersion, versionBitsAllowed } from '../shared/version-rolling.js';
import type { ShareSubmit } from './messages.js';

/** Core's MAX_FUTURE_BLOCK_TIME. */
const MAX_FUTURE_BLOCK_TIME_SEC = 7200;

/** What precheckSubmit turns down, before any hashing. */
export type PrecheckRefusal =
  | { readonly kind: 'bad-ntime'; readonly reason: 'too-old' | 'too-new' }
  | { readonly kind: 'bad-version-bits' | 'invalid'; readonly reason: string };

/** A hashed share's verdict. */
export interface HashVerdict {
  readonly kind: 'accepted' | 'low-difficulty' | 'stale';
  readonly blockCandidate: boolean;
  /** Display order, lowercase hex. */
  readonly hash: string;
}

export interface SubmitContext {
  /** Negotiated version-rolling mask (mining.configure); 0 when the miner did not negotiate. */
  readonly versionMask: number;
  /** Current time in seconds, when the caller has a clock; tightens the upper ntime bound. */
  readonly nowSec?: number | undefined;
}

export type Precheck =
  | { readonly ok: true; readonly headerVersion: number }
  | { readonly ok: false; readonly verdict: PrecheckRefusal };

export interface HashTargets {
  /** The job was superseded by a clean job on a newer tip. */
  readonly stale: boolean;
  /** The connection's share target for this job (diff1 / D). */
  readonly shareTarget: bigint;
  readonly networkTarget: bigint;
}

/** Cheap checks before hashing. On success returns the header version. */
export function precheckSubmit(job: JobWork, submit: ShareSubmit, ctx: SubmitContext): Precheck {
  const invalid = (reason: string): Precheck => ({
    ok: false,
    verdict: { kind: 'invalid', reason },
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
  if (ntime < job.mintime) return { ok: false, verdict: { kind: 'bad-ntime', reason: 'too-old' } };
  let maxNtime = job.ntime + MAX_FUTURE_BLOCK_TIME_SEC;
  if (ctx.nowSec !== undefined)
    maxNtime = Math.min(maxNtime, ctx.nowSec + MAX_FUTURE_BLOCK_TIME_SEC);
  if (ntime > maxNtime) return { ok: false, verdict: { kind: 'bad-ntime', reason: 'too-new' } };

  let headerVersion = job.version;
  if (submit.versionBits !== undefined) {
    const bits = u32FromHex(submit.versionBits);
    if (!versionBitsAllowed(bits, ctx.versionMask)) {
      const reason = `version bits ${submit.versionBits} outside the negotiated mask ${u32ToHex(ctx.versionMask >>> 0)}`;
      return { ok: false, verdict: { kind: 'bad-version-bits', reason } };
    }
    headerVersion = rolledVersion(job.version, bits, ctx.versionMask);
  }
  return { ok: true, headerVersion };
}

/** The verdict of a hashed share: `hash` is sha256d of its header, internal order. */
export function classifyHash(hash: Uint8Array, t: HashTargets): HashVerdict {
  if (hash.length !== 32) hashToBigInt(hash); // throws TARGET_INVALID
  // Display-order hex; equal-length lowercase hex compares as the numbers do, so the targets
  // are compared as (cached) hex strings, not by parsing every hash into a BigInt.
  const hex = displayHex(hash);
  const blockCandidate = hex <= targetHex(t.networkTarget);
  if (t.stale) return { kind: 'stale', blockCandidate, hash: hex };
  if (hex > targetHex(t.shareTarget)) return { kind: 'low-difficulty', blockCandidate, hash: hex };
  return { kind: 'accepted', blockCandidate, hash: hex };
}

/** Where displayHex reverses a hash (it runs for every hashed share: no Buffer each). */
const reversed = Buffer.alloc(32);

/** A 32-byte hash in internal order as display-order (reversed) lowercase hex. */
function displayHex(internal: Uint8Array): string {
  for (let i = 0; i < 32; i++) reversed[i] = internal[31 - i]!;
  return reversed.toString('hex');
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
