// bindReusePort, the Stratum listener of a node of several processes: sockets bound to one port
// with SO_REUSEPORT each take a share of new connections (the kernel hashes them over the
// listeners); a port chosen by the kernel (0) is reported; a port held without the option, and a
// host that is not a numeric address, are refused with NATIVE_LISTEN_FAILED, never a crash.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync } from 'node:fs';
import { connect, createServer, Server } from 'node:net';
import { it } from 'node:test';
import { bindReusePort } from '../../native/index.js';

it('bindReusePort - two listeners on one port share 64 connections; port 0 is chosen and reported', async () => {
  // Bound, not listening: the port is held (as the supervisor holds one) but takes no connection.
  const held = bindReusePort('127.0.0.1', 0, false, 0);
  assert.ok(held.fd > 2 && held.port > 0);
  const counts = [0, 0];
  const servers = [0, 1].map((i) => {
    const server = new Server((socket) => {
      counts[i]!++;
      socket.destroy();
    });
    server.listen({ fd: bindReusePort('127.0.0.1', held.port, true, 128).fd }, 128);
    return server;
  });
  try {
    await Promise.all(servers.map((s) => (s.listening ? undefined : once(s, 'listening'))));
    for (const s of servers) assert.equal((s.address() as { port: number }).port, held.port);
    await Promise.all(
      Array.from(
        { length: 64 },
        () =>
          new Promise<void>((resolve, reject) => {
            const c = connect(held.port, '127.0.0.1');
            c.on('error', reject).on('close', () => resolve());
          }),
      ),
    );
    assert.equal(counts[0]! + counts[1]!, 64);
    // 2^-63 that a fair hash puts all 64 on one listener.
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `spread ${counts.join('/')}`);
  } finally {
    for (const s of servers) s.close();
    closeSync(held.fd);
  }
});

it('bindReusePort - a port held without SO_REUSEPORT, or a host name, is refused with a clear error', async () => {
  const plain = createServer();
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const port = (plain.address() as { port: number }).port;
  try {
    assert.throws(
      () => bindReusePort('127.0.0.1', port, true, 16),
      (e: Error & { code?: string; errno?: number }) =>
        e.code === 'NATIVE_LISTEN_FAILED' && /bind: Address already in use/.test(e.message),
    );
  } finally {
    plain.close();
  }
  assert.throws(
    () => bindReusePort('localhost', 0, true, 16),
    (e: Error & { code?: string }) =>
      e.code === 'NATIVE_LISTEN_FAILED' && /not a numeric IPv4 or IPv6 address/.test(e.message),
  );
  assert.throws(() => bindReusePort('127.0.0.1', 70_000, true, 16), /port must be at most 65535/);
});
