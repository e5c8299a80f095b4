// A Connection's submission -> its submit fields, and job + submit -> the inputs of hashSubmit
// (native, or the TypeScript reference in shared/submit-hash.ts): the path a share takes from a
// miner's fields to a header hash.
import { coinb2ForPayout, prevHashFromStratum, type JobWork } from '../job/index.js';
import { concatBytes, hexToBytes, reverseBytes, u32FromHex } from '../shared/hex.js';
import type { HashSubmitInput } from '../shared/submit-hash.js';
import type { ShareSubmission } from '../connection/index.js';
import type { ShareSubmit } from './messages.js';

/** The byte forms of a job that every share on it reuses; compute once per job. */
export interface JobBytes {
  readonly coinbase1: Uint8Array;
  readonly coinbase2: Uint8Array;
  readonly merkleBranches: Uint8Array;
  readonly prevHash: Uint8Array;
  readonly nbits: number;
}

export function jobBytes(job: JobWork): JobBytes {
  return {
    coinbase1: hexToBytes(job.coinb1),
    coinbase2: hexToBytes(job.coinb2),
    merkleBranches: concatBytes(...job.merkleBranch.map((h) => hexToBytes(h, 32))),
    prevHash: reverseBytes(hexToBytes(prevHashFromStratum(job.prevHashStratum), 32)),
    nbits: u32FromHex(job.bits),
  };
}

/** A job as a Share actor keeps it: its work, its bytes and (SOLO) its bytes per payout script. */
export interface JobWithBytes {
  readonly work: JobWork;
  readonly bytes: JobBytes;
  /** SOLO: the job's bytes with the coinbase paying a script, built on first use. */
  readonly solo: Map<string, JobBytes>;
}

const MAX_SOLO_SCRIPTS_PER_JOB = 100_000;

/** The job's bytes, or (SOLO, `script` set) the job's bytes with the coinbase paying `script`. */
export function bytesForPayout(job: JobWithBytes, script: string | null): JobBytes {
  if (script === null) return job.bytes;
  let bytes = job.solo.get(script);
  if (!bytes) {
    bytes = { ...job.bytes, coinbase2: hexToBytes(coinb2ForPayout(job.work, script)) };
    if (job.solo.size < MAX_SOLO_SCRIPTS_PER_JOB) job.solo.set(script, bytes);
  }
  return bytes;
}

/**
 * hashSubmit's input for a submit on a job; `headerVersion` comes from precheckSubmit (BIP310).
 * The submit must have passed precheckSubmit (hex fields of the right sizes): this is the
 * per-share path, so the hex is decoded without being checked again.
 */
export function hashSubmitInput(
  bytes: JobBytes,
  submit: ShareSubmit,
  headerVersion: number,
): HashSubmitInput {
  return {
    coinbase1: bytes.coinbase1,
    extranonce1: Buffer.from(submit.extranonce1, 'hex'),
    extranonce2: Buffer.from(submit.extranonce2, 'hex'),
    coinbase2: bytes.coinbase2,
    merkleBranches: bytes.merkleBranches,
    version: headerVersion,
    prevHash: bytes.prevHash,
    ntime: Number.parseInt(submit.ntime, 16),
    nbits: bytes.nbits,
    nonce: Number.parseInt(submit.nonce, 16),
  };
}

/** The submit fields of a Connection's share, hex as on the wire; `extra` per PoW family. */
export function shareSubmitOf(
  share: ShareSubmission,
  extra: { readonly versionBits?: string | undefined } | { readonly multiplier: string },
): ShareSubmit {
  return {
    jobId: share.jobId,
    extranonce1: share.extranonce1,
    extranonce2: share.extranonce2,
    ntime: hex32(share.ntime),
    nonce: hex32(share.nonce),
    ...extra,
  };
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
