// A block found while NATS is away (kill -9 of the nats-server under a mining node): the node's
// block submitter journals it and submits it to the coin node during the outage, without the
// bus or the Block lease; when the server is back, the journal is appended to the block log and
// the ledger credits the block once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { LogRecord } from '../../actors/shared/log-records.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

test(
  'block outage - a block found while NATS is down reaches the coin node at once, then the block log and the ledger once',
  { timeout: 120_000 },
  async () => {
    const cluster = 'blockoutage';
    const pool = await startTestPool(
      {},
      { cluster, nodeId: 'o1', ...pinnedDifficulty(2 ** -32) },
      { followMs: 200 },
    );
    const rpc = new CoinRpc({ url: pool.devnet.url });
    let miner: LoadClient | undefined;
    try {
      miner = await LoadClient.open({
        host: '127.0.0.1',
        port: pool.node.stratumPort,
        username: `${TEST_ADDRESS}.outage`,
        stats: newLoadStats(),
      });
      const b = blockSubmit(miner);
      const height = await rpc.call<number>('getblockcount');

      await pool.nats.kill('SIGKILL');
      await until('the node to notice the bus is away', async () =>
        (await pool.node.status()).health.state === 'degraded' ? true : undefined,
      );
      // Past the lease TTL (2 s here): the node no longer holds the Block lease.
      await new Promise((r) => setTimeout(r, 2_500));
      miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
      // NATS is restarted only below: the block reaches the coin node with the bus still away.
      await until(
        'the devnet has the block during the outage',
        async () => ((await rpc.call<number>('getblockcount')) > height ? true : undefined),
        60_000,
        20,
      );
      const tip = await rpc.call<string>('getbestblockhash');
      const during = (await pool.node.status()).blockJournal;
      assert.deepEqual(
        [during.journaled, during.withoutLease, during.pending],
        [1, 1, 1],
        'journaled, submitted without the lease, not in the log yet',
      );

      await new Promise((r) => setTimeout(r, 1_000)); // still down a while
      await pool.nats.restart();
      const nc = await connect({ servers: pool.nats.url });
      try {
        const found = await until(
          'the block is in the block log',
          async () => {
            const out: LogRecord[] = [];
            for await (const batch of readLog(nc, {
              cluster,
              coin: 'bitcoin-regtest',
              kind: 'blocks',
              fromSeq: 1,
              until: 'end',
              maxBatch: 100,
            }))
              for (const { record } of batch) out.push(record as LogRecord);
            const f = out.filter((r) => r.type === 'block.found' && r.hash === tip);
            return f.length > 0 ? out : undefined;
          },
          60_000,
          250,
        );
        const ofTip = found.filter((r) => 'hash' in r && r.hash === tip).map((r) => r.type);
        assert.deepEqual(ofTip, ['block.submitted', 'block.found'], 'intent then found, each once');
      } finally {
        await nc.close();
      }
      const store = pool.node.ledger.store;
      const credited = await until('the ledger credits the block', () =>
        store.blocks().find((x) => x.hash === tip),
      );
      assert.equal(credited.height, height + 1);
      assert.equal(store.blocks().filter((x) => x.hash === tip).length, 1, 'credited once');
      assert.equal((await pool.node.status()).blockJournal.pending, 0, 'the journal is drained');
      const leader = await until('the Block leader follows the block', async () =>
        (await pool.node.blocks().catch(() => [])).find((x) => x.hash === tip),
      );
      assert.equal(leader.status, 'submitted');
    } finally {
      miner?.close();
      await pool.stop();
    }
  },
);
