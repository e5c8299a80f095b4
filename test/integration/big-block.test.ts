// Issue #16: a block template the size of a mainnet one. Its full job (every transaction) is
// over NATS's 1 MB max_payload, so it reaches the block submitter of a node that is not the Job
// leader in parts (runtime/parts.ts); a block found there is assembled with every transaction,
// submitted and taken by the coin node, and logged. Before, the full job was refused by the bus and the
// candidate was lost ("block candidate for a job this node does not hold").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { startTestNode, startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const TXS = 8_000;

test(
  'big block - a full job over the bus limit reaches the submitter; its block is taken and logged',
  { timeout: 180_000 },
  async () => {
    const pool = await startTestPool(
      { txsPerBlock: TXS },
      { cluster: 'bigblock', nodeId: 'b1', ...pinnedDifficulty(2 ** -32) },
    );
    // The second node: the Job leader is the first, so full jobs reach this one over the bus.
    const second = await startTestNode(pool.nats, pool.devnet.url, {
      cluster: 'bigblock',
      nodeId: 'b2',
      ...pinnedDifficulty(2 ** -32),
    });
    let miner: LoadClient | undefined;
    try {
      const rpc = new CoinRpc({ url: pool.devnet.url });
      const template = await rpc.call<{ transactions: { data: string }[] }>('getblocktemplate', [
        { rules: ['segwit'] },
      ]);
      const bytes = template.transactions.reduce((n, t) => n + t.data.length / 2, 0);
      assert.ok(bytes > 1_048_576, `the template's transactions are ${bytes} bytes`);
      miner = await LoadClient.open({
        host: '127.0.0.1',
        port: second.node.stratumPort,
        username: `${TEST_ADDRESS}.big`,
        stats: newLoadStats(),
      });
      const height = await rpc.call<number>('getblockcount');
      const b = blockSubmit(miner);
      miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
      await until(
        'the devnet took the block',
        async () => ((await rpc.call<number>('getblockcount')) > height ? true : undefined),
        60_000,
      );
      const tip = await rpc.call<string>('getbestblockhash');
      const block = await rpc.call<{ tx: string[] }>('getblock', [tip, 1]);
      assert.equal(block.tx.length, template.transactions.length + 1, 'every transaction');
      const store = pool.node.ledger.store;
      await until('the ledger credits it', () =>
        store.blocks().some((x) => x.hash === tip) ? true : undefined,
      );
    } finally {
      miner?.close();
      await second.stop();
      await pool.stop();
    }
  },
);
