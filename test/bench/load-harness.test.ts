// The load harness (test/bench/load-harness.cc, a C++ child playing many Stratum miners) against
// two real pool nodes of one cluster, share difficulty pinned at 2^-32 (any nonce is a share,
// bar 1 in 65,536): its 200 connections (a fleet of two processes, as a large run would be)
// spread over both nodes and all authorize; a submit rate
// yields accepted shares, exactly as many as the nodes count; the notify of a new block reaches
// every connection, each with a receipt after the trigger, and later submits use the new job;
// draining one node (its miners get client.reconnect naming the sibling, then its port closes)
// moves that node's connections to the other. Beside a stand-in pool (a `net` server), the other
// ways to move: client.reconnect with no params (the same address, now refused: another node)
// and a connection the pool drops (another node: with two, the other). Only counts and orderings are checked, never
// how long things took.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet, type Devnet } from '../../topology/devnet/index.js';
import {
  startLoadFleet,
  startLoadHarness,
  type HarnessStats,
  type LoadHarness,
} from '../helpers/load-harness.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const N = 200;
const RATE = 2_000; // shares/s from the harness: 10/s per connection
const SOURCES = ['127.0.0.1', '127.0.0.2'];
const SETTINGS = {
  cluster: 'harness',
  refreshSeconds: 3600, // no job but the new block's while a round is armed
  ...pinnedDifficulty(2 ** -32),
};
type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/** A stand-in pool: answers subscribe and authorize, sends one notify; holds its sockets. */
async function startFakePool(): Promise<{
  port: number;
  sockets: Socket[];
  stopListening(): void;
}> {
  const sockets: Socket[] = [];
  const notify = ['j1', '00'.repeat(32), '01', '02', [], '20000000', '1d00ffff', '5f5e1000', true];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, nl)) as { id: number; method: string };
        buf = buf.slice(nl + 1);
        const answer = (result: unknown): string =>
          `${JSON.stringify({ id: req.id, result, error: null })}\n`;
        if (req.method === 'mining.subscribe')
          s.write(answer([[['mining.notify', 'ab']], '0000beef', 4]));
        else if (req.method === 'mining.authorize')
          s.write(
            answer(true) +
              `${JSON.stringify({ id: null, method: 'mining.notify', params: notify })}\n`,
          );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { port: address.port, sockets, stopListening: () => void server.close() };
}

