// Proof-of-work rules of the prime devnet: the block carries the multiplier after the 80-byte
// header (CompactSize + CBigNum getvch() bytes, canonical and non-negative), and the block is
// valid when the native core's consensus check passes — CheckPrimeProofOfWork(header hash,
// nBits, multiplier) with the network's nTargetMinLength: range checks, the ELL chain test,
// the Fermat double check and the normalization rule (docs/protocols/primecoin.md §6). Failure
// reasons are the check's error classes ("chain-too-short", "not-normalized", ...).
import type { ByteReader } from '../../actors/shared/byte-reader.js';
import { encodeCompactSize } from '../../actors/shared/compact-size.js';
import { concatBytes } from '../../actors/shared/hex.js';
import { checkPrimeProofOfWork, decodeMultiplier, primeHeaderHash } from '../../native/index.js';
import type { PowRules } from './block.js';

export function primePow(minLength: number): PowRules {
  return {
    family: 'prime',
    readExtra: (reader: ByteReader) => {
      const bytes = reader.varBytes();
      return concatBytes(encodeCompactSize(bytes.length), bytes);
    },
    checkPow: (block) => {
      let multiplier: bigint;
      try {
        multiplier = decodeMultiplier(block.powExtra.subarray(1));
      } catch {
        return 'bad-multiplier';
      }
      const verdict = checkPrimeProofOfWork(
        primeHeaderHash(block.header),
        multiplier,
        block.bits,
        minLength,
      );
      return verdict.ok ? null : (verdict.error ?? 'bad-prime-pow');
    },
  };
}
