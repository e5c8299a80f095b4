// Hostile input on real sockets — garbage, a 1 MB line, invalid JSON, unknown methods,
// submit before subscribe, wrong types, a flood of invalid requests — gets a clear error or a
// disconnect, and an honest miner's shares keep flowing through all of it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { until } from '../helpers/until.js';
import type { NodeHandle } from '../../topology/node.js';
import { startTestPool, TEST_ADDRESS, type TestPool } from '../helpers/pool.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';

const ADDRESS = TEST_ADDRESS;
let pool: TestPool;
let node: NodeHandle;
let honest: StratumMiner;

before(async () => {
  // Network difficulty 1: no blocks interfere.
  pool = await startTestPool(
    { bits: 0x1d00ffff },
    { nodeId: 'h1', cluster: 'hostile', startDifficulty: 2 ** -14, targetShareSeconds: 1 },
  );
  node = pool.node;
  honest = new StratumMiner({
    host: '127.0.0.1',
    port: node.stratumPort,
    username: `${ADDRESS}.honest`,
    hashHeaders,
    maxHashesPerSec: 500_000,
  });
  await honest.start();
  await until(
    'the honest miner has accepted shares',
    () => honest.stats.accepted >= 3 || undefined,
  );
});

after(async () => {
  await honest.stop();
  await pool.stop();
});

let nextSource = 2;

/**
 * A raw client: collects reply lines and whether the server closed the socket. Each comes from
 * its own loopback address (127.0.0.N), since bans are per address; `from` reuses one.
 */
function rawClient(from?: string): {
  socket: Socket;
  lines: unknown[];
  closed: Promise<void>;
  send(s: string | Buffer): void;
  from: string;
} {
  const localAddress = from ?? `127.0.0.${nextSource++}`;
  const socket = connect({ host: '127.0.0.1', port: node.stratumPort, localAddress });
  socket.on('error', () => undefined);
  const lines: unknown[] = [];
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, lines, closed, send: (s) => socket.write(s), from: localAddress };
}

const errorCode = (m: unknown): number | undefined =>
  ((m as { error?: [number] | null }).error ?? undefined)?.[0];

test('hostile - garbage bytes get an error reply and a disconnect', async () => {
  const c = rawClient();
  c.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0a]));
  await c.closed;
  assert.equal(errorCode(c.lines[0]), 20);
});

test('hostile - invalid JSON gets an error reply and a disconnect', async () => {
  const c = rawClient();
  c.send('{"id": 1, "method": "mining.subscribe", "params": [\n');
  await c.closed;
  assert.equal(errorCode(c.lines[0]), 20);
});

test('hostile - a 1 MB line without a newline is cut off', async () => {
  const c = rawClient();
  c.send(Buffer.alloc(1024 * 1024, 0x41));
  await c.closed;
  assert.equal(c.lines.length, 0);
});

test('hostile - unknown methods, wrong types and submit before subscribe get coded errors; the session goes on', async () => {
  const c = rawClient();
  c.send('{"id":1,"method":"mining.fly","params":[]}\n');
  c.send('{"id":2,"method":"mining.submit","params":"nope"}\n');
  c.send('{"id":3,"method":"mining.submit","params":["w","j","00000000","00000000","00000000"]}\n');
  c.send('{"id":4,"method":"mining.subscribe","params":[]}\n');
  await until('four replies', () => c.lines.length >= 4 || undefined, 10_000, 20);
  const byId = new Map(c.lines.map((l) => [(l as { id: number }).id, l]));
  assert.equal(errorCode(byId.get(1)), 20);
  assert.equal(errorCode(byId.get(2)), 20);
  assert.equal(errorCode(byId.get(3)), 25);
  assert.ok(Array.isArray((byId.get(4) as { result: unknown }).result), 'subscribe still works');
  c.socket.destroy();
});

test('hostile - a flooding connection is closed; its address is banned at the third, while the honest miner keeps mining', async () => {
  const acceptedBefore = honest.stats.accepted;
  /** One connection from `from` that floods invalid shares until the node closes it. */
  const flood = async (from?: string) => {
    const c = rawClient(from);
    c.send('{"id":1,"method":"mining.subscribe","params":[]}\n');
    c.send(`{"id":2,"method":"mining.authorize","params":["${ADDRESS}.flood","x"]}\n`);
    const job = await until(
      'a job',
      () =>
        (
          c.lines.find((l) => (l as { method?: string }).method === 'mining.notify') as
            { params: string[] } | undefined
        )?.params[0],
      10_000,
      20,
    );
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 50 && !c.socket.destroyed; i++) {
        // extranonce2 of the wrong size: invalid on its face.
        c.send(
          `{"id":${100 + sent++},"method":"mining.submit","params":["${ADDRESS}.flood","${job}","00","00000000","00000000"]}\n`,
        );
      }
    }, 5);
    await c.closed;
    clearInterval(timer);
    assert.ok(sent >= 100, `the flood ran until it was closed (${sent} submits)`);
    assert.ok(
      c.lines.some((l) => errorCode(l) === 20),
      'invalid shares were answered with 20',
    );
    return c.from;
  };
  // Two strikes: the address (miners behind a NAT share it) may still connect.
  const from = await flood();
  await flood(from);
  const third = await flood(from);
  // The third strike bans it: refused at once on reconnect.
  const again = rawClient(third);
  await again.closed;
  assert.equal(again.lines.length, 0);
  const st = await node.status();
  assert.ok((st.stratum.bans['flood of invalid requests'] ?? 0) >= 1, JSON.stringify(st.stratum));
  assert.ok((st.stratum.refused['banned'] ?? 0) >= 1);
  await until(
    'the honest miner keeps getting shares accepted',
    () => honest.stats.accepted > acceptedBefore + 3 || undefined,
    30_000,
  );
});
