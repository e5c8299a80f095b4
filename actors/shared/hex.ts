// Hex <-> bytes with strict validation, byte reversal (internal <-> display order), and the
// big-endian hex form of uint32 fields used by Stratum (version, nbits, ntime, nonce).
import { CodedError } from './errors.js';

export const HEX_INVALID = 'HEX_INVALID';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `s` is an even-length string of hex digits (either case). */
export function isHex(s: string, byteLength?: number): boolean {
  return HEX_RE.test(s) && (byteLength === undefined || s.length === byteLength * 2);
}

/** Decodes hex (either case); throws HEX_INVALID on odd length, a non-hex digit or a wrong size. */
export function hexToBytes(hex: string, byteLength?: number): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) {
    throw new CodedError(HEX_INVALID, `not an even-length hex string: ${describe(hex)}`);
  }
  if (byteLength !== undefined && hex.length !== byteLength * 2) {
    throw new CodedError(HEX_INVALID, `expected ${byteLength} bytes of hex, got ${hex.length / 2}`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * Decodes even-length hex (either case) into `out` at `at`, for a hot path that has checked it
 * already; returns the bytes written. Throws HEX_INVALID on a digit that is not hex.
 */
export function writeHex(out: Uint8Array, at: number, hex: string): number {
  const n = hex.length >> 1;
  if (hex.length !== n * 2) throw new CodedError(HEX_INVALID, `odd-length hex: ${describe(hex)}`);
  for (let i = 0; i < n; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if ((hi | lo) < 0) throw new CodedError(HEX_INVALID, `not hex: ${describe(hex)}`);
    out[at + i] = (hi << 4) | lo;
  }
  return n;
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // A-F -> a-f
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A reversed copy (internal <-> display order of hashes). */
export function reverseBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse();
}

/** Hex with its byte order reversed: display <-> internal. */
export function reverseHex(hex: string): string {
  return bytesToHex(reverseBytes(hexToBytes(hex)));
}

/** Parses exactly 8 hex digits as a big-endian uint32 ("20000000" -> 0x20000000). */
export function u32FromHex(hex: string): number {
  if (typeof hex !== 'string' || hex.length !== 8 || !HEX_RE.test(hex)) {
    throw new CodedError(HEX_INVALID, `expected 8 hex digits (uint32), got ${describe(hex)}`);
  }
  return Number.parseInt(hex, 16);
}

/** A uint32 as 8 lowercase big-endian hex digits (536870912 -> "20000000"). */
export function u32ToHex(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new CodedError(HEX_INVALID, `not a uint32: ${value}`);
  }
  return value.toString(16).padStart(8, '0');
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
