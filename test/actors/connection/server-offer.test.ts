// A node that joined late is offered the current job by the Job leader's reply, not by a
// broadcast. Its connections, live and to come, must all be told that one value: the runtime
// copies a local tell unless the value is frozen as a broadcast is, and a copy per connection
// (its notify, and the announcement built from it) cost ~2 KB a miner on the nodes of a cluster.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { Runtime } from '../../../runtime/index.js';
import type { JobAnnouncement } from '../../../actors/connection/messages.js';
import { cleanJob, startTestStratumServer } from './session-harness.js';
import { LoadClient, newLoadStats } from '../../helpers/stratum-load.js';
import { until } from '../../helpers/until.js';

const rt = new Runtime({ cluster: 't', node: 'n1', log: pino({ level: 'silent' }) });
/** Every distinct object the server converted into an announcement. */
const converted = new Set<object>();
const server = await startTestStratumServer(rt, (msg) => {
  const m = msg as { type?: unknown; job?: JobAnnouncement };
  if (m?.type !== 'job.new' || m.job === undefined) return null;
  converted.add(msg as object);
  return m.job;
});
after(async () => {
  await rt.drain();
});

test('connections before and after the offer are told the one offered job, not copies', async () => {
  const open = (name: string) =>
    LoadClient.open({
      host: '127.0.0.1',
      port: server.port,
      username: name,
      stats: newLoadStats(),
    });
  // Each resolves once its first notify came: the first three only after the offer.
  const before = ['a', 'b', 'c'].map(open);
  await until('three miners connected before the offer', () =>
    server.connections === 3 ? true : undefined,
  );
  // What the leader's reply decodes to: a plain object, as an ask delivers it.
  const job = cleanJob('j1');
  server.offer({ type: 'job.new', job: { ...job, notify: [...job.notify] } });
  const miners = await Promise.all([...before, ...['d', 'e', 'f'].map(open)]);
  for (const m of miners) assert.equal(m.notify?.[0], 'j1', 'every miner got the offered job');
  assert.equal(converted.size, 1, `one announcement for six connections, not ${converted.size}`);
  for (const m of miners) m.socket.destroy();
});
