// A rolling restart moves miners without a load balancer (issue #20): three nodes in one
// cluster, miners on the first; it drains (stop(), as on SIGTERM) and tells each miner, by
// client.reconnect, the public address of a sibling from the cluster registry, spread over
// both siblings by room (100 and 50 places: 5 and 2 of 7 miners). The miners follow, mine on
// the siblings, and every share a miner heard "accepted" is in the share log and the ledger
// once. A miner over TLS is sent to a sibling's TLS port. `colliery status` shows each node's
// public address and connections of capacity. The drain is paced (--drain-rate 2: one miner
// every 0.5 s here): the miners are told in turn, and those not yet told go on mining on r1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { hashHeaders } from '../../native/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { clusterStatus, formatClusterStatus } from '../../topology/commands/status.js';
import { makeCerts } from '../helpers/certs.js';
import { assertAckedLoggedOnce, loggedShares } from '../helpers/logged-shares.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { startTestNode, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import type { NodeConfig } from '../../topology/config.js';
import { until } from '../helpers/until.js';

const CLUSTER = 'rolling';

test(
  'rolling restart - a draining node sends its miners to siblings by room; they mine on, no acknowledged share lost',
  { timeout: 180_000 },
  async () => {
    const certs = makeCerts(['pool']);
    const nats = await startNatsServer();
    // Network difficulty 16: no block in the test's time; shares at 2^-16 come several a second.
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) });
    const tls = {
      stratumTls: '127.0.0.1:0',
      tlsCert: certs.cert('pool'),
      tlsKey: certs.key('pool'),
    };
    const node = (nodeId: string, maxConnections: number) =>
      startTestNode(nats, devnet.url, {
        nodeId,
        cluster: CLUSTER,
        maxConnections,
        ...pinnedDifficulty(2 ** -16),
        ...(tls as object),
        tuning: { drainRate: 2 } as NodeConfig['tuning'],
      });
    const a = await node('r1', 1_000);
    const b = await node('r2', 100);
    const c = await node('r3', 50);
    const miners: StratumMiner[] = [];
    let aStopped = false;
    after(async () => {
      for (const m of miners) await m.stop();
      if (!aStopped) await a.stop();
      await b.stop();
      await c.stop();
      await devnet.close();
      await nats.stop();
      rmSync(certs.dir, { recursive: true, force: true });
    });

    // The registry names every node's public address (the listen address here) and capacity.
    const before = await until('three nodes in the registry', async () => {
      const s = await clusterStatus([nats.url], CLUSTER);
      return s.registry.length === 3 ? s : undefined;
    });
    assert.deepEqual(
      before.registry.map((e) => [e.node, e.stratum.port, e.stratumTls?.port, e.capacity]),
      [
        ['r1', a.node.stratumPort, a.node.stratumTlsPort, 1_000],
        ['r2', b.node.stratumPort, b.node.stratumTlsPort, 100],
        ['r3', c.node.stratumPort, c.node.stratumTlsPort, 50],
      ],
    );
    assert.match(
      formatClusterStatus(before),
      new RegExp(
        `^ {2}r2 .* · stratum 127\\.0\\.0\\.1:${b.node.stratumPort} \\(tls 127\\.0\\.0\\.1:${b.node.stratumTlsPort}\\) · 0/100 connections · `,
        'm',
      ),
    );

    // Six miners on r1 over plain TCP, one over TLS.
    const acked: string[] = [];
    const told: (string | null)[] = [];
    const toldAt: number[] = [];
    /** Each miner's accepted shares: when, and on which node's port. */
    const heard: { i: number; at: number; pool: string }[] = [];
    const miner = (i: number, overTls: boolean): StratumMiner => {
      const m = new StratumMiner({
        host: '127.0.0.1',
        port: overTls ? a.node.stratumTlsPort! : a.node.stratumPort,
        username: `${TEST_ADDRESS}.m${i}`,
        hashHeaders,
        maxHashesPerSec: 100_000,
        persistent: true,
        ...(overTls ? { tls: { ca: certs.ca } } : {}),
      });
      m.on('accepted', (hash: string | undefined) => {
        if (hash) acked.push(hash);
        heard.push({ i, at: performance.now(), pool: m.pool });
      });
      m.on('reconnect-requested', (to: string | null) => {
        told.push(to);
        toldAt[i] = performance.now();
      });
      miners.push(m);
      return m;
    };
    const plain = [0, 1, 2, 3, 4, 5].map((i) => miner(i, false));
    const secure = miner(6, true);
    await Promise.all(miners.map((m) => m.start()));
    await until('every miner has shares accepted on r1', () =>
      miners.every((m) => m.stats.accepted >= 2) ? true : undefined,
    );
    assert.equal(a.node.connections(), 7);

    // r1 drains and stops: a rolling restart's first step.
    await a.stop();
    aStopped = true;
    const atStop = miners.map((m) => m.stats.accepted);
    assert.equal(told.length, 7, 'every miner was told to reconnect');
    const siblings = new Set(
      [b, c].flatMap((n) =>
        [n.node.stratumPort, n.node.stratumTlsPort].map((p) => `127.0.0.1:${p}`),
      ),
    );
    for (const to of told) assert.ok(to !== null && siblings.has(to), `named a sibling: ${to}`);
    // Paced: 7 miners at 2 a second are told over 3 s (k · 3.5 s / 7), not all at once; the
    // ones told later had shares accepted on r1 after the drain began (~16 expected in all).
    const first = Math.min(...toldAt);
    const span = Math.max(...toldAt) - first;
    assert.ok(span >= 2_500, `the reconnects were spread over ${span.toFixed(0)} ms`);
    const r1 = [a.node.stratumPort, a.node.stratumTlsPort].map((p) => `127.0.0.1:${p}`);
    const whileDraining = heard.filter(
      (h) => h.at > first && h.at < toldAt[h.i]! && r1.includes(h.pool),
    ).length;
    assert.ok(whileDraining > 0, 'miners not yet told mined on the draining node');

    // Spread by room: 100 and 50 places, so r2 gets 5 of the 7 and r3 gets 2.
    await until('the miners are on the siblings', () =>
      b.node.connections() + c.node.connections() === 7 ? true : undefined,
    );
    assert.equal(b.node.connections(), 5, 'r2 (room 100)');
    assert.equal(c.node.connections(), 2, 'r3 (room 50)');
    const tlsPorts = [b.node.stratumTlsPort, c.node.stratumTlsPort].map((p) => `127.0.0.1:${p}`);
    assert.ok(tlsPorts.includes(secure.pool), `the TLS miner is on a TLS port: ${secure.pool}`);
    const plainPorts = [b.node.stratumPort, c.node.stratumPort].map((p) => `127.0.0.1:${p}`);
    for (const m of plain) assert.ok(plainPorts.includes(m.pool), `a plain port: ${m.pool}`);

    // They mine on: every miner's accepted count keeps growing on its new node.
    await until('every miner has more shares accepted on a sibling', () =>
      miners.every((m, i) => m.stats.accepted >= atStop[i]! + 2) ? true : undefined,
    );
    for (const m of miners) await m.stop();

    // No acknowledged share lost: each is in the log once, and the ledger counted the log.
    const logged = await loggedShares(nats.url, CLUSTER);
    const total = assertAckedLoggedOnce(logged, acked);
    assert.ok(total >= acked.length, `${total} logged, ${acked.length} acknowledged`);
    await until('the ledger counted every logged share', () =>
      b.node.ledger.store.counters().shares === total ? true : undefined,
    );
    const accepted = miners.reduce((t, m) => t + m.stats.accepted, 0);
    assert.equal(accepted, acked.length, "the miners' accepted count is what they acknowledged");
    assert.ok(
      b.node.ledger.store.counters().shares >= accepted,
      `the ledger counted ${b.node.ledger.store.counters().shares}, the miners heard ${accepted}`,
    );
  },
);
