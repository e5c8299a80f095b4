// SIGTERM drain of a node process: it stops taking work, finishes what it accepted, releases
// its lease so the other node takes the singleton at once, and exits 0; no ask is dropped.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Runtime } from '../../runtime/index.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { NodeProcess } from './fixtures/nodes.js';
import { natsRuntime } from './fixtures/support.js';

/** Long enough that a takeover within the test's deadline can only come from a release. */
const LEASE_TTL_MS = 120_000;

let server: NatsServer;
let client: Runtime;
const started: NodeProcess[] = [];

before(async () => {
  server = await startNatsServer();
  client = await natsRuntime(server.url, 'client', { askTimeoutMs: 60_000 });
});

after(async () => {
  for (const p of started) p.signal('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  await client.drain();
  await server.stop();
});

function start(node: string): NodeProcess {
  const p = new NodeProcess({
    servers: [server.url],
    node,
    work: true,
    singletonTtlMs: LEASE_TTL_MS,
  });
  started.push(p);
  return p;
}

describe('drain on SIGTERM', () => {
  it('answers every in-flight ask, hands the lease over, and exits 0', async () => {
    const d1 = start('d1');
    await d1.waitFor((e) => e.event === 'acquired', 'd1 holds the singleton');
    const d2 = start('d2');
    await d2.waitFor((e) => e.event === 'ready', 'd2 ready');

    const pool = client.address('work', 'pool');
    const asks = Array.from({ length: 24 }, (_, id) =>
      client.ask<{ id: number; node: string }>(pool, { type: 'work', id, ms: 150 }),
    );
    await d1.waitFor((e) => e.event === 'work-started', 'd1 is working');
    d1.signal('SIGTERM');

    const replies = await Promise.all(asks);
    assert.deepEqual(
      replies.map((r) => r.id),
      Array.from({ length: 24 }, (_, id) => id),
    );
    const exit = await d1.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(d1.events.some((e) => e.event === 'exit' && e['code'] === 0));
    const startedOnD1 = d1.events.filter((e) => e.event === 'work-started').length;
    assert.ok(startedOnD1 >= 1);
    assert.equal(
      replies.filter((r) => r.node === 'd1').length,
      startedOnD1,
      'every ask d1 started was answered by d1',
    );
    assert.ok(d1.events.some((e) => e.event === 'stopped' && e['reason'] === 'drained'));
    await d2.waitFor((e) => e.event === 'acquired', 'd2 takes the released singleton', 60_000);
    const hit = await client.ask<{ node: string }>(client.address('counter', 'main'), {
      type: 'hit',
      n: 1,
    });
    assert.equal(hit.node, 'd2');
  });
});
