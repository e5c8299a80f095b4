// Bitcoin's CompactSize ("varint") length prefix: < 0xfd one byte; 0xfd + u16 LE; 0xfe + u32 LE;
// 0xff + u64 LE. Reading rejects non-canonical (longer than needed) encodings, as Core does.
import { CodedError } from './errors.js';

export const COMPACT_SIZE_INVALID = 'COMPACT_SIZE_INVALID';

export function encodeCompactSize(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CodedError(COMPACT_SIZE_INVALID, `CompactSize of a non-negative integer, got ${n}`);
  }
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  if (n <= 0xffffffff) {
    const b = new Uint8Array(5);
    b[0] = 0xfe;
    new DataView(b.buffer).setUint32(1, n, true);
    return b;
  }
  const b = new Uint8Array(9);
  b[0] = 0xff;
  new DataView(b.buffer).setBigUint64(1, BigInt(n), true);
  return b;
}

/** Reads a canonical CompactSize at `offset`; returns the value and the bytes it took. */
export function decodeCompactSize(
  bytes: Uint8Array,
  offset: number,
): { value: number; size: number } {
  const first = bytes[offset];
  if (first === undefined) throw truncated();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = first < 0xfd ? 1 : first === 0xfd ? 3 : first === 0xfe ? 5 : 9;
  if (offset + need > bytes.length) throw truncated();
  let value: number;
  let min: number;
  if (first < 0xfd) return { value: first, size: 1 };
  if (first === 0xfd) {
    value = view.getUint16(offset + 1, true);
    min = 0xfd;
  } else if (first === 0xfe) {
    value = view.getUint32(offset + 1, true);
    min = 0x10000;
  } else {
    const big = view.getBigUint64(offset + 1, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CodedError(COMPACT_SIZE_INVALID, 'CompactSize above 2^53');
    }
    value = Number(big);
    min = 0x100000000;
  }
  if (value < min) throw new CodedError(COMPACT_SIZE_INVALID, 'non-canonical CompactSize');
  return { value, size: need };
}

function truncated(): CodedError {
  return new CodedError(COMPACT_SIZE_INVALID, 'truncated CompactSize');
}
