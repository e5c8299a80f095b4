// An orphaned pool block, end to end: the devnet invalidates a block the pool found, the Block
// actor sees it leave the chain (confirmations -1) and logs block.orphaned, and the ledger
// reverses exactly the immature credits that block gave.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';

test('orphan - a pool block that leaves the chain has its immature credits reversed exactly', async () => {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -10)), txsPerBlock: 1 },
    {
      nodeId: 'n1',
      cluster: 'orphan',
      startDifficulty: 2 ** -12,
      minDifficulty: 2 ** -16,
      targetShareSeconds: 1,
      feeBps: 100,
    },
    { followMs: 200 },
  );
  const { node, devnet } = pool;
  const miner = localMiner(node.stratumPort, `${TEST_ADDRESS}.rig`, 1_000_000);
  after(async () => {
    await miner.stop();
    await pool.stop();
  });
  const store = node.ledger.store;
  await miner.start();
  const first = await until('a block in the ledger', () => store.blocks()[0], 120_000);
  await miner.stop();
  // Let anything in flight settle, then record what the ledger holds.
  await new Promise((r) => setTimeout(r, 1_000));
  const blocks = store.blocks();
  const bills = blocks.map((b) => store.bill(b.hash));
  const immatureBefore = store.balance(TEST_ADDRESS)?.immatureSats ?? 0n;
  const victim = blocks.reduce((a, b) => (b.height > a.height ? b : a), first);
  const credit =
    bills
      .find((b) => b?.hash === victim.hash)
      ?.lines.filter((l) => l.creditedTo === TEST_ADDRESS)
      .reduce((sum, l) => sum + l.creditSats, 0n) ?? 0n;
  assert.ok(credit > 0n, 'the block credited the miner');

  const rpc = new CoinRpc({ url: devnet.url });
  await rpc.call('invalidateblock', [victim.hash]);
  await until(
    'the ledger applies block.orphaned',
    () =>
      store.blocks().find((b) => b.hash === victim.hash)?.status === 'orphaned' ? true : undefined,
    60_000,
  );
  assert.equal(
    store.balance(TEST_ADDRESS)?.immatureSats,
    immatureBefore - credit,
    'exactly the orphaned block’s credit is gone',
  );
  for (const b of store.blocks().filter((x) => x.hash !== victim.hash)) {
    assert.notEqual(b.status, 'orphaned', `${b.hash} is still on the chain`);
  }
});
