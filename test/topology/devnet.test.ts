// devnet - a regtest-style node over real HTTP: templates, mining, Core's reject reasons,
// reorgs and longpoll.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevnet } from '../../topology/devnet/index.js';
import { mineBlock } from '../../topology/devnet/mine.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { ByteWriter } from '../../actors/shared/byte-writer.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../actors/shared/hex.js';
import { merkleRoot } from '../../actors/shared/merkle.js';
import { pushNumber } from '../../actors/shared/script.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import { hashMeetsTarget, targetFromBits } from '../../actors/shared/target.js';
import { parseTransaction } from '../../actors/shared/transaction.js';
import type { ParsedTransaction } from '../../actors/shared/transaction.js';
import { parseBlock } from '../../topology/devnet/block.js';
import { hashPow } from '../../topology/devnet/pow.js';

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'; // P2WPKH, BIP173's key on regtest HRP
const devnet = await startDevnet({ txsPerBlock: 3 });
const rpc = new CoinRpc({ url: devnet.url });
after(() => devnet.close());

/** Re-serializes a block with a changed coinbase, fixing the merkle root and regrinding the nonce. */
function rebuild(
  raw: Uint8Array,
  edit: (coinbase: ParsedTransaction) => Uint8Array,
  fixRoot = true,
): string {
  const b = parseBlock(raw, hashPow);
  const coinbase = parseTransaction(edit(b.txs[0]!));
  const txs = [coinbase, ...b.txs.slice(1)];
  const root = fixRoot ? merkleRoot(txs.map((t) => t.txid)) : b.merkleRoot;
  const header = concatBytes(b.header.subarray(0, 36), root, b.header.subarray(68));
  const view = new DataView(header.buffer, header.byteOffset);
  for (let n = 0; ; n++) {
    view.setUint32(76, n, true);
    if (hashMeetsTarget(sha256d(header), targetFromBits(b.bits))) break;
  }
  const body = new ByteWriter().compactSize(txs.length);
  for (const t of txs) body.bytes(t.raw);
  return bytesToHex(concatBytes(header, body.finish()));
}

/** The coinbase with its first output's value changed by `delta` sats. */
function bumpValue(delta: bigint) {
  return (cb: ParsedTransaction): Uint8Array => {
    const hex = bytesToHex(cb.raw);
    const out = cb.outputs[0]!;
    const le = (v: bigint) => bytesToHex(new ByteWriter().u64le(v).finish());
    return hexToBytes(
      hex.replace(
        le(out.valueSats) + bytesToHex(Uint8Array.of(out.script.length)),
        le(out.valueSats + delta) + bytesToHex(Uint8Array.of(out.script.length)),
      ),
    );
  };
}

test('devnet - getblocktemplate demands the segwit rule and returns Core-shaped fields', async () => {
  await assert.rejects(rpc.call('getblocktemplate', [{}]), /segwit rule/);
  const t = await rpc.call<Record<string, unknown>>('getblocktemplate', [{ rules: ['segwit'] }]);
  assert.equal(t.height, 1);
  assert.equal(
    t.previousblockhash,
    '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
  );
  const txs = t.transactions as { fee: number; hash: string }[];
  assert.equal(txs.length, 3);
  assert.equal(t.coinbasevalue, 5_000_000_000 + txs.reduce((n, x) => n + x.fee, 0));
  const root = merkleRoot([new Uint8Array(32), ...txs.map((x) => hexToBytes(x.hash).reverse())]);
  assert.equal(
    t.default_witness_commitment,
    `6a24aa21a9ed${bytesToHex(sha256d(concatBytes(root, new Uint8Array(32))))}`,
  );
});

