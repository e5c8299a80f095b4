// BIP141 witness commitment: the coinbase output `6a24aa21a9ed <commitment>` committing to the
// block's wtxids.
//   witness root = merkle root over [32 zero bytes (the coinbase's wtxid), wtxid_1 .. wtxid_n]
//                  (internal order = GBT `hash` reversed)
//   commitment   = sha256d(witness root || witness reserved value), reserved value = 32 zero bytes
// Consensus takes the LAST output matching the prefix; BIP145 says append it last.
import { CodedError } from '../shared/errors.js';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '../shared/hex.js';
import { merkleRoot } from '../shared/merkle.js';
import { sha256d } from '../shared/sha256d.js';
import { WITNESS_COMMITMENT_MISMATCH } from './errors.js';
import type { Template } from './template.js';

/** OP_RETURN, push 36, then the 4-byte commitment header aa21a9ed. */
export const WITNESS_COMMITMENT_PREFIX = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);

/** The coinbase witness reserved value this pool always uses. */
export const WITNESS_RESERVED_VALUE = new Uint8Array(32);

/** Witness merkle root from the non-coinbase wtxids (internal order, block order). */
export function witnessRoot(wtxids: readonly Uint8Array[]): Uint8Array {
  return merkleRoot([new Uint8Array(32), ...wtxids]);
}

/** The 32-byte commitment for these wtxids and reserved value. */
export function witnessCommitment(
  wtxids: readonly Uint8Array[],
  reservedValue: Uint8Array = WITNESS_RESERVED_VALUE,
): Uint8Array {
  return sha256d(concatBytes(witnessRoot(wtxids), reservedValue));
}

/** The output script carrying a commitment. */
export function witnessCommitmentScript(commitment: Uint8Array): Uint8Array {
  return concatBytes(WITNESS_COMMITMENT_PREFIX, commitment);
}

/** The commitment inside an output script, or undefined when the script is not one. */
export function commitmentFromScript(script: Uint8Array): Uint8Array | undefined {
  if (script.length < 38) return undefined;
  if (!equalBytes(script.subarray(0, 6), WITNESS_COMMITMENT_PREFIX)) return undefined;
  return script.slice(6, 38);
}

/**
 * The commitment output script for a segwit template: computed from the template's wtxids and,
 * when the node sent `default_witness_commitment`, checked equal to it (a mismatch means the
 * template's transaction list and the node's commitment disagree: WITNESS_COMMITMENT_MISMATCH).
 */
export function templateWitnessCommitmentScript(template: Template): Uint8Array {
  const wtxids = template.transactions.map((t) => hexToBytes(t.hash, 32).reverse());
  const script = witnessCommitmentScript(witnessCommitment(wtxids));
  if (template.defaultWitnessCommitment !== undefined) {
    const given = hexToBytes(template.defaultWitnessCommitment);
    if (!equalBytes(given, script)) {
      throw new CodedError(
        WITNESS_COMMITMENT_MISMATCH,
        `default_witness_commitment ${template.defaultWitnessCommitment} != computed ${bytesToHex(script)}`,
      );
    }
  }
  return script;
}
