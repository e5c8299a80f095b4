// A node asked for more than it verifies (--node-pending-submits): on real sockets, 4 clients
// each pour 5,000 valid submits at a node that may hold 50 in flight, beside an honest miner.
// Past the limit the node stops reading the sockets that send more (their submits wait in the
// kernel), so its submits in flight stay within one socket read per connection of the limit
// instead of growing with the flood; every submit is answered exactly once and accepted
// (pausing refuses nothing), and the honest miner mines on.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startDevnet, type Devnet } from '../../topology/devnet/index.js';
import type { NodeHandle } from '../../topology/node.js';
import { localMiner } from '../helpers/miners.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import type { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { until } from '../helpers/until.js';

const LIMIT = 50;
const CLIENTS = 4;
const WRITES = 50;
const PER_WRITE = 100;
/** Submit lines in one socket read (64 KB) at most, rounded up: ~140 bytes each. */
const PER_READ = 500;

let nats: NatsServer;
let devnet: Devnet;
let pool: { node: NodeHandle; stop(): Promise<void> };
let honest: StratumMiner;

before(async () => {
  nats = await startNatsServer();
  devnet = await startDevnet({ bits: 0x1d00ffff }); // network difficulty 1: no block
  pool = await startTestNode(nats, devnet.url, {
    nodeId: 'o1',
    cluster: 'overload',
    ...pinnedDifficulty(2 ** -32), // any nonce is a share
    // No per-connection cap in the way: a read of what waited while paused is taken whole.
    tuning: {
      nodePendingSubmits: LIMIT,
      pendingSubmits: 100_000,
      submitsPerSecond: 1_000_000,
    } as never,
  });
  // At 2^-32 every hash is a share: 100 hashes/s is 100 submits/s.
  honest = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.honest`, 100);
  await honest.start();
  await until('the honest miner mines', () => (honest.stats.accepted >= 3 ? true : undefined));
});

after(async () => {
  await honest?.stop();
  await pool?.stop();
  await devnet?.close();
  await nats?.stop();
});

type Line = {
  id?: number | null;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: unknown;
};

/** A client that subscribes, authorizes and waits for its job; its answers by request id. */
async function flooder(k: number) {
  const socket: Socket = connect({ host: '127.0.0.1', port: pool.node.stratumPort });
  socket.on('error', () => undefined);
  const lines: Line[] = [];
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)) as Line);
      buf = buf.slice(i + 1);
    }
  });
  const user = `${TEST_ADDRESS}.f${k}`;
  socket.write(
    '{"id":1,"method":"mining.subscribe","params":[]}\n' +
      `{"id":2,"method":"mining.authorize","params":["${user}","x"]}\n`,
  );
  const sub = await until('subscribed', () => lines.find((l) => l.id === 1));
  const size = (sub.result as [unknown, string, number])[2];
  const job = await until('a job', () => lines.find((l) => l.method === 'mining.notify'));
  const [jobId, , , , , , , ntime] = job.params as string[];
  let id = 100;
  const write = () => {
    let out = '';
    for (let i = 0; i < PER_WRITE; i++, id++) {
      const en2 = id.toString(16).padStart(size * 2, '0');
      out += `{"id":${id},"method":"mining.submit","params":["${user}","${jobId}","${en2}","${ntime}","00000000"]}\n`;
    }
    socket.write(out);
  };
  return { socket, lines, write, sent: () => id - 100 };
}

test('overload - past --node-pending-submits the node stops reading; every submit is answered once', async () => {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, k) => flooder(k)));
  const honestBefore = honest.stats.accepted;
  let peak = 0;
  const watch = setInterval(
    () =>
      void pool.node.status().then((st) => (peak = Math.max(peak, st.stratum.load?.pending ?? 0))),
    5,
  );
  for (let w = 0; w < WRITES; w++) for (const c of clients) c.write();
  const total = CLIENTS * WRITES * PER_WRITE;
  const answers = (c: (typeof clients)[number]) => c.lines.filter((l) => (l.id ?? 0) >= 100);
  await until('every submit answered', () =>
    clients.every((c) => answers(c).length >= c.sent()) ? true : undefined,
  );
  clearInterval(watch);
  const all = clients.flatMap(answers);
  assert.equal(all.length, total, 'each answered once');
  for (const c of clients)
    assert.equal(new Set(answers(c).map((l) => l.id)).size, c.sent(), 'no id twice, none missing');
  // Pausing refuses nothing: every submit is accepted, but for the odd hash over the 2^-32
  // target (23: one in 65,536).
  const refused = all.filter((l) => l.result !== true).map((l) => (l.error as unknown[])[0]);
  assert.ok(refused.length < 10 && refused.every((code) => code === 23), `refused: ${refused}`);
  const st = (await pool.node.status()).stratum.load;
  assert.ok(st !== null && st.episodes >= 1, 'the node went over its limit and stopped reading');
  assert.equal(st.paused, 0, 'and reads every socket again');
  await until('nothing in flight', async () =>
    (await pool.node.status()).stratum.load?.pending === 0 ? true : undefined,
  );
  // At most one read per connection past the limit: never the whole flood at once.
  assert.ok(peak > LIMIT, `peak ${peak} in flight: the flood did take it over`);
  assert.ok(peak <= LIMIT + (CLIENTS + 1) * PER_READ, `peak ${peak} in flight, of ${total}`);
  await until('the honest miner mines on', () =>
    honest.stats.accepted > honestBefore + 3 ? true : undefined,
  );
  for (const c of clients) c.socket.destroy();
});
