// sendToMany, the native Stratum fan-out: one buffer to many real loopback sockets, split over
// threads; a peer that does not read gets a short count and the rest goes through its socket
// in order; bad and closed descriptors are reported per socket, never a crash. sendEach, the
// same for each socket's own slice of one buffer (a tick's verdicts). Both, the same tests, by
// each way the addon sends: a batch per io_uring_enter (where the kernel allows io_uring) and
// one send(2) each.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sendBackend, sendEach, sendToMany, type SendBackend } from '../../native/index.js';

const fdOf = (s: Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;

/** `n` connected pairs: [server side, client side]. */
async function pairs(n: number): Promise<{ server: Server; pairs: [Socket, Socket][] }> {
  const accepted: Socket[] = [];
  const server = createServer((s) => void accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(port, '127.0.0.1');
    await once(c, 'connect');
    clients.push(c);
  }
  while (accepted.length < n) await new Promise((r) => setTimeout(r, 5));
  // Accept order may differ from connect order: pair them by port.
  const byPort = new Map(clients.map((c) => [c.localPort, c]));
  return {
    server,
    pairs: accepted.map((s) => [s, byPort.get(s.remotePort as number) as Socket]),
  };
}

function closeAll(server: Server, ps: readonly [Socket, Socket][]): void {
  for (const [s, c] of ps) {
    s.destroy();
    c.destroy();
  }
  server.close();
}

function collect(s: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= bytes) resolve(Buffer.concat(chunks));
    });
  });
}

/** The backend in use before these tests; whether the kernel lets this process use io_uring. */
const initial = sendBackend();
const uring = initial !== null && sendBackend('io_uring') === 'io_uring';
if (initial !== null) sendBackend(initial);

