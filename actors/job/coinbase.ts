// The coinbase transaction, split for Stratum as coinb1 || extranonce1 || extranonce2 || coinb2
// (docs/protocols/stratum-gbt.md §2.3). Two serializations:
//   non-witness (txid form, what miners hash and the Stratum split carries):
//     version(4) | 01 | 00*32 ffffffff | len | scriptSig | sequence(4) | n outputs | outputs | lockTime(4)
//   witness (full block form, segwit templates): version | 00 01 (marker, flag) | same inputs and
//     outputs | witness: 01 item, 20, 32 zero bytes (the witness reserved value) | lockTime.
// scriptSig = BIP34 height push | prefix | [push opcode of E1+E2] | E1 | E2 | suffix, 2..100 bytes
// (Core CheckTransaction "bad-cb-length"); its length byte sits in coinb1, so E1+E2 is fixed.
// Outputs must add up to exactly the template's coinbasevalue (conservation; Core would accept
// less and burn the rest, we never do); the witness commitment output (value 0) goes last.
import { ByteWriter } from '../shared/byte-writer.js';
import { CodedError } from '../shared/errors.js';
import { concatBytes } from '../shared/hex.js';
import { bip34HeightPush } from './bip34.js';
import { COINBASE_INVALID, COINBASE_SCRIPTSIG_LENGTH, COINBASE_VALUE_MISMATCH } from './errors.js';
import { WITNESS_RESERVED_VALUE } from './witness.js';

export const SCRIPTSIG_MIN_BYTES = 2;
export const SCRIPTSIG_MAX_BYTES = 100;

export interface CoinbaseOutput {
  readonly script: Uint8Array;
  readonly valueSats: bigint;
  /** The ledger account this output pays (non-custodial payouts); absent for the pool's own. */
  readonly account?: string;
}

/** How the pool lays out its coinbase; everything but the height, extranonce and outputs. */
export interface CoinbaseLayout {
  /** Transaction version (public-pool and btcpool use 2, Slush 1). */
  readonly txVersion: number;
  /** Bytes after the height push and before the extranonce, verbatim (e.g. pushData(tag)). */
  readonly scriptSigPrefix: Uint8Array;
  /** Wrap E1+E2 in a data push so the scriptSig stays parseable (ckpool, NOMP, Slush). */
  readonly extranoncePush: boolean;
  /** Bytes after the extranonce, verbatim. */
  readonly scriptSigSuffix: Uint8Array;
  /** Input nSequence: 0xffffffff, or 0xfffffffe to be BIP54-ready. */
  readonly sequence: number;
}

export interface CoinbaseSpec extends CoinbaseLayout {
  readonly height: number;
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  /** Payout outputs, in order; must sum to exactly coinbaseValueSats. */
  readonly outputs: readonly CoinbaseOutput[];
  readonly coinbaseValueSats: bigint;
  /** Commitment output script, appended last with value 0 (segwit templates). */
  readonly witnessCommitmentScript: Uint8Array | undefined;
  /** nLockTime: 0, or height - 1 to be BIP54-ready (final either way). */
  readonly lockTime: number;
}

/**
 * coinb2 rebuilt around other payout outputs (SOLO: the finder's address takes the value):
 *   coinb2 = head ‖ CompactSize(payouts + extra) ‖ payouts ‖ extraOutputs ‖ lockTime(4)
 * `head` is the scriptSig suffix and nSequence, `extraOutputs` the serialized witness
 * commitment (if any); both come from buildCoinbase, so the two forms cannot drift apart.
 */
export interface Coinb2Pieces {
  readonly head: Uint8Array;
  readonly extraOutputs: Uint8Array;
  readonly extraCount: number;
  readonly lockTime: number;
}

export function coinb2WithOutputs(p: Coinb2Pieces, outputs: readonly CoinbaseOutput[]): Uint8Array {
  const w = new ByteWriter().bytes(p.head).compactSize(outputs.length + p.extraCount);
  for (const o of outputs) w.u64le(o.valueSats).varBytes(o.script);
  return w.bytes(p.extraOutputs).u32le(p.lockTime).finish();
}

export interface CoinbaseParts {
  /** Non-witness serialization up to the extranonce1 position. */
  readonly coinb1: Uint8Array;
  /** Non-witness serialization after extranonce2, through nLockTime. */
  readonly coinb2: Uint8Array;
  readonly scriptSigBytes: number;
  readonly pieces: Coinb2Pieces;
}

