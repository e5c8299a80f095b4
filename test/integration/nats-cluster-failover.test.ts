// One server of a three-server NATS cluster (JetStream, the log kept on 3 replicas) is killed
// under a mining node: the node's connections move to the other two, shares keep being
// accepted, and nothing is lost: every share the Share actor accepted is in the log once and
// in the ledger, and no miner heard "busy". (How long the pause was is measured by
// `npm run drill`, never asserted here.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { localMiner } from '../helpers/miners.js';
import { startNatsCluster } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

test(
  'nats cluster - a server killed under a mining node: shares go on, none lost',
  { timeout: 240_000 },
  async () => {
    const cluster = await startNatsCluster({ size: 3 });
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 20)) });
    const { node, stop } = await startTestNode(cluster.servers[0]!, devnet.url, {
      nodeId: 'c1',
      cluster: 'failover',
      natsUrls: cluster.urls,
      logReplicas: 3,
      ...pinnedDifficulty(2 ** -16),
    });
    const miner = localMiner(node.stratumPort, `${TEST_ADDRESS}.rig`, 100_000);
    after(async () => {
      await miner.stop();
      await stop();
      await devnet.close();
      await cluster.stop();
    });
    await miner.start();
    const store = node.ledger.store;
    await until('shares in the ledger', () => (store.counters().shares >= 3 ? true : undefined));

    // The server the node's runtime is connected to goes.
    const port = Number(node.runtime.nc.getServer().split(':').pop());
    const victim = cluster.servers.find((s) => s.port === port);
    assert.ok(
      victim,
      `the node is on one of the cluster's servers (${node.runtime.nc.getServer()})`,
    );
    await victim.kill('SIGKILL');

    const accepted = miner.stats.accepted;
    await until(
      'shares accepted after the kill',
      () => (miner.stats.accepted >= accepted + 10 ? true : undefined),
      120_000,
    );
    await miner.stop();
    let last = '';
    const settled = await until('the log and the ledger hold every accepted share', async () => {
      const st = await node.status();
      const n = st.shares?.verdicts['accepted'];
      last = `accepted ${n}, log ${JSON.stringify(st.log)}, ledger ${store.counters().shares} (seq ${store.lastApplied()})`;
      return n !== undefined && st.log.shares === n && store.counters().shares === n
        ? n
        : undefined;
    }).catch((err: unknown) => assert.fail(`${String(err)}: ${last}`));
    assert.ok(miner.stats.accepted <= settled);
    assert.equal(miner.stats.rejectedBy['busy'] ?? 0, 0, JSON.stringify(miner.stats.rejectedBy));
    assert.equal(store.counters().records, store.lastApplied(), 'each record applied once');
    assert.equal(node.runtime.draining, false);
  },
);