for (const backend of ['io_uring', 'send'] as const satisfies readonly SendBackend[]) {
  const skip =
    initial === null
      ? 'addon not loaded'
      : backend === 'io_uring' && !uring
        ? 'the kernel refuses io_uring to this process'
        : false;
  describe(`sends by ${backend}`, { skip }, () => {
    before(() => assert.equal(sendBackend(backend), backend));
    after(() => void sendBackend(initial ?? undefined));
    describe(
      `native fan-out (sendToMany, ${backend})`,
      { skip: sendToMany === null && 'addon not loaded' },
      () => {
        const send = sendToMany as NonNullable<typeof sendToMany>;

        it('writes the same bytes to every socket, on one thread and on several', async () => {
          for (const threads of [1, 2, 4]) {
            const { server, pairs: ps } = await pairs(1_200); // ≥ 2 × 512 per thread: threads do start
            try {
              const line = Buffer.from(
                `{"id":null,"method":"mining.notify","params":["${threads}"]}\n`,
              );
              const got = ps.map(([, c]) => collect(c, line.length));
              const sent = send(new Int32Array(ps.map(([s]) => fdOf(s))), line, threads);
              assert.deepEqual(
                [...sent],
                ps.map(() => line.length),
              );
              for (const b of await Promise.all(got)) assert.deepEqual(b, line);
            } finally {
              closeAll(server, ps);
            }
          }
        });

        it('reports a short count for a full buffer; the rest through the socket keeps the order', async () => {
          const { server, pairs: ps } = await pairs(1);
          const [s, c] = ps[0] as [Socket, Socket];
          try {
            c.pause(); // the peer does not read: the kernel buffers fill
            const big = Buffer.alloc(32 * 1024 * 1024);
            for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
            const [n] = send(new Int32Array([fdOf(s)]), big, 1);
            assert.ok(n !== undefined && n > 0 && n < big.length, `short count expected, got ${n}`);
            s.write(big.subarray(n));
            const got = collect(c, big.length);
            c.resume();
            assert.ok((await got).equals(big), 'bytes arrive whole and in order');
          } finally {
            s.destroy();
            c.destroy();
            server.close();
          }
        });

        it('answers -errno for bad and closed descriptors and still writes the others', async () => {
          const { server, pairs: ps } = await pairs(2);
          const [[s0, c0], [s1, c1]] = ps as [[Socket, Socket], [Socket, Socket]];
          try {
            const closedFd = fdOf(s1);
            s1.destroy();
            await once(s1, 'close');
            const line = Buffer.from('x\n');
            const got = collect(c0, line.length);
            const [a, b, bad] = send(new Int32Array([fdOf(s0), closedFd, -1]), line, 2);
            assert.equal(a, line.length);
            assert.ok(b !== undefined && b < 0, `closed fd: ${b}`);
            assert.ok(bad !== undefined && bad < 0, `fd -1: ${bad}`);
            assert.deepEqual(await got, line);
            assert.throws(() => send(new Int32Array([0]), new Uint8Array(1), -1), /threads/);
            assert.throws(
              () => send([1] as unknown as Int32Array, new Uint8Array(1), 1),
              /Int32Array/,
            );
          } finally {
            for (const x of [s0, c0, c1]) x.destroy();
            server.close();
          }
        });
      },
    );

    describe(
      `native send of each socket's own bytes (sendEach, ${backend})`,
      { skip: sendEach === null && 'addon not loaded' },
      () => {
        const send = sendEach as NonNullable<typeof sendEach>;

        it('writes each socket its own slice, on one thread and on several', async () => {
          for (const threads of [1, 2]) {
            const { server, pairs: ps } = await pairs(300); // ≥ 2 × 128 per thread: a helper starts
            try {
              // Slices of different lengths, one empty, some not ASCII (bytes, not characters).
              const outs = ps.map((_, i) =>
                i === 7
                  ? ''
                  : `{"id":${i},"result":true,"error":null}\n`.repeat(1 + (i % 3)) +
                    (i % 5 === 0 ? 'é€\n' : ''),
              );
              const data = Buffer.from(outs.join(''), 'utf8');
              const ends = new Uint32Array(outs.length);
              outs.reduce((end, o, i) => (ends[i] = end + Buffer.byteLength(o)), 0);
              const got = ps.map(([, c], i) =>
                outs[i] === ''
                  ? Promise.resolve(Buffer.alloc(0))
                  : collect(c, Buffer.byteLength(outs[i]!)),
              );
              const sent = send(new Int32Array(ps.map(([s]) => fdOf(s))), data, ends, threads);
              assert.deepEqual(
                [...sent],
                outs.map((o) => Buffer.byteLength(o)),
              );
              const bytes = await Promise.all(got);
              bytes.forEach((b, i) => assert.equal(b.toString('utf8'), outs[i], `socket ${i}`));
            } finally {
              closeAll(server, ps);
            }
          }
        });

        it('a full buffer gets a short count; bad descriptors -errno; the others still get theirs', async () => {
          const { server, pairs: ps } = await pairs(3);
          const [[s0, c0], [s1, c1], [s2, c2]] = ps as [
            [Socket, Socket],
            [Socket, Socket],
            [Socket, Socket],
          ];
          try {
            c1.pause();
            const big = Buffer.alloc(32 * 1024 * 1024, 7);
            const head = Buffer.from('first\n');
            const tail = Buffer.from('last\n');
            const data = Buffer.concat([head, big, tail]);
            const ends = new Uint32Array([head.length, head.length + big.length, data.length]);
            const got0 = collect(c0, head.length);
            const got2 = collect(c2, tail.length);
            const [a, b, c] = send(new Int32Array([fdOf(s0), fdOf(s1), fdOf(s2)]), data, ends, 1);
            assert.equal(a, head.length);
            assert.ok(b !== undefined && b > 0 && b < big.length, `short count expected, got ${b}`);
            assert.equal(c, tail.length);
            assert.deepEqual(await got0, head);
            assert.deepEqual(await got2, tail);
            s1.write(big.subarray(b));
            const got1 = collect(c1, big.length);
            c1.resume();
            assert.ok((await got1).equals(big), 'bytes arrive whole and in order');
            const [bad] = send(new Int32Array([-1]), head, new Uint32Array([head.length]), 1);
            assert.ok(bad !== undefined && bad < 0, `fd -1: ${bad}`);
            assert.throws(() => send(new Int32Array([0]), head, new Uint32Array([99]), 1), /ends/);
            assert.throws(
              () => send(new Int32Array([0, 0]), head, new Uint32Array([3, 2]), 1),
              /ends/,
            );
            assert.throws(
              () => send(new Int32Array([0]), head, new Uint32Array([1, 2]), 1),
              /one entry per fd/,
            );
            assert.throws(
              () => send(new Int32Array([0]), head, [1] as unknown as Uint32Array, 1),
              /Uint32Array/,
            );
          } finally {
            for (const x of [s0, c0, s1, c1, s2, c2]) x!.destroy();
            server.close();
          }
        });
      },
    );
  });
}

describe('the send backend switch', { skip: initial === null && 'addon not loaded' }, () => {
  it('refuses a name it does not know', () => {
    assert.throws(() => sendBackend('writev' as SendBackend), /io_uring.*send/);
  });

  it('COLLIERY_SEND_BACKEND=send keeps one send(2) each from the start', () => {
    const probe = `import('${new URL('../../native/index.js', import.meta.url).href}').then((m) => console.log(m.sendBackend()))`;
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['-e', probe], { env: { ...process.env, ...env } })
        .toString()
        .trim();
    assert.equal(run({ COLLIERY_SEND_BACKEND: 'send' }), 'send');
    assert.equal(run({ COLLIERY_SEND_BACKEND: '' }), uring ? 'io_uring' : 'send');
  });
});
