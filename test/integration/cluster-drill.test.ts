// The cluster drill (test/drill/cluster.drill.ts) scaled down (issue #20): a three-server NATS
// cluster, the share log replicated three times, three pool nodes (`colliery start --ledger
// off` children) and a ledger node (`colliery ledger run`), 1,500 load-harness miners
// submitting on all three. kill -9 of the node holding the most miners: every miner is served
// on the other two, and after the killed node comes back (same port, id and data) every share
// a miner heard "accepted" is in the log. Then a rolling restart (each node SIGTERM-drained and
// started again in turn): every miner is served again and no acknowledged share is lost. The
// ledger node applied the whole log, each share once, and `colliery ledger verify` passes on
// its data. Only counts are checked, never how long anything took.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPoolCluster, CLUSTER_ADDRESS } from '../helpers/cluster.js';
import { startLoadFleet, type HarnessStats } from '../helpers/load-harness.js';
import { until } from '../helpers/until.js';

const MINERS = 1_500;
const RATE = 1_500; // shares/s in all
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
const key = (t: { host: string; port: number }): string => `${t.host}:${t.port}`;

test(
  'cluster drill (scaled down) - kill -9 and a rolling restart under load: miners served elsewhere, no acknowledged share lost, ledger verified',
  { timeout: 300_000 },
  async (t) => {
    const c = await startPoolCluster({ nodes: 3, cluster: 'clusterdrill', maxConnections: 1_000 });
    const starting = startLoadFleet({
      targets: c.targets,
      n: MINERS,
      userPrefix: `${CLUSTER_ADDRESS}.w`,
      sources: SOURCES,
      submitRate: RATE,
    });
    after(async () => {
      await (await starting.catch(() => null))?.close();
      await c.stop();
    });
    const h = await starting;
    const ready = await h.ready();
    assert.equal(ready.authorized, MINERS, 'every miner authorized');
    const stats = () => h.stats();
    const served = (what: string) =>
      until(
        what,
        async () => {
          const s = await stats();
          return s.ready === MINERS ? s : undefined;
        },
        60_000,
        200,
      );
    /** Stops submitting, waits until every submit is answered or lost, and counts the log. */
    const quiesce = async (): Promise<{ s: HarnessStats; logged: number }> => {
      await h.setRate(0);
      const s = await until(
        'every submit answered',
        async () => {
          const st = await stats();
          return st.inflight === 0 ? st : undefined;
        },
        60_000,
        200,
      );
      return { s, logged: (await c.logShares()).shares };
    };
    await until('shares accepted on every node', async () => {
      const s = await stats();
      return s.accepted >= 3 * RATE ? true : undefined;
    });

    // kill -9 of the node holding the most miners.
    const before = await stats();
    const victim = c.nodes.reduce((a, b) =>
      (before.byTarget[key(b.target)] ?? 0) > (before.byTarget[key(a.target)] ?? 0) ? b : a,
    );
    const held = before.byTarget[key(victim.target)] ?? 0;
    assert.ok(held > 0, `the victim holds miners: ${JSON.stringify(before.byTarget)}`);
    await victim.kill();
    const moved = await served('every miner served on the other nodes');
    assert.equal(moved.byTarget[key(victim.target)] ?? 0, 0, 'none on the killed node');
    assert.equal(moved.authorized, MINERS);
    assert.ok(moved.drops - before.drops >= held, 'the killed node dropped its miners');
    await until('shares accepted after the kill', async () =>
      (await stats()).accepted >= moved.accepted + 2 * RATE ? true : undefined,
    );
    await victim.start(); // its spool, if it had one, is appended now
    const afterKill = await quiesce();
    assert.ok(afterKill.s.accepted > before.accepted, 'shares accepted across the kill');
    assert.ok(
      afterKill.logged >= afterKill.s.accepted,
      `log ${afterKill.logged} ≥ accepted ${afterKill.s.accepted} after kill -9`,
    );

    // A rolling restart: each node drained (SIGTERM) and started again, in turn.
    await h.setRate(RATE);
    for (const node of c.nodes) {
      await node.stop();
      await node.start();
      await served(`every miner served after ${node.id} restarted`);
    }
    await until('shares accepted after the rolling restart', async () =>
      (await stats()).accepted >= afterKill.s.accepted + 3 * RATE ? true : undefined,
    );
    const rolled = await quiesce();
    assert.ok(rolled.s.reconnects > afterKill.s.reconnects, 'drained miners were sent on');
    assert.ok(
      rolled.logged >= rolled.s.accepted,
      `log ${rolled.logged} ≥ accepted ${rolled.s.accepted} after the rolling restart`,
    );

    // The ledger node applied the whole log, each share once, and verify replays it equal.
    await c.settleLedger(120_000);
    const v = await c.verifyLedger();
    assert.equal(v.ok, true, `ledger verify: ${JSON.stringify(v).slice(0, 2_000)}`);
    assert.equal(v.quarantined, 0);
    assert.equal(v.shares, rolled.logged, 'the ledger applied every logged share once');
    assert.ok(v.shares >= rolled.s.accepted);
    t.diagnostic(
      `killed ${victim.id} holding ${held}; accepted ${afterKill.s.accepted} / logged ${afterKill.logged} ` +
        `after the kill, ${rolled.s.accepted} / ${rolled.logged} after the rolling restart ` +
        `(${rolled.s.reconnects} reconnects followed); ledger ${v.shares} shares to seq ${v.lastApplied}`,
    );
  },
);
