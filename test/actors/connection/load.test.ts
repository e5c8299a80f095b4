// The node's submits in flight (load.ts) on real loopback sockets: past the limit the socket
// that adds more is no longer read (its peer's bytes wait in the kernel), at half of it every
// paused socket is read again, and a connection that closes takes its submits off the count.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { SubmitLoad } from '../../../actors/connection/load.js';
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

test('submit load - over the limit the socket that adds more is not read; at half, all are again', async () => {
  const { sockets, clients, read, close } = await pairs(2);
  const [a, b] = sockets as [Socket, Socket];
  const overs: number[] = [];
  const load = new SubmitLoad(10, () => overs.push(load.pending));
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
    load.settle(a, 8, 4); // answers: 9 in flight, still over half
    assert.equal(b.isPaused(), true);
    load.settle(a, 4, 6); // a adds more while over: a is not read either
    assert.deepEqual(load.stats(), { pending: 11, paused: 2, episodes: 1 });
    load.settle(b, 5, 0); // 6: over half still
    assert.equal(load.stats().paused, 2);
    load.settle(a, 6, 0);
    assert.deepEqual(load.stats(), { pending: 0, paused: 0, episodes: 1 });
    assert.equal(a.isPaused() || b.isPaused(), false, 'both read again');
    await until('b reads what waited', () => (read[1] === 1000 ? true : undefined));
    load.settle(a, 0, 11);
    assert.equal(load.stats().episodes, 2, 'a second time over');
    load.closed(a, 11);
    assert.deepEqual(load.stats(), { pending: 0, paused: 0, episodes: 2 }, 'closed: off the count');
    assert.deepEqual(overs, [13, 11]);
    assert.throws(() => new SubmitLoad(0), /positive integer/);
  } finally {
    close();
  }
});
