// Socket output - the lines a turn queues leave in one write per socket on the next tick, over
// real loopback sockets: many connections waiting for the same notify (the native fan-out),
// many with their own lines, ASCII or not (one buffer, each socket its own byte range), a few
// (each through its socket), and one whose stream still holds bytes (they go first).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { SocketOutput } from '../../../actors/connection/output.js';

const LIMITS = { maxBytes: 1 << 20, stallMs: 1_000 };

class TestOutput extends SocketOutput {
  overflows: number[] = [];
  constructor(socket: Socket, limits = LIMITS) {
    super(socket, limits);
  }
  queue(line: string): void {
    this.send(line);
  }
  stalled(nowMs: number): boolean {
    return this.outputStalled(nowMs);
  }
  protected override overflowed(waiting: number): void {
    this.overflows.push(waiting);
    super.overflowed(waiting);
  }
}

/** `n` connected pairs: [server side, client side]. */
async function pairs(n: number): Promise<[Socket, Socket][]> {
  const accepted: Socket[] = [];
  const server = createServer((s) => void accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(port, '127.0.0.1');
    await once(c, 'connect');
    clients.push(c);
  }
  while (accepted.length < n) await new Promise((r) => setTimeout(r, 5));
  const byPort = new Map(clients.map((c) => [c.localPort, c]));
  after(() => {
    for (const s of [...accepted, ...clients]) s.destroy();
  });
  return accepted.map((s) => [s, byPort.get(s.remotePort as number) as Socket]);
}

/** Everything `s` reads until `bytes` have come, then a short pause for anything extra. */
async function read(s: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  s.on('data', (d: Buffer) => {
    chunks.push(d);
    got += d.length;
  });
  for (let i = 0; i < 500 && got < bytes; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  return Buffer.concat(chunks);
}

const notify = (tag: string): string =>
  `{"id":null,"method":"mining.notify","params":["${tag}","${'ab'.repeat(300)}"]}\n`;

test('socket output - one tick, every socket gets exactly its lines, whole and in order', async () => {
  const ps = await pairs(110);
  const outputs = ps.map(([s]) => new TestOutput(s));
  const expected: string[] = [];
  outputs.forEach((o, i) => {
    let lines: string[];
    if (i < 70)
      lines = ['{"id":null,"method":"mining.set_difficulty","params":[2]}\n', notify('j1')];
    else if (i < 80)
      lines = [notify('j2')]; // too few for a fan-out of their own
    else if (i < 100) lines = [`{"id":${i},"result":true,"error":null}\n`];
    else
      lines = [`{"id":${i},"result":null,"error":[23,"Low difficulty: rig-ü${'é'.repeat(i)}"]}\n`];
    for (const line of lines) o.queue(line);
    expected.push(lines.join(''));
  });
  // The set_difficulty + notify pair is one output per connection, shared by the first 70.
  const got = await Promise.all(ps.map(([, c], i) => read(c, Buffer.byteLength(expected[i]!))));
  got.forEach((b, i) => assert.equal(b.toString('utf8'), expected[i], `connection ${i}`));
  for (const o of outputs) assert.equal(o.pending, '');
});

test('socket output - a socket whose stream still holds bytes gets the new ones after them', async () => {
  const ps = await pairs(70); // a fan-out, one of whose sockets cannot take a direct send
  const [server] = ps[0]!;
  const earlier = '{"id":1,"result":true,"error":null}\n';
  server.cork(); // held in the stream while the kernel has room: a direct send would overtake
  server.write(earlier);
  assert.ok(server.writableLength > 0, 'bytes queued in the stream');
  const line = notify('late');
  for (const [s] of ps) new TestOutput(s).queue(line);
  await new Promise((r) => setImmediate(r));
  server.uncork();
  const got = await Promise.all(
    ps.map(([, c], i) => read(c, (i === 0 ? earlier.length : 0) + line.length)),
  );
  assert.equal(got[0]!.toString(), earlier + line, 'the queued bytes first');
  got.slice(1).forEach((b, i) => assert.equal(b.toString(), line, `connection ${i + 1}`));
});

test('socket output - a client that never reads: reading stops at half the limit, the line past it cuts the connection', async () => {
  const [server, client] = (await pairs(1))[0]!;
  client.pause(); // never reads
  const o = new TestOutput(server, { maxBytes: 256 * 1024, stallMs: 5_000 });
  const line = notify('flood');
  let sent = 0;
  while (o.overflows.length === 0 && sent < 100_000) {
    o.queue(line);
    sent++;
    if (sent % 50 === 0) await new Promise((r) => setImmediate(r)); // the tick's write
  }
  assert.equal(o.overflows.length, 1, 'cut once over the limit');
  assert.ok(o.overflows[0]! > 256 * 1024);
  assert.ok(server.destroyed, 'destroyed: what waited for it is dropped');
  assert.ok(sent * line.length < 8 * 1024 * 1024, `cut after ${sent} lines, not unbounded`);
});

test('socket output - backed up: reading pauses; a stall past stallMs is reported; draining resumes', async () => {
  const [server, client] = (await pairs(1))[0]!;
  client.pause();
  const o = new TestOutput(server, { maxBytes: 4 * 1024 * 1024, stallMs: 1_000 });
  const line = notify('slow');
  while (!server.isPaused()) {
    o.queue(line);
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(o.stalled(10_000), false, 'the first check starts the clock');
  assert.equal(o.stalled(10_999), false);
  assert.equal(o.stalled(11_000), true, 'over half the limit for stallMs');
  client.resume(); // the client reads again: the stream drains, reading resumes
  for (let i = 0; i < 200 && server.isPaused(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.isPaused(), false);
  assert.equal(o.stalled(20_000), false);
  assert.deepEqual(o.overflows, []);
});
