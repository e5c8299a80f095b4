// A node started while its NATS cluster has no JetStream quorum (two of three servers down, as
// when every server of a cluster starts at once) waits for JetStream, as it waits for the bus,
// instead of failing its start with "timeout"; once the servers are back it starts and mines.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { untilJetStream } from '../../topology/jetstream-ready.js';
import { localMiner } from '../helpers/miners.js';
import { startNatsCluster } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

test(
  'jetstream wait - a node started without a JetStream quorum waits for it, then mines',
  { timeout: 180_000 },
  async () => {
    const cluster = await startNatsCluster({ size: 3 });
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 20)) });
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await devnet.close();
      await cluster.stop();
    });
    const [first, second, third] = cluster.servers;
    await second!.kill('SIGKILL');
    await third!.kill('SIGKILL');

    // The JetStream API does not answer one server of three, once it has noticed: a survivor
    // that was the leader still answers for a while after its peers went (~20 s here).
    const nc = await connect({ servers: first!.url });
    cleanups.push(() => nc.close());
    await until('the survivor to stop answering for JetStream', () =>
      jetstreamManager(nc, { timeout: 500 }).then(
        () => undefined,
        () => true,
      ),
    );
    let ready = false;
    const waiting = untilJetStream(nc, { timeoutMs: 500, retryMs: 100 }).then(() => (ready = true));
    let started: 'pending' | 'started' | Error = 'pending';
    const starting = startTestNode(first!, devnet.url, {
      nodeId: 'w1',
      cluster: 'jswait',
      natsUrls: cluster.urls,
      logReplicas: 3,
      ...pinnedDifficulty(2 ** -16),
    }).then(
      (n) => {
        started = 'started';
        cleanups.push(n.stop);
        return n;
      },
      (err: unknown) => {
        started = err instanceof Error ? err : new Error(String(err));
        throw err;
      },
    );
    // Longer than a JetStream request's 5 s timeout, which failed the start before.
    await new Promise((r) => setTimeout(r, 7_000));
    assert.equal(ready, false, 'no JetStream without a quorum');
    assert.equal(started, 'pending', 'the node neither started nor gave up');

    await second!.restart();
    await third!.restart();
    await waiting;
    const { node } = await starting;
    const miner = localMiner(node.stratumPort, `${TEST_ADDRESS}.rig`, 100_000);
    cleanups.push(() => miner.stop());
    await miner.start();
    await until('a share accepted', () => (miner.stats.accepted >= 1 ? true : undefined), 60_000);
  },
);
