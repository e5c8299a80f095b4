// While NATS is away a node makes its own jobs from its coin nodes (topology/wire/local-jobs.ts):
// after a block found during the outage its miners get work on the new tip, so the chain grows
// by more than one block with the bus away (without it every miner stays on the old parent and
// each later block is stale). When the bus is back the blocks are logged and credited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoinRpc } from '../../actors/job/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { localMiner } from '../helpers/miners.js';
import { pinnedDifficulty, startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

test(
  'outage jobs - with the bus away a node mines on the new tip from its own coin nodes',
  { timeout: 240_000 },
  async () => {
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -12)), txsPerBlock: 1 },
      { nodeId: 'oj1', cluster: 'outagejobs', ...pinnedDifficulty(2 ** -14) },
      { followMs: 200 },
    );
    const rpc = new CoinRpc({ url: pool.devnet.url });
    const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.oj`, 1_000_000);
    try {
      await miner.start();
      await until('shares accepted', () => (miner.stats.accepted >= 3 ? true : undefined));
      await pool.nats.kill('SIGKILL');
      const height0 = await rpc.call<number>('getblockcount');
      await until(
        'three blocks on the chain with the bus away',
        async () => ((await rpc.call<number>('getblockcount')) >= height0 + 3 ? true : undefined),
        120_000,
      );
      const during = await rpc.call<number>('getblockcount');
      await pool.nats.restart();
      await miner.stop();
      const store = pool.node.ledger.store;
      await until(
        'the outage blocks in the ledger',
        () =>
          store.blocks().filter((b) => b.height > height0).length >= during - height0
            ? true
            : undefined,
        120_000,
      );
      assert.ok(during >= height0 + 3);
    } finally {
      await miner.stop();
      await pool.stop();
    }
  },
);
