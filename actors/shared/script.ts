// Script building blocks: minimal data pushes and CScriptNum pushes (what `CScript() << n`
// and `CScript() << bytes` produce in Bitcoin Core's script.h).
import { CodedError } from './errors.js';
import { concatBytes } from './hex.js';

export const SCRIPT_INVALID = 'SCRIPT_INVALID';

export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_1 = 0x51;
export const OP_RETURN = 0x6a;

/**
 * A data push as `CScript() << bytes` writes it: a direct length byte for 0..75 bytes (an empty
 * push is OP_0), OP_PUSHDATA1 for 76..255, OP_PUSHDATA2 for 256..520.
 */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n < OP_PUSHDATA1) return concatBytes(Uint8Array.of(n), data);
  if (n <= 0xff) return concatBytes(Uint8Array.of(OP_PUSHDATA1, n), data);
  if (n <= 520) return concatBytes(Uint8Array.of(OP_PUSHDATA2, n & 0xff, n >>> 8), data);
  throw new CodedError(SCRIPT_INVALID, `a push is at most 520 bytes, got ${n}`);
}

/**
 * CScriptNum serialization: minimal little-endian magnitude, with an extra 0x00 when the top
 * bit of the last byte is set (that bit is the sign); 0 serializes to no bytes.
 */
export function scriptNumBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new CodedError(SCRIPT_INVALID, `not an integer: ${n}`);
  if (n === 0) return new Uint8Array(0);
  const negative = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs % 256);
    abs = Math.floor(abs / 256);
  }
  const last = out.length - 1;
  if ((out[last] ?? 0) & 0x80) out.push(negative ? 0x80 : 0x00);
  else if (negative) out[last] = (out[last] ?? 0) | 0x80;
  return Uint8Array.from(out);
}

/**
 * `CScript() << n` for an integer: -1 and 0..16 become the single opcodes OP_1NEGATE, OP_0 and
 * OP_1..OP_16 (0x51..0x60); anything else is a push of its CScriptNum bytes.
 */
export function pushNumber(n: number): Uint8Array {
  if (n === -1) return Uint8Array.of(0x4f);
  if (n === 0) return Uint8Array.of(OP_0);
  if (n >= 1 && n <= 16) return Uint8Array.of(OP_1 + n - 1);
  return pushData(scriptNumBytes(n));
}
