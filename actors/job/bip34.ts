// BIP34 block height in the coinbase scriptSig. Core's ContextualCheckBlock requires the
// scriptSig to START with the bytes of `CScript() << height` ("bad-cb-height"):
//   0 -> 00 (OP_0); 1..16 -> 51..60 (OP_1..OP_16); otherwise a push of the minimal little-endian
//   CScriptNum, with a 00 sign byte when the top bit is set (128 -> 028000, 8388608 -> 0400008000).
// Naive encoders that write 01 xx for heights 1..16 are rejected by Core on regtest.
import { CodedError } from '../shared/errors.js';
import { pushNumber } from '../shared/script.js';
import { BIP34_INVALID } from './errors.js';

/** The scriptSig prefix for `height` (0 <= height < 2^31). */
export function bip34HeightPush(height: number): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0 || height > 0x7fffffff) {
    throw new CodedError(BIP34_INVALID, `block height must be an integer 0..2^31-1, got ${height}`);
  }
  return pushNumber(height);
}

/** The height a scriptSig starts with, if it starts with a canonical BIP34 push. */
export function readBip34Height(scriptSig: Uint8Array): number | undefined {
  const op = scriptSig[0];
  if (op === undefined) return undefined;
  if (op === 0x00) return 0;
  if (op >= 0x51 && op <= 0x60) return op - 0x50;
  if (op < 1 || op > 4 || scriptSig.length < 1 + op) return undefined;
  let height = 0;
  for (let i = op; i >= 1; i--) height = height * 256 + (scriptSig[i] ?? 0);
  if ((scriptSig[op] ?? 0) & 0x80) return undefined; // negative
  const canonical = bip34HeightPush(height);
  for (let i = 0; i < canonical.length; i++) if (canonical[i] !== scriptSig[i]) return undefined;
  return height;
}
