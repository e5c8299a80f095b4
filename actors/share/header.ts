// Job + submit -> the inputs of hashSubmit (native or the TypeScript reference), and the
// reference hash itself: the path a share takes from a miner's fields to a header hash.
import type { JobWork } from '../job/job.js';
import { prevHashFromStratum } from '../job/notify.js';
import { concatBytes, hexToBytes, reverseBytes, u32FromHex } from '../shared/hex.js';
import {
  hashSubmitReference,
  type HashSubmitInput,
  type SubmitHash,
} from '../shared/submit-hash.js';
import type { ShareSubmit } from './submit.js';

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

/** The reference (pure TS) hash of a submit on a job. */
export function hashShare(job: JobWork, submit: ShareSubmit, headerVersion: number): SubmitHash {
  return hashSubmitReference(hashSubmitInput(jobBytes(job), submit, headerVersion));
}
