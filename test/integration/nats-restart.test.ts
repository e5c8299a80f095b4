// The NATS server dies (kill -9) under a mining node and comes back on the same port 12 s later,
// past the 6 s TTL of the node's extranonce-prefix claim (a node used to drain itself when the
// claim lapsed, and then sat alive with Stratum closed). The node keeps its miners (it does not
// drain), says it is degraded while the bus is away, takes its prefix back when the bus returns
// and serves new miners again; shares mined across the outage are answered and logged once,
// the leases and the prefix claim survive, and the ledger catches up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { clusterStatus } from '../../topology/commands/status.js';
import { DEFAULTS } from '../../topology/config.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';

test(
  'nats restart - a node keeps mining through a NATS server restart',
  { timeout: 180_000 },
  async () => {
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 20)) }, // no block in this test
      {
        nodeId: 'r1',
        cluster: 'nrestart',
        ...pinnedDifficulty(2 ** -16),
        tuning: { ...DEFAULTS.tuning, prefixTtlSeconds: 6 },
      },
    );
    const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.rig`, 100_000);
    after(async () => {
      await miner.stop();
      await pool.stop();
    });
    await miner.start();
    const store = pool.node.ledger.store;
    await until('shares in the ledger', () => (store.counters().shares >= 3 ? true : undefined));

    await pool.nats.kill('SIGKILL');
    // While the bus is away the node serves on and says so: degraded, not draining.
    const away = await until('the node to notice the bus is away', async () => {
      const st = await pool.node.status();
      return st.health.state === 'degraded' ? st : undefined;
    });
    assert.match(away.health.reasons.join(), /nats away/);
    assert.equal(away.bus.up, false);
    await new Promise((r) => setTimeout(r, 12_000));
    await pool.nats.restart();
    await until('the node to see the bus back', async () =>
      (await pool.node.status()).health.state === 'ok' ? true : undefined,
    );
    const back = await pool.node.status();
    assert.equal(back.bus.outages, 1);
    assert.ok(back.bus.outageSeconds >= 10, `outage of ${back.bus.outageSeconds} s counted`);

    // Mining goes on: new shares are accepted and reach the ledger.
    const accepted = miner.stats.accepted;
    await until('shares accepted after the restart', () =>
      miner.stats.accepted >= accepted + 5 ? true : undefined,
    );
    assert.equal(pool.node.runtime.draining, false, 'the node did not drain');
    assert.equal(pool.node.connections(), 1, 'the miner stayed connected');
    // A new miner is served: the prefix claim was taken back.
    const late = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.late`, 100_000);
    await late.start();
    await until('the new miner gets shares accepted', () =>
      late.stats.accepted >= 2 ? true : undefined,
    );
    await late.stop();
    // Every share the node accepted is in the ledger exactly once: the Share actor's count, the
    // share log's and the ledger's agree. (Shares still waiting for the log when the miner left
    // are accepted and credited too; the miner only heard about the earlier ones.)
    await miner.stop();
    const settled = await until('the ledger holds every accepted share', async () => {
      const st = await pool.node.status();
      const accepted = st.shares?.verdicts['accepted'];
      return accepted !== undefined &&
        st.log.shares === accepted &&
        store.counters().shares === accepted
        ? accepted
        : undefined;
    });
    assert.ok(miner.stats.accepted <= settled);
    assert.equal(store.counters().records, store.lastApplied(), 'each record applied once');
    const s = await clusterStatus([pool.nats.url], 'nrestart');
    assert.deepEqual(
      s.nodes.map((n) => n.node),
      ['r1'],
      'the prefix claim is still held',
    );
    for (const l of s.leases) assert.equal(l.node, 'r1', l.lease);
  },
);