test('devnet - generatetoaddress mines valid blocks and the tip moves', async () => {
  const before = await rpc.call<number>('getblockcount');
  const hashes = await rpc.call<string[]>('generatetoaddress', [2, ADDRESS]);
  assert.equal(await rpc.call('getblockcount'), before + 2);
  assert.equal(await rpc.call('getbestblockhash'), hashes[1]);
  const block = await rpc.call<{ confirmations: number; nTx: number; height: number }>('getblock', [
    hashes[0],
    1,
  ]);
  assert.equal(block.confirmations, 2);
  assert.equal(block.nTx, 4);
  await assert.rejects(
    rpc.call('generatetoaddress', [1, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']),
    /Invalid address/,
  );
});

test('devnet - submitblock answers with Bitcoin Core reasons', async () => {
  const script = hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6');
  const good = mineBlock(devnet.chain, script, 1_000_000);
  assert.equal(await rpc.call('submitblock', [rebuild(good, bumpValue(1n))]), 'bad-cb-amount');
  assert.equal(
    await rpc.call('submitblock', [rebuild(good, bumpValue(-1n), false)]),
    'bad-txnmrklroot',
  );
  const badHeight = (cb: ParsedTransaction) => {
    const h = devnet.chain.height + 1;
    const sig = cb.inputs[0]!.scriptSig;
    const lie = concatBytes(pushNumber(h + 1), sig.subarray(pushNumber(h).length));
    assert.equal(lie.length, sig.length);
    const hex = bytesToHex(cb.raw);
    return hexToBytes(
      hex.replace(
        `ffffffff${bytesToHex(Uint8Array.of(sig.length))}${bytesToHex(sig)}`,
        `ffffffff${bytesToHex(Uint8Array.of(lie.length))}${bytesToHex(lie)}`,
      ),
    );
  };
  assert.equal(await rpc.call('submitblock', [rebuild(good, badHeight)]), 'bad-cb-height');
  const badWitness = (cb: ParsedTransaction) => {
    const hex = bytesToHex(cb.raw);
    return hexToBytes(
      hex.replace(
        /6a24aa21a9ed([0-9a-f]{2})/,
        (_m, b: string) => `6a24aa21a9ed${b === 'ff' ? '00' : 'ff'}`,
      ),
    );
  };
  assert.equal(
    await rpc.call('submitblock', [rebuild(good, badWitness)]),
    'bad-witness-merkle-match',
  );
  assert.equal(await rpc.call('submitblock', [bytesToHex(good)]), null);
  assert.equal(await rpc.call('submitblock', [bytesToHex(good)]), 'duplicate');
  const orphan = concatBytes(good.subarray(0, 4), new Uint8Array(32).fill(7), good.subarray(36));
  assert.equal(await rpc.call('submitblock', [bytesToHex(orphan)]), 'prev-blk-not-found');
  await assert.rejects(rpc.call('submitblock', ['00ff']), /Block decode failed/);
});

test('devnet - a block that misses the target is high-hash', async () => {
  const hard = await startDevnet({ bits: 0x1d00ffff });
  try {
    const t = await new CoinRpc({ url: hard.url }).call<{ bits: string }>('getblocktemplate', [
      { rules: ['segwit'] },
    ]);
    assert.equal(t.bits, '1d00ffff');
    const raw = (() => {
      try {
        return mineBlock(hard.chain, new Uint8Array([0x51]), 1);
      } catch {
        return null;
      }
    })();
    assert.equal(raw, null, 'one nonce at difficulty 1 finds nothing');
    // Build one at the easy target and present it to the hard chain.
    const easy = mineBlock(devnet.chain, new Uint8Array([0x51]), 1_000_000);
    const b = parseBlock(easy, hashPow);
    const header = concatBytes(
      b.header.subarray(0, 4),
      hexToBytes(hard.chain.tip.hashHex).reverse(),
      b.header.subarray(36, 72),
      hexToBytes('1d00ffff').reverse(),
      b.header.subarray(76),
    );
    assert.equal(hard.chain.submit(concatBytes(header, easy.subarray(80))), 'high-hash');
  } finally {
    await hard.close();
  }
});

test('devnet - invalidateblock and a longer fork orphan a block (confirmations -1)', async () => {
  const [victim] = await rpc.call<string[]>('generatetoaddress', [1, ADDRESS]);
  await rpc.call('invalidateblock', [victim]);
  assert.notEqual(await rpc.call('getbestblockhash'), victim);
  await rpc.call('generatetoaddress', [2, ADDRESS]);
  const b = await rpc.call<{ confirmations: number }>('getblock', [victim, 1]);
  assert.equal(b.confirmations, -1);
});

test('devnet - longpoll returns when the tip changes', async () => {
  const t = await rpc.call<{ longpollid: string; height: number }>('getblocktemplate', [
    { rules: ['segwit'] },
  ]);
  const waiting = rpc.call<{ height: number }>(
    'getblocktemplate',
    [{ rules: ['segwit'], longpollid: t.longpollid }],
    20_000,
  );
  await rpc.call('generatetoaddress', [1, ADDRESS]);
  assert.equal((await waiting).height, t.height + 1);
});

test('devnet - wrong credentials get a typed auth error', async () => {
  const u = new URL(devnet.url);
  u.password = 'wrong';
  await assert.rejects(
    new CoinRpc({ url: u.toString() }).call('getblockcount'),
    (e: { code?: string }) => e.code === 'RPC_AUTH',
  );
});

test('devnet - onCall reports each call with the monotonic time its request arrived', async () => {
  const calls: [string, bigint][] = [];
  const timed = await startDevnet({ onCall: (method, at) => void calls.push([method, at]) });
  try {
    const client = new CoinRpc({ url: timed.url });
    const before = process.hrtime.bigint();
    await client.call('getblockcount');
    await client.call('getbestblockhash');
    const after = process.hrtime.bigint();
    assert.deepEqual(
      calls.map(([m]) => m),
      ['getblockcount', 'getbestblockhash'],
    );
    const [first, second] = calls.map(([, at]) => at) as [bigint, bigint];
    assert.ok(before < first && first < second && second < after, 'arrival times in order');
  } finally {
    await timed.close();
  }
});
