// The node's submits in flight (load.ts) on real loopback sockets: past the limit the socket
// that adds more is no longer read (its peer's bytes wait in the kernel), as room frees the
// longest paused are read again, and a connection that closes takes its submits off the count;
// and the read holds (reading.ts) by which the output's pause and the node's never undo each
// other.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { SubmitLoad } from '../../../actors/connection/load.js';
import {
  heldFor,
  holdReading,
  NODE_OVER_LIMIT,
  OUTPUT_BACKED_UP,
  releaseReading,
} from '../../../actors/connection/reading.js';
import { until } from '../../helpers/until.js';

/** `n` server-side sockets, each counting the bytes it reads, and their clients. */
async function pairs(n: number) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted: Socket[] = [];
  server.on('connection', (s) => accepted.push(s));
  const clients: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(port, '127.0.0.1');
    await once(c, 'connect');
    clients.push(c);
  }
  await until('accepted', () => (accepted.length === n ? true : undefined));
  const read = accepted.map(() => 0);
  accepted.forEach((s, i) => s.on('data', (d: Buffer) => void (read[i]! += d.length)));
  const close = () => {
    for (const s of [...clients, ...accepted]) s.destroy();
    server.close();
  };
  return { sockets: accepted, clients, read, close };
}

test('submit load - over the limit the socket that adds more is not read; as room frees, the longest paused first', async () => {
  const { sockets, clients, read, close } = await pairs(2);
  const [a, b] = sockets as [Socket, Socket];
  const overs: number[] = [];
  // At most 2 in flight per connection: each 2 of room lets one paused socket be read again.
  const load = new SubmitLoad(10, 2, () => overs.push(load.stats().pending));
  try {
    load.settle(a, 0, 8);
    assert.equal(a.isPaused(), false, 'under the limit: read');
    load.settle(b, 0, 5);
    assert.deepEqual(load.stats(), { pending: 13, paused: 1, episodes: 1 });
    assert.equal(b.isPaused(), true, 'the one that took it over');
    assert.equal(a.isPaused(), false, 'the other is still read');
    clients[1]!.write('x'.repeat(1000));
    clients[0]!.write('y'.repeat(10));
    await until('a reads', () => (read[0] === 10 ? true : undefined));
    assert.equal(read[1], 0, 'what b sent waits in the kernel');
    load.settle(a, 8, 4); // answers: 9 in flight, room for less than one connection
    assert.equal(b.isPaused(), true);
    load.settle(a, 4, 6); // a adds more while over: a is not read either
    assert.deepEqual(load.stats(), { pending: 11, paused: 2, episodes: 1 });
    load.settle(b, 5, 3); // 9 in flight: no room for one
    assert.deepEqual([b.isPaused(), a.isPaused()], [true, true]);
    load.settle(b, 3, 2); // 8: room for one, the longest paused
    assert.deepEqual([b.isPaused(), a.isPaused()], [false, true]);
    await until('b reads what waited', () => (read[1] === 1000 ? true : undefined));
    load.settle(b, 2, 0); // 6: room for two, but only a waits (over half: still one per step)
    assert.equal(a.isPaused(), false);
    load.settle(a, 6, 0);
    assert.deepEqual(load.stats(), { pending: 0, paused: 0, episodes: 1 });
    assert.equal(a.isPaused(), false, 'read again');
    load.settle(a, 0, 11);
    assert.equal(load.stats().episodes, 2, 'a second time over');
    load.closed(a, 11);
    assert.deepEqual(load.stats(), { pending: 0, paused: 0, episodes: 2 }, 'closed: off the count');
    assert.deepEqual(overs, [13, 11]);
    assert.throws(() => new SubmitLoad(0, 4), /positive integer/);
    // At half the limit every paused socket is read again, whatever the step.
    const big = new SubmitLoad(10, 100);
    big.settle(a, 0, 12);
    big.settle(b, 0, 1);
    assert.equal(big.stats().paused, 2);
    big.settle(a, 12, 6); // 7: over half, room 3 < step 5
    assert.equal(big.stats().paused, 2);
    big.settle(a, 6, 4); // 5: half
    assert.deepEqual(big.stats(), { pending: 5, paused: 0, episodes: 1 });
  } finally {
    close();
  }
});

test('reading holds - a socket is read again only once neither its output nor the node holds it', async () => {
  const { sockets, clients, read, close } = await pairs(1);
  const [s] = sockets as [Socket];
  try {
    holdReading(s, OUTPUT_BACKED_UP);
    holdReading(s, NODE_OVER_LIMIT);
    releaseReading(s, NODE_OVER_LIMIT); // the node has room again; the output is still backed up
    assert.equal(s.isPaused(), true);
    assert.deepEqual([heldFor(s, OUTPUT_BACKED_UP), heldFor(s, NODE_OVER_LIMIT)], [true, false]);
    releaseReading(s, NODE_OVER_LIMIT); // not held for it: changes nothing
    assert.equal(s.isPaused(), true);
    clients[0]!.write('z'.repeat(100));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(read[0], 0, 'not read while held');
    releaseReading(s, OUTPUT_BACKED_UP);
    assert.equal(s.isPaused(), false);
    await until('read again', () => (read[0] === 100 ? true : undefined));
  } finally {
    close();
  }
});

test('submit load - lines read and not yet taken count: a read before the turn may hold its socket; taking them makes room', async () => {
  const { sockets, close } = await pairs(2);
  const [a, b] = sockets as [Socket, Socket];
  const load = new SubmitLoad(10, 2);
  try {
    load.read(a, 8);
    assert.equal(a.isPaused(), false, 'under the limit: read on');
    // b's read takes the node over before any turn counted a submit: b reads no more.
    load.read(b, 5);
    assert.deepEqual(load.stats(), { pending: 0, paused: 1, episodes: 1 });
    assert.equal(b.isPaused(), true);
    // a's turn: its 8 lines were 8 submits; b's turn: its 5 lines were no submits.
    load.settle(a, 0, 8, 8);
    assert.equal(b.isPaused(), true, '8 in flight, 5 lines untaken: over the limit');
    // Taking lines that were no submits makes room as an answer does (2: one connection's step).
    load.settle(b, 0, 0, 5);
    assert.equal(b.isPaused(), false, '8 in flight, nothing untaken: b is read again');
    load.settle(a, 8, 5);
    // A connection that closes with lines untaken takes them off the count.
    load.read(a, 20);
    assert.equal(a.isPaused(), true);
    load.closed(a, 5);
    assert.deepEqual(load.stats(), { pending: 0, paused: 0, episodes: 2 });
    load.read(a, 50); // what it reads while it ends counts for nothing
    load.read(b, 10);
    assert.equal(b.isPaused(), false, 'the closed one left nothing behind');
  } finally {
    close();
  }
});
