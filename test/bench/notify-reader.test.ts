// The bench's C++ notify reader against a plain `net` server standing in for the pool: it
// handshakes (or only connects), reports the first notify line, and after `arm` timestamps each
// socket's first mining.notify on the hrtime clock — including notifies whose method name is
// cut across writes (the rest 30+ ms later, a byte per write), so detection across reads is
// what gets timed.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNotifyReader, type NotifyReader } from '../helpers/notify-reader.js';
import { until } from '../helpers/until.js';

const N = 200;
const SPLIT_DELAY_MS = 30;
const SOURCES = ['127.0.0.1', '127.0.0.2'];
const PREFIX = 'bcrt1qtest.r';
const notify = (job: string): string =>
  `${JSON.stringify({ id: null, method: 'mining.notify', params: [job, '00'.repeat(32), true] })}\n`;

interface FakePool {
  server: Server;
  port: number;
  /** handshake: by the reader's socket index (from the username); else in accept order. */
  sockets: Socket[];
}

/** A stand-in pool: answers subscribe (naming mining.notify, as real pools do) and authorize. */
async function startFakePool(handshake: boolean): Promise<FakePool> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    if (!handshake) return void sockets.push(s);
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, nl)) as {
          id: number;
          method: string;
          params: string[];
        };
        buf = buf.slice(nl + 1);
        if (req.method === 'mining.subscribe') {
          const sub = [['mining.notify', 'ab']];
          s.write(`${JSON.stringify({ id: req.id, result: [sub, '0000beef', 4], error: null })}\n`);
        } else if (req.method === 'mining.authorize') {
          const user = String(req.params[0]);
          assert.ok(user.startsWith(PREFIX), user);
          sockets[Number(user.slice(PREFIX.length))] = s;
          s.write(`${JSON.stringify({ id: req.id, result: true, error: null })}\n` + notify('j0'));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port, sockets };
}

/**
 * Writes a notify to every socket at t0. For the odd ones the line is cut inside
 * "mining.notify" (after 1..12 of its letters); 30 ms later the rest of the name follows a byte
 * per write (reads shorter than the reader's kept tail), then the line's end. Returns t0 and
 * `last`, taken just before the writes completing every split name (≥ 40 ms after t0).
 */
async function fanOut(
  sockets: readonly Socket[],
  job: string,
): Promise<{ t0: bigint; last: bigint }> {
  const line = notify(job);
  const word = line.indexOf('mining.notify');
  const end = word + 'mining.notify'.length;
  const cut = (i: number): number => word + 1 + ((i >> 1) % 12);
  const t0 = process.hrtime.bigint();
  sockets.forEach((s, i) => s.write(i % 2 ? line.slice(0, cut(i)) : line));
  await sleep(SPLIT_DELAY_MS);
  let last = 0n;
  for (let at = word + 1; at < end; at++) {
    if (at === end - 1) last = process.hrtime.bigint();
    sockets.forEach((s, i) => i % 2 && at >= cut(i) && s.write(line.charAt(at)));
    await sleep(1);
  }
  sockets.forEach((s, i) => i % 2 && s.write(line.slice(end)));
  return { t0, last };
}

const min = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a));

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function setUp(handshake: boolean): Promise<{ pool: FakePool; reader: NotifyReader }> {
  const pool = await startFakePool(handshake);
  cleanup.push(
    () =>
      new Promise((r) => (pool.sockets.forEach((s) => s.destroy()), pool.server.close(() => r()))),
  );
  const reader = await startNotifyReader({
    host: '127.0.0.1',
    port: pool.port,
    n: N,
    userPrefix: PREFIX,
    handshake,
    sources: SOURCES,
  });
  cleanup.push(() => reader.close());
  // The reader sees `connect` before this server's accept callback runs.
  await until(
    'the server to hold every socket',
    () => pool.sockets.filter(Boolean).length === N,
    10_000,
    10,
  );
  return { pool, reader };
}

describe('notify reader (C++ child)', () => {
  it('handshakes, then times each socket’s first notify after arm, across split reads', async () => {
    const { pool, reader } = await setUp(true);
    assert.ok(reader.pid > 0);
    const first = JSON.parse(reader.notifyLine ?? 'null') as { method: string; params: unknown[] };
    assert.equal(first.method, 'mining.notify');
    assert.equal(first.params[0], 'j0');

    const { receipts } = await reader.arm();
    const { t0, last } = await fanOut(pool.sockets, 'j1');
    const ns = await receipts;
    assert.equal(ns.length, N);
    assert.ok(
      ns.every((r) => r > t0),
      'every receipt after the trigger',
    );
    // Indices match the server's sockets (by username): even ones whole, odd ones split.
    const whole = ns.filter((_, i) => i % 2 === 0);
    const split = ns.filter((_, i) => i % 2 === 1);
    assert.ok(
      min(split) >= t0 + BigInt(SPLIT_DELAY_MS) * 1_000_000n,
      'split ones wait for the rest',
    );
    assert.ok(min(split) > last, 'timed at the read completing the name');
    assert.ok(max(whole) < min(split), 'whole ones arrive before any split one completes');

    // A second round: re-armed, only notifies after this arm count.
    const again = await reader.arm();
    const t1 = process.hrtime.bigint();
    pool.sockets.forEach((s) => s.write(notify('j2')));
    const ns2 = await again.receipts;
    assert.ok(ns2.every((r) => r > t1));
  });

  it('connect-only mode (a bare server that sends nothing until told)', async () => {
    const { pool, reader } = await setUp(false);
    assert.equal(reader.notifyLine, null);
    const { receipts } = await reader.arm();
    const { t0, last } = await fanOut(pool.sockets, 'j1');
    const ns = await receipts;
    assert.equal(ns.length, N);
    assert.ok(ns.every((r) => r > t0));
    // Accept order is not the reader's index order, so count: half whole, half split.
    assert.equal(ns.filter((r) => r < last).length, N / 2);
    assert.equal(ns.filter((r) => r > last).length, N / 2);
  });

  it('a socket the server closes fails the round', async () => {
    const { pool, reader } = await setUp(false);
    pool.sockets[7]?.destroy();
    await assert.rejects(async () => {
      const { receipts } = await reader.arm();
      await receipts;
    }, /notify reader: socket \d+ closed/);
  });
});
