// The kernel's cap on the Stratum accept queue: read from net.core.somaxconn, and a node warns
// at start when it is shorter than a reconnect storm of its miners needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LISTEN_BACKLOG } from '../../actors/shared/listen-backlog.js';
import { acceptQueueCap, acceptQueueWanted } from '../../topology/accept-queue.js';
import { announce } from '../../topology/commands/start.js';
import { loadConfig } from '../../topology/config.js';
import { listenOverflows } from '../helpers/kernel.js';

const BASE = {
  coin: 'bitcoin-regtest',
  rpc: ['http://u:p@127.0.0.1:18443'],
  poolAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
};

test('accept queue - net.core.somaxconn as the file holds it, null when unreadable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-somaxconn-'));
  try {
    const file = join(dir, 'somaxconn');
    writeFileSync(file, '4096\n');
    assert.equal(acceptQueueCap(file), 4_096);
    writeFileSync(file, 'lots\n');
    assert.equal(acceptQueueCap(file), null);
    writeFileSync(file, '0\n');
    assert.equal(acceptQueueCap(file), null);
    assert.equal(acceptQueueCap(join(dir, 'absent')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('accept queue - room for all of a node’s miners at once, up to what the listener asks', () => {
  assert.equal(acceptQueueWanted(100_000), LISTEN_BACKLOG);
  assert.equal(acceptQueueWanted(2_000), 2_000);
});

/** The lines `announce` logs for a node with `maxConnections` on a kernel capping at `cap`. */
function announced(maxConnections: number, cap: number | null): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const cfg = loadConfig([{ ...BASE, maxConnections }]);
  announce({ log: pino(sink), stratumPort: 3333, stratumTlsPort: null }, cfg, cap);
  return lines;
}

test('accept queue - a node warns at start when the kernel caps the queue below its miners', async () => {
  const short = announced(100_000, 4_096);
  await new Promise((r) => setImmediate(r));
  const started = short.find((l) => l['msg'] === 'node started');
  assert.equal(started?.['acceptQueue'], 4_096);
  const warning = short.find((l) => l['somaxconn'] === 4_096);
  assert.ok(warning, 'a warning names the cap');
  assert.equal(warning['wanted'], LISTEN_BACKLOG);
  assert.match(String(warning['msg']), /deploy\/sysctl\/90-colliery\.conf/);

  for (const [max, cap] of [
    [100_000, 65_535],
    [2_000, 4_096],
    [100_000, null],
  ] as const) {
    const lines = announced(max, cap);
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l['msg'] === 'node started'));
    assert.equal(
      lines.some((l) => 'somaxconn' in l),
      false,
      `no warning for ${max} miners at ${cap}`,
    );
  }
});

test('accept queue - the kernel’s count of handshakes dropped from full queues', () => {
  const text = [
    'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops',
    'TcpExt: 0 0 59062 59070',
    'IpExt: InNoRoutes',
    'IpExt: 0',
  ].join('\n');
  assert.equal(listenOverflows(text), 59_062);
  assert.equal(listenOverflows('IpExt: InNoRoutes\nIpExt: 0\n'), null);
  assert.equal(listenOverflows('TcpExt: SyncookiesSent\nTcpExt: 0\n'), null);
  const mine = listenOverflows();
  assert.ok(mine === null || (Number.isSafeInteger(mine) && mine >= 0));
});
