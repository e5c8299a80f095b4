// A block candidate goes before anything else: the Share actor asks its node's block
// submitter, the submitter writes submitblock, and only then does the Share actor answer the
// batch's miners and hand its accepted shares to the share log. The sink here records the order and holds the
// shares in memory (the share log itself is tested elsewhere); the coin node is the devnet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { AcceptedShare, ShareSink } from '../../actors/share/index.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

test('block candidate - submitblock is written before the share log append and the answers', async () => {
  const events: string[] = [];
  const logged: AcceptedShare[] = [];
  const sink: ShareSink = {
    append: (shares) => {
      events.push(`append ${shares.length}`);
      logged.push(...shares);
      return Promise.resolve();
    },
  };
  const call = CoinRpc.prototype.call;
  CoinRpc.prototype.call = function (this: CoinRpc, method, ...rest) {
    if (method === 'submitblock') events.push('submitblock');
    return call.call(this, method, ...rest) as never;
  } as typeof call;
  const d = 2 ** -32; // every hash is a share; about every other one meets regtest's target
  const tp = await startTestPool(
    {},
    { startDifficulty: d, minDifficulty: d, maxDifficulty: d },
    { sink },
  );
  let miner: LoadClient | undefined;
  try {
    miner = await LoadClient.open({
      host: '127.0.0.1',
      port: tp.node.stratumPort,
      username: `${TEST_ADDRESS}.first`,
      stats: newLoadStats(),
    });
    const b = blockSubmit(miner);
    const m = miner;
    const code = new Promise<number>((resolve) => (m.onReply = (_id, c) => resolve(c)));
    events.push('submit sent');
    m.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
    assert.equal(await code, 0, 'the block-meeting share is accepted');
    events.push('answered');
    assert.deepEqual(events, ['submit sent', 'submitblock', 'append 1', 'answered']);
    assert.equal(logged.length, 1);
    // The Block leader hears of the block from the node's submitter once the block log holds
    // its records, which may come after the miner's answer (the answer does not wait for the bus).
    const node = tp.node;
    const blocks = await until('the Block leader follows the block', async () => {
      const listed = await node.blocks();
      return listed.length > 0 ? listed : undefined;
    });
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]?.status, 'submitted', 'the devnet took the block');
    assert.equal(blocks[0]?.hash, logged[0]?.hash, 'the logged share is the block');
  } finally {
    CoinRpc.prototype.call = call;
    miner?.close();
    await tp.stop();
  }
});
