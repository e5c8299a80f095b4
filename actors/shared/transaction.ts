// Transaction parsing (BIP144 witness serialization aware) and the txid / wtxid of raw bytes:
// txid = sha256d(non-witness serialization), wtxid = sha256d(full serialization).
import { ByteReader } from './byte-reader.js';
import { CodedError } from './errors.js';
import { concatBytes } from './hex.js';
import { sha256d } from './sha256d.js';

export const TX_INVALID = 'TX_INVALID';

export interface TxInput {
  readonly prevTxid: Uint8Array;
  readonly prevIndex: number;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  readonly witness: readonly Uint8Array[];
}

export interface TxOutput {
  readonly valueSats: bigint;
  readonly script: Uint8Array;
}

export interface ParsedTransaction {
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly lockTime: number;
  readonly hasWitness: boolean;
  /** The full serialization as read (with witness when present). */
  readonly raw: Uint8Array;
  /** The non-witness serialization (txid preimage). */
  readonly stripped: Uint8Array;
  /** Internal order. */
  readonly txid: Uint8Array;
  /** Internal order; equals txid without witness. */
  readonly wtxid: Uint8Array;
}

/** Reads one transaction from `reader` (which may hold more, as in a block). */
export function readTransaction(reader: ByteReader): ParsedTransaction {
  const start = reader.offset;
  const version = reader.u32le();
  let hasWitness = false;
  if (reader.peek() === 0x00 && reader.peek(1) === 0x01) {
    reader.u8();
    reader.u8();
    hasWitness = true;
  }
  const bodyStart = reader.offset;
  const nIn = reader.compactSize();
  const partial: Omit<TxInput, 'witness'>[] = [];
  for (let i = 0; i < nIn; i++) {
    partial.push({
      prevTxid: reader.bytes(32),
      prevIndex: reader.u32le(),
      scriptSig: reader.varBytes(),
      sequence: reader.u32le(),
    });
  }
  const nOut = reader.compactSize();
  const outputs: TxOutput[] = [];
  for (let i = 0; i < nOut; i++)
    outputs.push({ valueSats: reader.u64le(), script: reader.varBytes() });
  const bodyEnd = reader.offset;
  const witnesses: Uint8Array[][] = partial.map(() => []);
  if (hasWitness) {
    for (let i = 0; i < nIn; i++) {
      const items = reader.compactSize();
      for (let j = 0; j < items; j++) (witnesses[i] as Uint8Array[]).push(reader.varBytes());
    }
  }
  const lockStart = reader.offset;
  const lockTime = reader.u32le();
  if (nIn === 0 && !hasWitness) throw new CodedError(TX_INVALID, 'transaction without inputs');
  const raw = reader.slice(start, reader.offset);
  const stripped = hasWitness
    ? concatBytes(
        reader.slice(start, start + 4),
        reader.slice(bodyStart, bodyEnd),
        reader.slice(lockStart, lockStart + 4),
      )
    : raw;
  const txid = sha256d(stripped);
  return {
    version,
    inputs: partial.map((p, i) => ({ ...p, witness: witnesses[i] ?? [] })),
    outputs,
    lockTime,
    hasWitness,
    raw,
    stripped,
    txid,
    wtxid: hasWitness ? sha256d(raw) : txid,
  };
}

/** Parses exactly one transaction; throws TX_INVALID on trailing bytes or truncation. */
export function parseTransaction(bytes: Uint8Array): ParsedTransaction {
  const reader = new ByteReader(bytes);
  let tx: ParsedTransaction;
  try {
    tx = readTransaction(reader);
  } catch (e) {
    throw new CodedError(
      TX_INVALID,
      `cannot parse transaction: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (reader.remaining !== 0)
    throw new CodedError(TX_INVALID, `${reader.remaining} bytes after the transaction`);
  return tx;
}
