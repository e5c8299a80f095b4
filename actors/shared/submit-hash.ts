// Reference (pure TypeScript) of the Stratum submit -> header -> hash path, with the same input
// shape as native hashSubmit (docs/protocols/stratum-gbt.md §1.8 steps 5-8):
//   coinbase = coinb1 || extranonce1 || extranonce2 || coinb2          (non-witness form)
//   root     = sha256d(coinbase); for each branch h: root = sha256d(root || h)
//   header   = LE32(version) || prevHash || root || LE32(ntime) || LE32(nbits) || LE32(nonce)
//   hash     = sha256d(header)                                          (internal order)
// The share hot path uses native hashSubmit; this twin serves tests, block assembly and tools.
import { CodedError } from './errors.js';
import { concatBytes } from './hex.js';
import { serializeHeader } from './header.js';
import { merkleRootFromBranch } from './merkle.js';
import { sha256d } from './sha256d.js';

export const SUBMIT_INPUT_INVALID = 'SUBMIT_INPUT_INVALID';

export interface HashSubmitInput {
  readonly coinbase1: Uint8Array;
  readonly extranonce1: Uint8Array;
  readonly extranonce2: Uint8Array;
  readonly coinbase2: Uint8Array;
  /** n x 32 bytes, internal order, concatenated. */
  readonly merkleBranches: Uint8Array;
  /** Header version after rolling. */
  readonly version: number;
  /** 32 bytes, internal order. */
  readonly prevHash: Uint8Array;
  readonly ntime: number;
  readonly nbits: number;
  readonly nonce: number;
}

export interface SubmitHash {
  readonly coinbase: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly header: Uint8Array;
  /** Internal order. */
  readonly hash: Uint8Array;
}

export function hashSubmitReference(input: HashSubmitInput): SubmitHash {
  const built = submitHeader(input);
  return { ...built, hash: sha256d(built.header) };
}

/** Steps 5-7 without the header's hash (prime shares: the native core hashes the header). */
export function submitHeader(input: HashSubmitInput): Omit<SubmitHash, 'hash'> {
  if (input.merkleBranches.length % 32 !== 0) {
    throw new CodedError(SUBMIT_INPUT_INVALID, 'merkleBranches must be a multiple of 32 bytes');
  }
  const coinbase = concatBytes(
    input.coinbase1,
    input.extranonce1,
    input.extranonce2,
    input.coinbase2,
  );
  const branch: Uint8Array[] = [];
  for (let i = 0; i < input.merkleBranches.length; i += 32)
    branch.push(input.merkleBranches.subarray(i, i + 32));
  const merkleRoot = merkleRootFromBranch(sha256d(coinbase), branch);
  const header = serializeHeader({
    version: input.version,
    prevHash: input.prevHash,
    merkleRoot,
    ntime: input.ntime,
    bits: input.nbits,
    nonce: input.nonce,
  });
  return { coinbase, merkleRoot, header };
}
