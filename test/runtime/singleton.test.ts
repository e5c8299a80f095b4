// Keyed singletons across three OS processes: one holder at a time; a holder paused with
// SIGSTOP loses the key and, once resumed, never acts on it again (its effects carry its
// fencing token); a holder killed with SIGKILL is replaced.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, type Runtime } from '../../runtime/index.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { startNodes, type NodeEvent, type NodeProcess } from './fixtures/nodes.js';
import { eventually, natsRuntime, sleep } from './fixtures/support.js';

const LEASE_TTL_MS = 1_500;

let server: NatsServer;
let nodes: NodeProcess[];
let client: Runtime;
let n = 0;

before(async () => {
  server = await startNatsServer();
  nodes = await startNodes(
    ['s1', 's2', 's3'].map((node) => ({
      servers: [server.url],
      node,
      singletonTtlMs: LEASE_TTL_MS,
    })),
  );
  client = await natsRuntime(server.url, 'client');
});

after(async () => {
  for (const p of nodes) p.signal('SIGKILL');
  await Promise.all(nodes.map((p) => p.exited));
  await client.drain();
  await server.stop();
});

type Hit = { node: string; fence: number };

/** One hit on the singleton; undefined when it failed (timeout while a holder is paused, ...). */
async function hit(timeoutMs = 1_000): Promise<Hit | undefined> {
  try {
    return await client.ask<Hit>(
      client.address('counter', 'main'),
      { type: 'hit', n: ++n },
      { timeoutMs },
    );
  } catch (err) {
    assert.ok(codeOf(err) !== undefined, `failures are coded: ${String(err)}`);
    return undefined;
  }
}

const effects = (p: NodeProcess, from = 0): NodeEvent[] =>
  p.events.slice(from).filter((e) => e.event === 'effect');
const byName = (name: string): NodeProcess => nodes.find((p) => p.name === name) as NodeProcess;

describe('keyed singletons', () => {
  it('runs exactly one holder, fences a paused one, and replaces a killed one', async () => {
    const first = await eventually('a holder answers', () => hit());
    const holder = byName(first.node);
    const acquiredBy = nodes.filter((p) => p.events.some((e) => e.event === 'acquired'));
    assert.deepEqual(
      acquiredBy.map((p) => p.name),
      [holder.name],
      'one node acquired the lease',
    );

    // The holder reports each effect on stdout after replying: wait until the first one has
    // been read, so it is not mistaken for an effect after the pause.
    const firstN = n;
    await holder.waitFor(
      (e) => e.event === 'effect' && e['n'] === firstN,
      'the first effect is reported',
    );
    holder.signal('SIGSTOP');
    const pausedAt = holder.events.length;
    const second = await eventually('another node takes the key', async () => {
      const h = await hit();
      return h !== undefined && h.node !== holder.name ? h : undefined;
    });
    assert.ok(second.fence > first.fence, 'the new fencing token is greater');
    const sentWhilePaused = n;

    holder.signal('SIGCONT');
    await holder.waitFor(
      (e) => e.event === 'stopped' && e['reason'] === 'lease-lost',
      'old holder stops',
    );
    await holder.command('ping');
    await sleep(200);
    await holder.command('ping');
    const stale = effects(holder, pausedAt);
    assert.deepEqual(stale, [], 'the resumed old holder did not act on any buffered message');
    assert.ok(sentWhilePaused > 1, 'messages were sent while the holder was paused');
    assert.ok(
      effects(holder).every((e) => e['fence'] === first.fence),
      'every effect of the old holder carries its own fence',
    );

    const current = byName(second.node);
    current.signal('SIGKILL');
    await current.exited;
    const third = await eventually('a survivor takes the key after SIGKILL', async () => {
      const h = await hit();
      return h !== undefined && h.node !== current.name ? h : undefined;
    });
    assert.ok(third.fence > second.fence);
    const holders = nodes
      .filter((p) => p !== current)
      .flatMap((p) => effects(p).filter((e) => e['fence'] === third.fence));
    assert.ok(
      holders.every((e) => e.node === third.node),
      'only the new holder acts under its fence',
    );
  });
});
