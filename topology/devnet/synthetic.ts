// Synthetic mempool transactions for the devnet: well-formed (segwit when enabled) spends of
// made-up outpoints, so templates carry real merkle branches, witness commitments and fees.
// The devnet created them, so it knows their fees; it does not validate their scripts.
import { ByteWriter } from '../../actors/shared/byte-writer.js';
import type { ParsedTransaction } from '../../actors/shared/transaction.js';
import { parseTransaction } from '../../actors/shared/transaction.js';

export interface SyntheticTx {
  readonly tx: ParsedTransaction;
  readonly feeSats: bigint;
}

/** xorshift32: deterministic bytes from a seed (tests replay the same mempool). */
function rng(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 0x9e3779b9;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export function makeSyntheticTxs(
  count: number,
  seed: number,
  segwit: boolean,
  minOutputSats = 0n,
): SyntheticTx[] {
  const bytes = rng(seed);
  const txs: SyntheticTx[] = [];
  for (let i = 0; i < count; i++) {
    const w = new ByteWriter();
    w.u32le(2);
    if (segwit) w.bytes(Uint8Array.of(0x00, 0x01));
    w.compactSize(1);
    w.bytes(bytes(32));
    w.u32le(bytes(1)[0]! % 4);
    if (segwit) w.compactSize(0);
    else w.varBytes(Uint8Array.of(0x14, ...bytes(20)));
    w.u32le(0xfffffffd);
    const outputs = 1 + (bytes(1)[0]! % 2);
    w.compactSize(outputs);
    for (let o = 0; o < outputs; o++) {
      const v = bytes(3);
      w.u64le(minOutputSats + BigInt(1000 + ((v[0]! << 16) | (v[1]! << 8) | v[2]!)));
      w.varBytes(Uint8Array.of(0x00, 0x14, ...bytes(20)));
    }
    if (segwit) {
      w.compactSize(2);
      w.varBytes(bytes(71));
      w.varBytes(Uint8Array.of(0x02, ...bytes(32)));
    }
    w.u32le(0);
    const f = bytes(2);
    txs.push({ tx: parseTransaction(w.finish()), feeSats: BigInt(200 + ((f[0]! << 8) | f[1]!)) });
  }
  return txs;
}
