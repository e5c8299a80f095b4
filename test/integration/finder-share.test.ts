// The share that finds a block counts in the round that block closes: the finder's batch is in
// the log before the block's found record (the block submitter answers the Share actor once the
// requests have left; the found record waits for the coin nodes and goes behind the shares
// already handed to the log). A block found by a miner's very first share pays that miner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

test('finder share - a block found by the first share of the round pays its finder', async () => {
  const pool = await startTestPool(
    {},
    { cluster: 'finder', nodeId: 'f1', ...pinnedDifficulty(2 ** -32) },
    { followMs: 200 },
  );
  let miner: LoadClient | undefined;
  try {
    miner = await LoadClient.open({
      host: '127.0.0.1',
      port: pool.node.stratumPort,
      username: `${TEST_ADDRESS}.finder`,
      stats: newLoadStats(),
    });
    const b = blockSubmit(miner);
    miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
    const store = pool.node.ledger.store;
    const block = await until('the block in the ledger', () => store.blocks()[0]);
    const bill = store.bill(block.hash);
    const credit = (bill?.lines ?? [])
      .filter((l) => l.creditedTo === TEST_ADDRESS)
      .reduce((sum, l) => sum + l.creditSats, 0n);
    assert.ok(
      credit > 0n,
      `the finder is credited: ${JSON.stringify(bill, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
    assert.equal(store.counters().shares, 1, 'the one share is in the ledger');
  } finally {
    miner?.socket.destroy();
    await pool.stop();
  }
});
