// Issue #17, the connection cap: past --max-connections new sockets are refused, said once at
// warn and counted (refused{reason="full"}); the miners already in keep mining. In a cluster
// (#20) a full node sends the newcomer to a sibling with room (client.reconnect) instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { hashHeaders } from '../../native/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { startTestNode, startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

test('connection cap - sockets past the cap are refused and counted; those in keep mining', async () => {
  const pool = await startTestPool(
    {},
    { cluster: 'cap', nodeId: 'c1', maxConnections: 2, ...pinnedDifficulty(2 ** -32) },
  );
  const stats = newLoadStats();
  const open = (i: number) =>
    LoadClient.open({
      host: '127.0.0.1',
      port: pool.node.stratumPort,
      username: `${TEST_ADDRESS}.c${i}`,
      stats,
    });
  const clients = [await open(1), await open(2)];
  try {
    const extra = connect({ host: '127.0.0.1', port: pool.node.stratumPort });
    extra.on('error', () => undefined);
    await new Promise((r) => extra.once('close', r));
    await until('counted', async () =>
      ((await pool.node.status()).stratum.refused['full'] ?? 0) >= 1 ? true : undefined,
    );
    for (const c of clients) c.startSubmitting(1);
    await until('the two mine on', () => (stats.accepted >= 10 ? true : undefined));
    assert.equal((await pool.node.status()).connections, 2);
  } finally {
    for (const c of clients) c.close();
    await pool.stop();
  }
});

test(
  'connection cap - a full node sends a new miner to a sibling with room by client.reconnect',
  { timeout: 120_000 },
  async () => {
    const nats = await startNatsServer();
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) });
    const node = (nodeId: string, maxConnections: number) =>
      startTestNode(nats, devnet.url, {
        nodeId,
        cluster: 'capredirect',
        maxConnections,
        ...pinnedDifficulty(2 ** -16),
      });
    const a = await node('full', 2);
    const b = await node('room', 100);
    const stats = newLoadStats();
    const clients: LoadClient[] = [];
    let miner: StratumMiner | undefined;
    try {
      for (const i of [1, 2])
        clients.push(
          await LoadClient.open({
            host: '127.0.0.1',
            port: a.node.stratumPort,
            username: `${TEST_ADDRESS}.c${i}`,
            stats,
          }),
        );
      // A raw socket to the full node hears where to go, then is closed (the node reads the
      // registry every 5 s: until it has seen its sibling, it closes without a word).
      const heard = await until('the full node names its sibling', async () => {
        const sock = connect({ host: '127.0.0.1', port: a.node.stratumPort });
        let text = '';
        sock.on('data', (d: Buffer) => (text += d.toString()));
        sock.on('error', () => undefined);
        await new Promise((r) => sock.once('close', r));
        return text === '' ? undefined : text;
      });
      assert.equal(
        heard,
        `${JSON.stringify({ id: null, method: 'client.reconnect', params: ['127.0.0.1', String(b.node.stratumPort), 0] })}\n`,
      );
      // A miner that dials the full node mines on the sibling.
      miner = new StratumMiner({
        host: '127.0.0.1',
        port: a.node.stratumPort,
        username: `${TEST_ADDRESS}.m`,
        hashHeaders,
        maxHashesPerSec: 100_000,
        persistent: true,
      });
      await miner.start();
      await until('the miner mines on the sibling', () =>
        miner!.stats.accepted >= 2 && b.node.connections() === 1 ? true : undefined,
      );
      assert.equal(miner.pool, `127.0.0.1:${b.node.stratumPort}`);
      assert.equal(a.node.connections(), 2);
    } finally {
      await miner?.stop();
      for (const c of clients) c.close();
      await a.stop();
      await b.stop();
      await devnet.close();
      await nats.stop();
    }
  },
);
