// The 80-byte block header (all integers little-endian, hashes internal order):
// version(4) | prevhash(32) | merkle root(32) | ntime(4) | nbits(4) | nonce(4);
// block hash = sha256d(header), display form = reversed.
import { ByteWriter } from './byte-writer.js';
import { CodedError } from './errors.js';

export const HEADER_INVALID = 'HEADER_INVALID';

export interface HeaderFields {
  readonly version: number;
  readonly prevHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
  readonly ntime: number;
  readonly bits: number;
  readonly nonce: number;
}

export function serializeHeader(h: HeaderFields): Uint8Array {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) {
    throw new CodedError(HEADER_INVALID, 'prevHash and merkleRoot are 32 bytes each');
  }
  return new ByteWriter()
    .u32le(h.version)
    .bytes(h.prevHash)
    .bytes(h.merkleRoot)
    .u32le(h.ntime)
    .u32le(h.bits)
    .u32le(h.nonce)
    .finish();
}

export function parseHeader(bytes: Uint8Array): HeaderFields {
  if (bytes.length !== 80)
    throw new CodedError(HEADER_INVALID, `a header is 80 bytes, got ${bytes.length}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, 80);
  return {
    version: v.getUint32(0, true),
    prevHash: bytes.slice(4, 36),
    merkleRoot: bytes.slice(36, 68),
    ntime: v.getUint32(68, true),
    bits: v.getUint32(72, true),
    nonce: v.getUint32(76, true),
  };
}
