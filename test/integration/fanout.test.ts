// A new job reaching many connections at once goes out through the native fan-out (one send(2)
// per socket): every miner gets the same complete notify line, a miner that stopped reading
// still gets every byte in order once it reads again, and shares on the new job are answered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { sendToMany } from '../../native/index.js';
import { newLoadStats, openClients, type LoadClient } from '../helpers/stratum-load.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const CLIENTS = 150; // above the fan-out's 64-connection threshold

test('fan-out - a new block reaches every connection once, whole and in order', async () => {
  const pool = await startTestPool(
    { bits: 0x207fffff, txsPerBlock: 3 },
    {
      nodeId: 'fan',
      cluster: 'fanout',
      refreshSeconds: 3600,
      ...{ startDifficulty: 2 ** -32, minDifficulty: 2 ** -32, maxDifficulty: 2 ** -32 },
    },
  );
  const stats = newLoadStats();
  let clients: LoadClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await pool.stop();
  });
  clients = await openClients(CLIENTS, {
    host: '127.0.0.1',
    port: pool.node.stratumPort,
    localAddresses: ['127.0.0.1'],
    username: (i) => `${TEST_ADDRESS}.f${i}`,
    stats,
  });
  // One more miner subscribes and then stops reading: what the node sends it waits in the
  // kernel and in its socket, and must arrive whole and in order once it reads again.
  const stalled = connect(pool.node.stratumPort, '127.0.0.1');
  const received: Buffer[] = [];
  stalled.on('data', (d: Buffer) => void received.push(d));
  stalled.write(
    `{"id":1,"method":"mining.subscribe","params":[]}\n` +
      `{"id":2,"method":"mining.authorize","params":["${TEST_ADDRESS}.stalled","x"]}\n`,
  );
  await until('the stalled miner has its first job', () =>
    Buffer.concat(received).includes('mining.notify') ? true : undefined,
  );
  stalled.pause();
  const rpc = new CoinRpc({ url: pool.devnet.url });
  const seen = clients.map(() => new Set<string>());
  clients.forEach((c, i) => {
    c.onNotify = (client) => void seen[i]?.add(String((client.notify as unknown[])[0]));
  });
  const jobs: string[] = [String((clients[0]?.notify as unknown[])[0])];
  for (let r = 0; r < 5; r++) {
    const hashes = await rpc.call<string[]>('generatetoaddress', [1, TEST_ADDRESS]);
    assert.equal(hashes.length, 1);
    const job = await until(`round ${r}: every miner has a new clean job`, () => {
      const first = clients[0]?.notify as unknown[];
      const id = String(first[0]);
      if (jobs.includes(id) || first[8] !== true) return undefined;
      return clients.every((c) => String((c.notify as unknown[])[0]) === id) ? id : undefined;
    });
    jobs.push(job);
  }
  // Every reading miner parsed (JSON) a notify for every new job: nothing torn or lost.
  for (const [i, s] of seen.entries())
    for (const j of jobs.slice(1)) assert.ok(s.has(j), `client ${i} missed job ${j}`);
  stalled.resume();
  const notified = await until('the stalled miner catches up', () => {
    const text = Buffer.concat(received).toString('utf8');
    if (!text.endsWith('\n')) return undefined;
    const ids = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { method?: string; params?: unknown[] })
      .filter((m) => m.method === 'mining.notify')
      .map((m) => String(m.params?.[0]));
    return jobs.every((j) => ids.includes(j)) ? ids : undefined;
  });
  assert.deepEqual(
    notified.filter((id) => jobs.includes(id)),
    jobs,
    'the stalled miner got every job once, in order',
  );
  stalled.destroy();
  // Shares on the new job are answered on every connection (the socket still works both ways).
  const before = stats.accepted;
  for (const c of clients) c.startSubmitting(1);
  await until('a share answered on every connection', () =>
    stats.accepted - before >= CLIENTS ? true : undefined,
  );
  for (const c of clients) c.stopSubmitting();
  // Only "stale" may come back: a share racing the job the tip poll re-issues for the new block.
  assert.deepEqual(
    Object.keys(stats.rejects).filter((code) => code !== '21'),
    [],
  );
  if (sendToMany === null) console.log('# addon not loaded: this ran the socket.write path');
});
