// The Primecoin multiplier on the wire: CBigNum::getvch() (primecoin.md section 2) -
// little-endian magnitude, minimal length, a 0x00 sign byte when the top bit is taken, bit 7
// of the last byte set for a negative number, zero as the empty string.
import { NativeError, NativeErrorCode } from './errors.js';
import { checkBigint, checkBytes } from './validate.js';

export function bigintFromLE(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** Canonical getvch() bytes of any multiplier (negative ones too, as CBigNum writes them). */
export function encodeMultiplier(m: bigint): Uint8Array {
  checkBigint(m, 'multiplier');
  if (m === 0n) return new Uint8Array(0);
  const negative = m < 0n;
  let hex = (negative ? -m : m).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const size = hex.length / 2;
  const top = parseInt(hex.slice(0, 2), 16);
  const out = new Uint8Array(size + (top & 0x80 ? 1 : 0));
  for (let i = 0; i < size; i++)
    out[i] = parseInt(hex.slice(hex.length - 2 - 2 * i, hex.length - 2 * i), 16);
  if (negative) out[out.length - 1]! |= 0x80;
  return out;
}

/**
 * Strict inverse of encodeMultiplier for what a miner may send: rejects negative numbers and
 * non-canonical encodings (a redundant trailing 0x00) with NATIVE_BAD_MULTIPLIER. The empty
 * string is zero (canonical; the proof-of-work check then refuses it as origin-too-small).
 */
export function decodeMultiplier(bytes: Uint8Array): bigint {
  checkBytes(bytes, 'multiplier bytes');
  const n = bytes.length;
  if (n === 0) return 0n;
  const last = bytes[n - 1]!;
  if (last & 0x80) {
    throw new NativeError(NativeErrorCode.BadMultiplier, 'multiplier is negative');
  }
  if (last === 0 && (n === 1 || (bytes[n - 2]! & 0x80) === 0)) {
    throw new NativeError(NativeErrorCode.BadMultiplier, 'multiplier encoding is not minimal');
  }
  return bigintFromLE(bytes);
}

/** Bitcoin CompactSize of a length. */
export function compactSize(length: number): Uint8Array {
  if (length < 253) return Uint8Array.of(length);
  if (length <= 0xffff) return Uint8Array.of(0xfd, length & 0xff, length >>> 8);
  return Uint8Array.of(
    0xfe,
    length & 0xff,
    (length >>> 8) & 0xff,
    (length >>> 16) & 0xff,
    length >>> 24,
  );
}
