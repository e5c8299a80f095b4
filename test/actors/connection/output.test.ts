// Socket output - the lines a turn queues leave in one write per socket on the next tick, over
// real loopback sockets: many connections waiting for the same notify (the native fan-out),
// many with their own lines, ASCII or not (one buffer, each socket its own byte range), a few
// (each through its socket), and one whose stream still holds bytes (they go first).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { SocketOutput } from '../../../actors/connection/output.js';

class TestOutput extends SocketOutput {
  queue(line: string): void {
    this.send(line);
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
