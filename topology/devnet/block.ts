// Block parsing and the devnet's block checks, with Bitcoin Core's reject reasons
// (validation.cpp CheckBlock / ContextualCheckBlock / ContextualCheckBlockHeader). The devnet
// judges blocks with its own rules; only byte-level primitives come from actors/shared.
import { ByteReader } from '../../actors/shared/byte-reader.js';
import { concatBytes, equalBytes } from '../../actors/shared/hex.js';
import { merkleRoot } from '../../actors/shared/merkle.js';
import { pushNumber } from '../../actors/shared/script.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import type { ParsedTransaction } from '../../actors/shared/transaction.js';
import { readTransaction } from '../../actors/shared/transaction.js';

export interface ParsedBlock {
  readonly header: Uint8Array; // the 80 hashed header bytes
  readonly version: number;
  readonly prevHash: Uint8Array; // internal order
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  /** Prime family: the serialized multiplier (CompactSize + getvch bytes); empty for hash coins. */
  readonly powExtra: Uint8Array;
  readonly txs: readonly ParsedTransaction[];
  readonly hash: Uint8Array; // internal order: sha256d(header ‖ powExtra)
  readonly size: number;
  readonly weight: number;
}

/** What differs between PoW families: extra header bytes and the proof-of-work check. */
export interface PowRules {
  readonly family: 'hash' | 'prime';
  /** Reads family-specific bytes after the 80-byte header (prime: the multiplier). */
  readExtra(reader: ByteReader): Uint8Array;
  /** null when the proof of work meets `bits`, else Core's reason ("high-hash"). */
  checkPow(block: ParsedBlock): string | null;
}

export function parseBlock(bytes: Uint8Array, pow: PowRules): ParsedBlock {
  const r = new ByteReader(bytes);
  const header = r.bytes(80);
  const powExtra = pow.readExtra(r);
  const hr = new ByteReader(header);
  const version = hr.u32le();
  const prevHash = hr.bytes(32);
  const root = hr.bytes(32);
  const time = hr.u32le();
  const bits = hr.u32le();
  const nonce = hr.u32le();
  const count = r.compactSize();
  if (count < 1 || count > 100_000) throw new Error(`bad transaction count ${count}`);
  const txs: ParsedTransaction[] = [];
  for (let i = 0; i < count; i++) txs.push(readTransaction(r));
  if (r.remaining !== 0)
    throw new Error(`${r.remaining} trailing bytes after the last transaction`);
  const stripped = bytes.length - txs.reduce((n, t) => n + t.raw.length - t.stripped.length, 0);
  return {
    header,
    version,
    prevHash,
    merkleRoot: root,
    time,
    bits,
    nonce,
    powExtra,
    txs,
    hash: sha256d(concatBytes(header, powExtra)),
    size: bytes.length,
    weight: stripped * 3 + bytes.length,
  };
}

export interface BlockContext {
  readonly height: number;
  readonly expectedBits: number;
  readonly medianTimePast: number;
  readonly nowSec: number;
  readonly subsidySats: bigint;
  readonly segwit: boolean;
  /** Lowest block version (Bitcoin: 4, after BIP65; Primecoin: 2). */
  readonly minVersion?: number;
  /** Smallest value of any output (Primecoin's MIN_TXOUT_AMOUNT); 0 or absent for Bitcoin. */
  readonly minOutputSats?: bigint;
  /** Fees of the block's non-coinbase transactions, or a reason when one is unknown/spent. */
  readonly feesOf: (txs: readonly ParsedTransaction[]) => bigint | string;
}

const COMMITMENT_PREFIX = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);
const MAX_BLOCK_WEIGHT = 4_000_000;
const MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;

/** Core's checks of a parsed block in its chain context: null when valid, else the reason. */
export function checkBlock(b: ParsedBlock, ctx: BlockContext, pow: PowRules): string | null {
  if (b.bits !== ctx.expectedBits) return 'bad-diffbits';
  const powFailure = pow.checkPow(b);
  if (powFailure) return powFailure;
  if (b.time <= ctx.medianTimePast) return 'time-too-old';
  if (b.time > ctx.nowSec + MAX_FUTURE_BLOCK_TIME) return 'time-too-new';
  if (b.version < (ctx.minVersion ?? 4) && ctx.height > 0)
    return `bad-version(0x${b.version.toString(16).padStart(8, '0')})`;
  const txids = b.txs.map((t) => t.txid);
  if (!equalBytes(merkleRoot(txids), b.merkleRoot)) return 'bad-txnmrklroot';
  if (new Set(txids.map((t) => Buffer.from(t).toString('hex'))).size !== txids.length)
    return 'bad-txns-duplicate';
  const [coinbase, ...rest] = b.txs;
  if (!coinbase || !isCoinbase(coinbase)) return 'bad-cb-missing';
  if (rest.some(isCoinbase)) return 'bad-cb-multiple';
  const scriptSig = coinbase.inputs[0]?.scriptSig ?? new Uint8Array();
  if (scriptSig.length < 2 || scriptSig.length > 100) return 'bad-cb-length';
  const heightPush = pushNumber(ctx.height);
  if (!equalBytes(scriptSig.subarray(0, heightPush.length), heightPush)) return 'bad-cb-height';
  const witnessFailure = checkWitness(b, coinbase, ctx.segwit);
  if (witnessFailure) return witnessFailure;
  if (b.weight > MAX_BLOCK_WEIGHT) return 'bad-blk-weight';
  const floor = ctx.minOutputSats ?? 0n;
  if (floor > 0n && b.txs.some((t) => t.outputs.some((o) => o.valueSats < floor)))
    return 'bad-txns-vout-toosmall';
  const fees = ctx.feesOf(rest);
  if (typeof fees === 'string') return fees;
  const paid = coinbase.outputs.reduce((n, o) => n + o.valueSats, 0n);
  if (paid > ctx.subsidySats + fees) return 'bad-cb-amount';
  return null;
}

function isCoinbase(t: ParsedTransaction): boolean {
  const input = t.inputs[0];
  return (
    t.inputs.length === 1 &&
    input !== undefined &&
    input.prevIndex === 0xffffffff &&
    input.prevTxid.every((x) => x === 0)
  );
}

/** BIP141: the last output with the commitment prefix commits to the wtxids with the coinbase's reserved value. */
function checkWitness(b: ParsedBlock, coinbase: ParsedTransaction, segwit: boolean): string | null {
  const hasWitness = b.txs.some((t) => t.hasWitness);
  if (!segwit) return hasWitness ? 'unexpected-witness' : null;
  let commitment: Uint8Array | undefined;
  for (const o of coinbase.outputs) {
    if (o.script.length >= 38 && equalBytes(o.script.subarray(0, 6), COMMITMENT_PREFIX)) {
      commitment = o.script.subarray(6, 38);
    }
  }
  if (!commitment) return hasWitness ? 'unexpected-witness' : null;
  const witness = coinbase.inputs[0]?.witness ?? [];
  if (witness.length !== 1 || witness[0]?.length !== 32) return 'bad-witness-nonce-size';
  const root = merkleRoot([new Uint8Array(32), ...b.txs.slice(1).map((t) => t.wtxid)]);
  const expected = sha256d(concatBytes(root, witness[0]));
  return equalBytes(expected, commitment) ? null : 'bad-witness-merkle-match';
}
