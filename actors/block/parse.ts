// Parses a serialized block into its header and transactions, so assembled blocks (and real
// ones from vectors or peers) can be checked part by part: merkle root, commitment, hash.
import { ByteReader } from '../shared/byte-reader.js';
import { CodedError } from '../shared/errors.js';
import { parseHeader, type HeaderFields } from '../shared/header.js';
import { sha256d } from '../shared/sha256d.js';
import { readTransaction, type ParsedTransaction } from '../shared/transaction.js';

export const BLOCK_INVALID = 'BLOCK_INVALID';

export interface ParsedBlock {
  readonly header: HeaderFields;
  readonly headerBytes: Uint8Array;
  /** Internal order. */
  readonly hash: Uint8Array;
  readonly transactions: readonly ParsedTransaction[];
}

export function parseBlock(bytes: Uint8Array): ParsedBlock {
  try {
    const reader = new ByteReader(bytes);
    const headerBytes = reader.bytes(80);
    const count = reader.compactSize();
    const transactions: ParsedTransaction[] = [];
    for (let i = 0; i < count; i++) transactions.push(readTransaction(reader));
    if (reader.remaining !== 0)
      throw new Error(`${reader.remaining} bytes after the last transaction`);
    return {
      header: parseHeader(headerBytes),
      headerBytes,
      hash: sha256d(headerBytes),
      transactions,
    };
  } catch (e) {
    throw new CodedError(
      BLOCK_INVALID,
      `cannot parse block: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