describe('load harness (C++ child) against two pool nodes', () => {
  let nats: NatsServer;
  let devnet: Devnet;
  let a: TestNode;
  let b: TestNode;
  let bStopped = false;
  let harness: LoadHarness;
  const addr = (node: TestNode): string => `127.0.0.1:${node.node.stratumPort}`;
  const accepted = async (): Promise<number> => {
    const [x, y] = await Promise.all([a.node.shareStats(), b.node.shareStats()]);
    return x.verdicts.accepted + (bStopped ? 0 : y.verdicts.accepted);
  };
  /** Submits at RATE until `more` shares more were accepted, then stops and waits for answers. */
  const submitUntil = async (more: number): Promise<HarnessStats> => {
    const from = (await harness.stats()).accepted;
    await harness.setRate(RATE);
    await until('accepted shares', async () =>
      (await harness.stats()).accepted >= from + more ? true : undefined,
    );
    await harness.setRate(0);
    return until('every submit answered', async () => {
      const s = await harness.stats();
      return s.inflight === 0 ? s : undefined;
    });
  };

  before(async () => {
    nats = await startNatsServer();
    // Network difficulty 2^-16: generatetoaddress finds a block in ~65k hashes, and a share is a
    // block only once in 65,536 (a stray one just brings a new job).
    devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -16)) });
    a = await startTestNode(nats, devnet.url, { nodeId: 'ha', ...SETTINGS });
    b = await startTestNode(nats, devnet.url, { nodeId: 'hb', ...SETTINGS });
    harness = await startLoadFleet({
      targets: [a, b].map((x) => ({ host: '127.0.0.1', port: x.node.stratumPort })),
      n: N,
      perProcess: N / 2,
      userPrefix: `${TEST_ADDRESS}.w`,
      sources: SOURCES,
    });
  });
  after(async () => {
    await harness?.close();
    if (!bStopped) await b?.stop();
    await a?.stop();
    await devnet?.close();
    await nats?.stop();
  });

  it('connects, subscribes and authorizes every connection, spread over both nodes', async () => {
    assert.equal(harness.pids.length, 2);
    const ready = await harness.ready();
    assert.equal(ready.connected, N);
    assert.equal(ready.authorized, N);
    const s = await harness.stats();
    assert.equal(s.ready, N, 'each holds a job');
    assert.deepEqual(s.byTarget, { [addr(a)]: N / 2, [addr(b)]: N / 2 });
    assert.equal(a.node.connections() + b.node.connections(), N);
    assert.equal(s.authFailures + s.drops + s.connectFailures, 0);
  });

  it('submits at a rate; every accepted share is one the nodes counted', async () => {
    const s = await submitUntil(1_000);
    assert.ok(s.sent >= 1_000);
    assert.equal(s.accepted + s.rejected, s.sent, 'every submit answered');
    assert.equal(s.lost, 0);
    // Possible: low difficulty (23, 1 in 65,536) and stale (21) around a stray block's job.
    for (const code of Object.keys(s.rejects)) assert.ok(['21', '23'].includes(code), code);
    await until('the nodes count what the harness was told', async () =>
      (await accepted()) === s.accepted ? true : undefined,
    );
    const [x, y] = await Promise.all([a.node.shareStats(), b.node.shareStats()]);
    assert.ok(x.verdicts.accepted > 0 && y.verdicts.accepted > 0, 'both nodes took shares');
  });

  it('times the notify of a new block on every connection, then submits on the new job', async () => {
    const before = await harness.stats();
    const { receipts } = await harness.arm();
    const t0 = process.hrtime.bigint();
    await new CoinRpc({ url: devnet.url }).call('generatetoaddress', [1, TEST_ADDRESS]);
    const ns = await receipts;
    assert.equal(ns.length, N);
    assert.ok(
      ns.every((r) => r !== null && r > t0),
      'a receipt after the trigger on every connection',
    );
    const after = await harness.stats();
    assert.ok(after.notifies >= before.notifies + N);
    // Shares on the old job would be stale (21): accepted ones are on the new job.
    const s = await submitUntil(500);
    assert.ok(s.accepted >= after.accepted + 500);
    // The harness was idle when the block came and every connection had its notify before
    // submitting again: nothing it sends now is on the old job. Only a stray block in this
    // window (one share in 65,536 is one) brings another job, and stale ones around it.
    const stale = (s.rejects['21'] ?? 0) - (after.rejects['21'] ?? 0);
    if (s.notifies === after.notifies) assert.equal(stale, 0, 'nothing stale');
    else
      assert.ok(
        s.notifies - after.notifies >= N,
        'a stray block brought a job to every connection',
      );
  });

  it('follows client.reconnect when a node drains: its connections move to the other', async () => {
    const before = await harness.stats();
    await b.stop(); // drain: client.reconnect to every miner, then the port closes
    bStopped = true;
    const s = await until('every connection authorized on the other node', async () => {
      const st = await harness.stats();
      return st.authorized === N && st.byTarget[addr(a)] === N ? st : undefined;
    });
    assert.equal(s.reconnects - before.reconnects, N / 2, 'one client.reconnect per moved miner');
    assert.equal(s.byTarget[addr(b)], 0);
    assert.equal(a.node.connections(), N);
    const after = await submitUntil(200);
    assert.ok(after.accepted >= s.accepted + 200, 'shares accepted on the remaining node');
  });

  it('after client.reconnect with no params, or a dropped connection, goes to another node', async () => {
    const fake = await startFakePool();
    const h = await startLoadHarness({
      targets: [fake.port, a.node.stratumPort].map((port) => ({ host: '127.0.0.1', port })),
      n: 20,
      userPrefix: `${TEST_ADDRESS}.m`,
      sources: SOURCES,
    });
    try {
      assert.equal((await h.ready()).authorized, 20);
      const fakeAddr = `127.0.0.1:${fake.port}`;
      assert.deepEqual((await h.stats()).byTarget, { [fakeAddr]: 10, [addr(a)]: 10 });
      fake.stopListening(); // connects to it are refused from now on
      fake.sockets.forEach((s, k) =>
        k % 2
          ? s.destroy()
          : s.end(`${JSON.stringify({ id: null, method: 'client.reconnect', params: [] })}\n`),
      );
      const s = await until('every connection on the node', async () => {
        const st = await h.stats();
        return st.authorized === 20 && st.byTarget[addr(a)] === 20 ? st : undefined;
      });
      assert.equal(s.reconnects, 5, 'client.reconnect followed');
      assert.equal(s.drops, 5, 'dropped by the pool');
      assert.ok(s.connectFailures >= 5, 'the reconnects tried the same (closed) address first');
      assert.equal(s.connects, 30);
    } finally {
      await h.close();
      fake.sockets.forEach((s) => s.destroy());
    }
  });
});
