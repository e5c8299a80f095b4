// Our miner and client.reconnect, against scripted Stratum servers: [host, port, wait] moves it
// to the named address (the port as a string, as ckpool and Colliery send it, or a number);
// shares already sent are answered before it leaves and nothing more is submitted there; a
// named address that cannot be reached sends it back to the address it was started with.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { hashHeaders } from '../../native/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { freePort } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';

interface Scripted {
  readonly server: Server;
  readonly port: number;
  /** Every connection's socket and the requests it sent, in order. */
  readonly sessions: { socket: Socket; methods: string[] }[];
}

const NOTIFY = {
  id: null,
  method: 'mining.notify',
  params: [
    'j1',
    '00'.repeat(32),
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20',
    'ffffffff0100f2052a010000001976a914000000000000000000000000000000000000000088ac00000000',
    [],
    '20000000',
    '207fffff',
    '5f5e1000',
    true,
  ],
};

/** A Stratum server that subscribes, authorizes, sends one job, and accepts every share. */
async function scripted(): Promise<Scripted> {
  const sessions: Scripted['sessions'] = [];
  const server = createServer((socket) => {
    const session = { socket, methods: [] as string[] };
    sessions.push(session);
    let buf = '';
    const send = (m: unknown) => socket.write(`${JSON.stringify(m)}\n`);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, i)) as { id: number; method: string };
        buf = buf.slice(i + 1);
        session.methods.push(req.method);
        if (req.method === 'mining.subscribe')
          send({ id: req.id, result: [[], '00000001', 4], error: null });
        else if (req.method === 'mining.authorize') {
          send({ id: req.id, result: true, error: null });
          send({ id: null, method: 'mining.set_difficulty', params: [2 ** -20] });
          send(NOTIFY);
        } else if (req.method === 'mining.submit') send({ id: req.id, result: true, error: null });
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  after(() => {
    for (const s of sessions) s.socket.destroy();
    server.close();
  });
  return { server, port, sessions };
}

function miner(port: number): StratumMiner {
  const m = new StratumMiner({
    host: '127.0.0.1',
    port,
    username: 'addr.rig',
    hashHeaders,
    maxHashesPerSec: 50_000,
    persistent: true,
  });
  after(() => m.stop());
  return m;
}

const reconnect = (params: unknown[]) =>
  `${JSON.stringify({ id: null, method: 'client.reconnect', params })}\n`;

test('miner - client.reconnect [host, port, wait] moves it there; shares sent are answered first', async () => {
  const from = await scripted();
  const to = await scripted();
  const m = miner(from.port);
  const told: (string | null)[] = [];
  m.on('reconnect-requested', (at: string | null) => told.push(at));
  // Its counts as it leaves the first server (not later: by then it may have a share in
  // flight on the second).
  let leaving: { submitted: number; accepted: number } | null = null;
  m.once('reconnect-requested', () => m.once('disconnected', () => (leaving = { ...m.stats })));
  await m.start();
  await until('shares accepted on the first server', () =>
    m.stats.accepted >= 2 ? true : undefined,
  );
  from.sessions[0]!.socket.write(reconnect(['127.0.0.1', String(to.port), 0]));
  await until('authorized on the named server', () =>
    to.sessions[0]?.methods.includes('mining.authorize') ? true : undefined,
  );
  assert.deepEqual(told, [`127.0.0.1:${to.port}`]);
  assert.equal(m.pool, `127.0.0.1:${to.port}`);
  const before = m.stats.accepted;
  await until('mining on there', () => (m.stats.accepted > before ? true : undefined));
  // Every share it sent there was answered before it left (the first server answers each at
  // once), and none was sent after the request to move.
  const left = leaving as { submitted: number; accepted: number } | null;
  assert.ok(left !== null && left.submitted >= 2);
  assert.equal(left.submitted, left.accepted);
  const sentThere = from.sessions[0]!.methods.filter((x) => x === 'mining.submit').length;
  assert.equal(sentThere, left.submitted);

  // A number port works too; without params it stays where it is.
  to.sessions[0]!.socket.write(reconnect(['127.0.0.1', from.port]));
  await until('back on the first server', () => (from.sessions.length === 2 ? true : undefined));
  from.sessions[1]!.socket.write(reconnect([]));
  await until('reconnected to the same address', () =>
    from.sessions.length === 3 ? true : undefined,
  );
  assert.deepEqual(told, [`127.0.0.1:${to.port}`, `127.0.0.1:${from.port}`, null]);
});

test('miner - a named address that cannot be reached sends it back to its own', async () => {
  const home = await scripted();
  const m = miner(home.port);
  await m.start();
  const nowhere = await freePort(); // nothing listens there
  home.sessions[0]!.socket.write(reconnect(['127.0.0.1', String(nowhere), 0]));
  await until('back on its own address', () =>
    home.sessions[1]?.methods.includes('mining.authorize') ? true : undefined,
  );
  assert.equal(m.pool, `127.0.0.1:${home.port}`);
});
