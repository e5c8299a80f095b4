// A node that joined late is offered the current job by the Job leader's reply, not by a
// broadcast. Its connections, live and to come, must all be told that one value: the runtime
// copies a local tell unless the value is frozen as a broadcast is, and a copy per connection
// (its notify, and the announcement built from it) cost ~2 KB a miner on the nodes of a cluster.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import pino from 'pino';
import { Runtime } from '../../../runtime/index.js';
import { startStratumServer } from '../../../actors/connection/server.js';
import type { JobAnnouncement } from '../../../actors/connection/messages.js';
import { hashDialect } from '../../../actors/connection/dialect.js';
import { cleanJob, config } from './session-harness.js';

const rt = new Runtime({ cluster: 't', node: 'n1', log: pino({ level: 'silent' }) });
/** Every distinct object the server converted into an announcement. */
const converted = new Set<object>();
const server = await startStratumServer(rt, {
  host: '127.0.0.1',
  port: 0,
  extranoncePrefix: 1,
  maxConnections: 100,
  maxConnectionsPerIp: 100,
  maxLineBytes: 4096,
  lineMs: 10_000,
  banMs: 60_000,
  banStrikes: 10,
  strikeWindowMs: 60_000,
  output: { maxBytes: 1 << 20, stallMs: 10_000 },
  tickMs: 60_000,
  share: rt.address('share', 'n1'),
  jobsTopic: rt.topic('jobs'),
  sessionContext: (nowMs) => ({
    nowMs,
    config,
    dialect: hashDialect,
    resolveAccount: () => ({ ok: true }),
  }),
  toAnnouncement: (msg) => {
    const m = msg as { type?: unknown; job?: JobAnnouncement };
    if (m?.type !== 'job.new' || m.job === undefined) return null;
    converted.add(msg as object);
    return m.job;
  },
});
after(async () => {
  await rt.drain();
});

/** A miner that subscribed and authorized; `notified` resolves with its first notify. */
async function miner(name: string): Promise<{ socket: Socket; notified: Promise<unknown[]> }> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  let buf = '';
  const notified = new Promise<unknown[]>((resolve) =>
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n').slice(0, -1)) {
        const m = JSON.parse(line) as { method?: string; params?: unknown[] };
        if (m.method === 'mining.notify') resolve(m.params!);
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    }),
  );
  socket.write(
    `${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n` +
      `${JSON.stringify({ id: 2, method: 'mining.authorize', params: [name, ''] })}\n`,
  );
  return { socket, notified };
}

test('connections before and after the offer are told the one offered job, not copies', async () => {
  const before = await Promise.all(['a', 'b', 'c'].map((n) => miner(n)));
  // What the leader's reply decodes to: a plain object, as an ask delivers it.
  const job = cleanJob('j1');
  server.offer({ type: 'job.new', job: { ...job, notify: [...job.notify] } });
  const later = await Promise.all(['d', 'e', 'f'].map((n) => miner(n)));
  const notifies = await Promise.all([...before, ...later].map((m) => m.notified));
  for (const n of notifies) assert.equal(n[0], 'j1', 'every miner got the offered job');
  assert.equal(converted.size, 1, `one announcement for six connections, not ${converted.size}`);
  for (const m of [...before, ...later]) m.socket.destroy();
});