export function buildCoinbase(spec: CoinbaseSpec): CoinbaseParts {
  const en = spec.extranonce1Size + spec.extranonce2Size;
  if (
    !Number.isInteger(spec.extranonce1Size) ||
    !Number.isInteger(spec.extranonce2Size) ||
    spec.extranonce1Size < 0 ||
    spec.extranonce2Size < 1
  ) {
    throw new CodedError(
      COINBASE_INVALID,
      'extranonce sizes must be integers (extranonce2 at least 1 byte)',
    );
  }
  if (spec.extranoncePush && en > 75) {
    throw new CodedError(COINBASE_INVALID, `an extranonce push holds at most 75 bytes, got ${en}`);
  }
  const height = bip34HeightPush(spec.height);
  const head = concatBytes(
    height,
    spec.scriptSigPrefix,
    spec.extranoncePush ? Uint8Array.of(en) : new Uint8Array(0),
  );
  const scriptSigBytes = head.length + en + spec.scriptSigSuffix.length;
  if (scriptSigBytes < SCRIPTSIG_MIN_BYTES || scriptSigBytes > SCRIPTSIG_MAX_BYTES) {
    throw new CodedError(
      COINBASE_SCRIPTSIG_LENGTH,
      `coinbase scriptSig would be ${scriptSigBytes} bytes; consensus allows ${SCRIPTSIG_MIN_BYTES}..${SCRIPTSIG_MAX_BYTES} (shorten the pool tag or the extranonce)`,
    );
  }
  const outputs = [...spec.outputs];
  let paid = 0n;
  for (const o of outputs) {
    if (o.valueSats < 0n)
      throw new CodedError(COINBASE_VALUE_MISMATCH, 'a coinbase output cannot be negative');
    paid += o.valueSats;
  }
  if (paid !== spec.coinbaseValueSats) {
    throw new CodedError(
      COINBASE_VALUE_MISMATCH,
      `coinbase outputs pay ${paid} sats, the template's coinbasevalue is ${spec.coinbaseValueSats}`,
    );
  }
  if (outputs.length === 0 && spec.witnessCommitmentScript === undefined)
    throw new CodedError(COINBASE_INVALID, 'a coinbase needs at least one output');
  const extra = new ByteWriter();
  if (spec.witnessCommitmentScript !== undefined)
    extra.u64le(0n).varBytes(spec.witnessCommitmentScript);
  const pieces: Coinb2Pieces = {
    head: new ByteWriter().bytes(spec.scriptSigSuffix).u32le(spec.sequence).finish(),
    extraOutputs: extra.finish(),
    extraCount: spec.witnessCommitmentScript === undefined ? 0 : 1,
    lockTime: spec.lockTime,
  };

  const coinb1 = new ByteWriter()
    .u32le(spec.txVersion)
    .u8(1)
    .bytes(new Uint8Array(32))
    .u32le(0xffffffff)
    .compactSize(scriptSigBytes)
    .bytes(head)
    .finish();
  return { coinb1, coinb2: coinb2WithOutputs(pieces, outputs), scriptSigBytes, pieces };
}

/** The non-witness coinbase for one extranonce pair (what a miner hashes into its txid). */
export function joinCoinbase(
  coinb1: Uint8Array,
  extranonce1: Uint8Array,
  extranonce2: Uint8Array,
  coinb2: Uint8Array,
): Uint8Array {
  return concatBytes(coinb1, extranonce1, extranonce2, coinb2);
}

/**
 * The witness serialization of a non-witness coinbase: marker 00 and flag 01 after the version,
 * and one witness stack item, the 32-byte zero reserved value, before nLockTime.
 */
export function withCoinbaseWitness(coinbase: Uint8Array): Uint8Array {
  if (coinbase.length < 60) throw new CodedError(COINBASE_INVALID, 'too short to be a coinbase');
  return concatBytes(
    coinbase.subarray(0, 4),
    Uint8Array.of(0x00, 0x01),
    coinbase.subarray(4, coinbase.length - 4),
    Uint8Array.of(0x01, 0x20),
    WITNESS_RESERVED_VALUE,
    coinbase.subarray(coinbase.length - 4),
  );
}
