// The appender with a share spool against a real nats-server that is killed (SIGKILL) and
// restarted: shares appended while it is away are answered from the spool at once, reach the
// log exactly once and in order when it returns; a full spool refuses with SHARE_SPOOL_FULL;
// a spool left by a stopped appender is appended first by the next one. And retry decisions
// read codes and class names, never messages.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.js';
import { until } from '../../helpers/until.js';
import { LogAppender, type AcceptedShare } from '../../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../../actors/shared/log-appender-options.js';
import { LogSpool, SHARE_SPOOL_FULL } from '../../../actors/shared/log-spool.js';
import { retryable } from '../../../actors/shared/log-retry.js';
import { readLog, type RawEntry } from '../../../actors/shared/log-reader.js';
import { ensureLogStream, DEFAULT_LOG_OPTIONS } from '../../../actors/shared/log-stream.js';
import type { ShareBatchRecord, LoggedJob } from '../../../actors/shared/log-records.js';
import { CodedError, hasCode } from '../../../actors/shared/errors.js';

const log = pino({ level: 'silent' });
let server: NatsServer;
let nc: NatsConnection;
const root = mkdtempSync(join(tmpdir(), 'colliery-aspool-'));

before(async () => {
  server = await startNatsServer('aspool');
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});
after(async () => {
  await nc.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const job: LoggedJob = {
  id: 'j1',
  height: 101,
  netWeight: 1_000n,
  subsidySats: 5_000_000_000n,
  rewardSats: 5_000_000_000n,
};

function share(n: number): AcceptedShare {
  return { job, account: 'alice', worker: 'w', weight: 65_536, hash: hex(n), atMs: n };
}
const hex = (n: number): string => n.toString(16).padStart(64, '0');

async function hashesInLog(cluster: string): Promise<string[]> {
  const out: RawEntry[] = [];
  for await (const b of readLog(nc, {
    cluster,
    coin: 'btc',
    fromSeq: 1,
    until: 'end',
    maxBatch: 100,
  })) {
    out.push(...b);
  }
  return out.flatMap((e) => (e.record as ShareBatchRecord).shares.map((s) => s.hash));
}

function spooled(cluster: string, dir: string, limits = { maxRecords: 10_000, maxBytes: 1e9 }) {
  const opts = {
    ...DEFAULT_APPENDER,
    cluster,
    coin: 'btc',
    node: 'n1',
    ackTimeoutMs: 500,
    spoolAfterMs: 200,
    closeDrainMs: 200,
  };
  return new LogAppender(nc, opts, log, LogSpool.open(dir, limits));
}

/** Appends one share per call, one after another (each its own record). */
async function appendEach(a: LogAppender, from: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await a.append([share(from + i)]);
}

test('spool - shares appended while the server is away are answered at once and logged once, in order, when it returns', async () => {
  const cluster = 'sp1';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = spooled(cluster, join(root, 'sp1'));
  await appendEach(appender, 0, 10);
  await server.kill('SIGKILL');
  // Concurrent appends first (several records racing their spool timers), then one by one.
  await Promise.all(Array.from({ length: 20 }, (_, i) => appender.append([share(100 + i)])));
  await appendEach(appender, 200, 30);
  // All 50 answered while the server is still away (it restarts only below).
  assert.ok(appender.stats.spooled > 0);
  assert.ok(appender.stats.spoolDepth > 0, 'the spool holds them');
  assert.equal(appender.stats.failed, 0);
  await new Promise((r) => setTimeout(r, 1_000));
  await server.restart();
  await until('the spool drained', () => (appender.stats.spoolDepth === 0 ? true : undefined));
  await appendEach(appender, 300, 5); // the direct path again
  const hashes = await hashesInLog(cluster);
  assert.equal(hashes.length, 65, 'every share in the log');
  assert.equal(new Set(hashes).size, 65, 'each once');
  const oneByOne = hashes.filter((h) => h >= hex(200) && h < hex(300));
  assert.deepEqual(oneByOne, [...oneByOne].sort(), 'spooled records appended in order');
  assert.equal(appender.stats.drained, appender.stats.spooled);
  assert.equal(appender.stats.spoolBytes, 0);
  await appender.close();
});

test('spool - a full spool refuses with SHARE_SPOOL_FULL; a stopped appender leaves the spool for the next, which appends it first', async () => {
  const cluster = 'sp2';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const dir = join(root, 'sp2');
  const first = spooled(cluster, dir, { maxRecords: 3, maxBytes: 1e9 });
  await appendEach(first, 0, 2);
  await server.kill('SIGKILL');
  await appendEach(first, 10, 3);
  await assert.rejects(first.append([share(20)]), (e: unknown) => hasCode(e, SHARE_SPOOL_FULL));
  await assert.rejects(first.append([share(21)]), (e: unknown) => hasCode(e, SHARE_SPOOL_FULL));
  assert.equal(first.stats.spoolFull, 2);
  assert.equal(first.stats.spoolDepth, 3);
  await first.close(); // the bus is away: the spool stays on disk
  await server.restart();

  const second = spooled(cluster, dir);
  assert.equal(second.stats.spoolDepth, 3, 'the earlier run left three records');
  await until('the old spool drained', () => (second.stats.spoolDepth === 0 ? true : undefined));
  await appendEach(second, 30, 2);
  const hashes = await hashesInLog(cluster);
  assert.deepEqual(hashes, [0, 1, 10, 11, 12, 30, 31].map(hex));
  await second.close();
});

test('spool - a block record appended during the outage goes to the log after the spooled shares', async () => {
  const cluster = 'sp3';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = spooled(cluster, join(root, 'sp3'));
  await server.kill('SIGKILL');
  await appendEach(appender, 0, 3);
  const block = appender.appendRecord('blocks', {
    type: 'block.matured',
    v: 1,
    id: 'matured:sp3',
    coin: 'btc',
    hash: 'cd'.repeat(32),
    height: 7,
    atMs: 1,
  });
  await new Promise((r) => setTimeout(r, 500));
  await server.restart();
  const seq = await block;
  const kinds: string[] = [];
  for await (const b of readLog(nc, {
    cluster,
    coin: 'btc',
    fromSeq: 1,
    until: 'end',
    maxBatch: 100,
  })) {
    for (const e of b) kinds.push(`${e.seq}:${(e.record as { type: string }).type}`);
  }
  assert.deepEqual(kinds, ['1:shares', '2:shares', '3:shares', `${seq}:block.matured`]);
  assert.equal(seq, 4);
  await appender.close();
});

test('spool - retry decisions by code and class name, never by message text', () => {
  const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });
  const api = (code: number): Error => Object.assign(named('JetStreamApiError'), { code });
  assert.equal(retryable(named('TimeoutError')), true);
  assert.equal(retryable(named('NoResponders')), true);
  assert.equal(retryable(named('JetStreamNotEnabled')), true, 'a restarting server');
  assert.equal(retryable(named('ClosedConnectionError')), true);
  assert.equal(retryable(named('PermissionViolationError')), false);
  assert.equal(retryable(named('InvalidSubjectError')), false);
  assert.equal(retryable(api(10077)), true, 'maximum messages exceeded: room may come');
  assert.equal(retryable(api(10059)), false, 'stream not found');
  assert.equal(retryable(api(10054)), false, 'message too large');
  assert.equal(retryable(new CodedError('X', 'invalid permissions', { retryable: true })), true);
  assert.equal(retryable(new CodedError('X', 'timeout', { retryable: false })), false);
  // The text is not read: a message that says "permissions" is still a timeout.
  assert.equal(
    retryable(named('TimeoutError', 'permissions invalid, no stream matches subject')),
    true,
  );
});
