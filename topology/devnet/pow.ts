// Proof-of-work rules of the devnet per family. Hash: sha256d(header) read little-endian
// must be ≤ the target of the header's nBits (Core's CheckProofOfWork → "high-hash").
import type { ByteReader } from '../../actors/shared/byte-reader.js';
import { hashMeetsTarget, targetFromBits } from '../../actors/shared/target.js';
import type { PowRules } from './block.js';

export const hashPow: PowRules = {
  family: 'hash',
  readExtra: (_reader: ByteReader) => new Uint8Array(0),
  checkPow: (block) =>
    hashMeetsTarget(block.hash, targetFromBits(block.bits)) ? null : 'high-hash',
};
