// The devnet's own miner for `generatetoaddress`: a minimal coinbase (BIP34 height, one
// output, the witness commitment when segwit) over the current template, nonce ground with
// node:crypto. Meant for easy test difficulties; gives up after `maxTries` nonces.
import { ByteWriter } from '../../actors/shared/byte-writer.js';
import { concatBytes, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { merkleRoot } from '../../actors/shared/merkle.js';
import { pushNumber } from '../../actors/shared/script.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import { hashMeetsTarget, targetFromBits } from '../../actors/shared/target.js';
import { parseTransaction } from '../../actors/shared/transaction.js';
import type { DevChain } from './chain.js';

export function mineBlock(chain: DevChain, payoutScript: Uint8Array, maxTries: number): Uint8Array {
  const t = chain.template() as {
    height: number;
    coinbasevalue: number;
    curtime: number;
    bits: string;
    version: number;
    previousblockhash: string;
    transactions: { data: string; txid: string }[];
    default_witness_commitment?: string;
  };
  const segwit = t.default_witness_commitment !== undefined;
  const w = new ByteWriter().u32le(2);
  if (segwit) w.bytes(Uint8Array.of(0x00, 0x01));
  w.compactSize(1).bytes(new Uint8Array(32)).u32le(0xffffffff);
  w.varBytes(
    concatBytes(pushNumber(t.height), Uint8Array.of(0x06), new TextEncoder().encode('devnet')),
  );
  w.u32le(0xffffffff);
  w.compactSize(segwit ? 2 : 1);
  w.u64le(BigInt(t.coinbasevalue)).varBytes(payoutScript);
  if (segwit) w.u64le(0n).varBytes(hexToBytes(t.default_witness_commitment as string));
  if (segwit) w.compactSize(1).varBytes(new Uint8Array(32));
  w.u32le(0);
  const coinbase = parseTransaction(w.finish());
  const txs = t.transactions.map((x) => hexToBytes(x.data));
  const root = merkleRoot([
    coinbase.txid,
    ...t.transactions.map((x) => reverseBytes(hexToBytes(x.txid))),
  ]);
  const bits = parseInt(t.bits, 16);
  const target = targetFromBits(bits);
  const header = new ByteWriter()
    .u32le(t.version)
    .bytes(reverseBytes(hexToBytes(t.previousblockhash)))
    .bytes(root)
    .u32le(t.curtime)
    .u32le(bits)
    .u32le(0)
    .finish();
  const view = new DataView(header.buffer, header.byteOffset);
  for (let nonce = 0; nonce < maxTries; nonce++) {
    view.setUint32(76, nonce, true);
    if (hashMeetsTarget(sha256d(header), target)) {
      const body = new ByteWriter().compactSize(1 + txs.length).bytes(coinbase.raw);
      for (const tx of txs) body.bytes(tx);
      return concatBytes(header, body.finish());
    }
  }
  throw new Error(`no block found in ${maxTries} nonces at bits ${t.bits}`);
}
