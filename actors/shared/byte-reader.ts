// Bounds-checked little-endian reader for parsing transactions and blocks.
import { decodeCompactSize } from './compact-size.js';
import { CodedError } from './errors.js';

export const BYTES_TRUNCATED = 'BYTES_TRUNCATED';

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.#at;
  }

  get remaining(): number {
    return this.#bytes.length - this.#at;
  }

  peek(ahead = 0): number | undefined {
    return this.#bytes[this.#at + ahead];
  }

  u8(): number {
    this.#need(1);
    return this.#view.getUint8(this.#at++);
  }

  u32le(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }

  u64le(): bigint {
    this.#need(8);
    const v = this.#view.getBigUint64(this.#at, true);
    this.#at += 8;
    return v;
  }

  compactSize(): number {
    const { value, size } = decodeCompactSize(this.#bytes, this.#at);
    this.#at += size;
    return value;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  varBytes(): Uint8Array {
    return this.bytes(this.compactSize());
  }

  /** The bytes between two offsets already read. */
  slice(from: number, to: number): Uint8Array {
    return this.#bytes.slice(from, to);
  }

  #need(n: number): void {
    if (this.#at + n > this.#bytes.length) {
      throw new CodedError(
        BYTES_TRUNCATED,
        `need ${n} bytes at offset ${this.#at}, have ${this.remaining}`,
      );
    }
  }
}
