// A node whose extranonce-prefix key is taken from under it (another node claimed it: the key
// expired in a partition, or an operator's mistake) must not keep handing that prefix out: the
// claim is suspended, resumed on a free prefix, and the sessions on the old prefix are told to
// reconnect; they come back under the new one. The node neither drains nor stops serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Kvm } from '@nats-io/kv';
import { connectNats } from '../../runtime/index.js';
import { DEFAULTS } from '../../topology/config.js';
import { prefixBucket } from '../../topology/prefix.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

/** A raw Stratum client: its extranonce1 once subscribed and authorized, and every line after. */
async function session(port: number): Promise<{ en1: string; lines: string[]; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port });
  const lines: string[] = [];
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  socket.write('{"id":1,"method":"mining.subscribe","params":["raw/1"]}\n');
  socket.write(`{"id":2,"method":"mining.authorize","params":["${TEST_ADDRESS}.raw","x"]}\n`);
  const en1 = await until('subscribed', () => {
    const reply = lines.map((l) => JSON.parse(l) as { id?: number; result?: unknown[] });
    const r = reply.find((m) => m.id === 1)?.result;
    return Array.isArray(r) ? String(r[1]) : undefined;
  });
  return { en1, lines, socket };
}

test('prefix moved - sessions on a lost prefix reconnect and come back under the new one', async () => {
  const pool = await startTestPool(
    {},
    {
      nodeId: 'pm1',
      cluster: 'pmoved',
      tuning: { ...DEFAULTS.tuning, prefixTtlSeconds: 3 },
    },
  );
  const nc = await connectNats([pool.nats.url], 'intruder');
  after(async () => {
    await nc.close();
    await pool.stop();
  });
  const first = await session(pool.node.stratumPort);
  const prefix = parseInt(first.en1.slice(0, 2), 16);
  const kv = await new Kvm(nc).open(prefixBucket('pmoved'));
  await kv.put(`p${prefix}`, 'intruder');

  await until('the session on the lost prefix is told to reconnect', () =>
    first.lines.some((l) => l.includes('"client.reconnect"')) ? true : undefined,
  );
  first.socket.destroy();
  const again = await session(pool.node.stratumPort);
  assert.notEqual(again.en1.slice(0, 2), first.en1.slice(0, 2), 'a new prefix');
  const newPrefix = parseInt(again.en1.slice(0, 2), 16);
  assert.equal((await kv.get(`p${newPrefix}`))?.string(), 'pm1', 'the node holds the new prefix');
  assert.equal(pool.node.runtime.draining, false, 'the node did not drain');
  const st = await pool.node.status();
  assert.equal(st.health.state, 'ok', st.health.reasons.join());
  again.socket.destroy();
});
