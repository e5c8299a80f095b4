// Append-only little-endian serializer for transactions, headers and blocks.
import { encodeCompactSize } from './compact-size.js';
import { concatBytes } from './hex.js';

export class ByteWriter {
  #parts: Uint8Array[] = [];

  u8(v: number): this {
    this.#parts.push(Uint8Array.of(v & 0xff));
    return this;
  }

  u32le(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.#parts.push(b);
    return this;
  }

  i32le(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v | 0, true);
    this.#parts.push(b);
    return this;
  }

  u64le(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.#parts.push(b);
    return this;
  }

  compactSize(n: number): this {
    this.#parts.push(encodeCompactSize(n));
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#parts.push(b);
    return this;
  }

  /** CompactSize length followed by the bytes. */
  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return concatBytes(...this.#parts);
  }
}
