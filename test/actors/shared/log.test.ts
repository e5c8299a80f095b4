// The durable log against a real nats-server: group commit, dedup of retried records, a server
// restart in the middle of appends, a full stream, and ordered reads.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.js';
import { LogAppender } from '../../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../../actors/shared/log-appender-options.js';
import { readLog, type RawEntry } from '../../../actors/shared/log-reader.js';
import {
  ensureLogStream,
  logStreamName,
  DEFAULT_LOG_OPTIONS,
  LOG_UNAVAILABLE,
} from '../../../actors/shared/log-stream.js';
import type { AcceptedShare } from '../../../actors/share/actor.js';
import type { ShareBatchRecord, LoggedJob } from '../../../actors/shared/log-records.js';
import { hasCode } from '../../../actors/shared/errors.js';

const log = pino({ level: 'silent' });
let server: NatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer('log');
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});
after(async () => {
  await nc.close();
  await server.stop();
});

const job: LoggedJob = {
  id: 'j1',
  height: 101,
  netWeight: 123_456_789n,
  subsidySats: 5_000_000_000n,
  rewardSats: 5_000_012_345n,
};

function share(n: number, account = 'alice'): AcceptedShare {
  return {
    job,
    account,
    worker: 'w',
    weight: 65_536 + n,
    hash: n.toString(16).padStart(64, '0'),
    atMs: n,
  };
}

async function readAll(cluster: string, coin: string, fromSeq = 1): Promise<RawEntry[]> {
  const out: RawEntry[] = [];
  for await (const batch of readLog(nc, { cluster, coin, fromSeq, until: 'end', maxBatch: 100 })) {
    out.push(...batch);
  }
  return out;
}

function sharesOf(entries: RawEntry[]): AcceptedShare['hash'][] {
  return entries.flatMap((e) => (e.record as ShareBatchRecord).shares.map((s) => s.hash));
}

test('log - group-commits concurrent appends into few records, each share once, bigints intact', async () => {
  const cluster = 'glog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: 'btc', node: 'n1', lingerMs: 5 },
    log,
  );
  const calls = Array.from({ length: 300 }, (_, i) =>
    appender.append([share(2 * i), share(2 * i + 1, 'bob')]),
  );
  await Promise.all(calls);
  const entries = await readAll(cluster, 'btc');
  assert.ok(
    entries.length < 300,
    `expected group commits, got ${entries.length} records for 300 appends`,
  );
  assert.equal(sharesOf(entries).length, 600);
  assert.equal(new Set(sharesOf(entries)).size, 600);
  const first = entries[0]?.record as ShareBatchRecord;
  assert.equal(first.type, 'shares');
  assert.equal(first.jobs[0]?.netWeight, 123_456_789n);
  assert.equal(first.jobs[0]?.rewardSats, 5_000_012_345n);
  assert.equal(first.node, 'n1');
  await appender.close();
});

test('log - a record appended twice with the same id is stored once', async () => {
  const cluster = 'dlog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: 'btc', node: 'n1' },
    log,
  );
  const record = {
    type: 'block.matured' as const,
    v: 1,
    id: 'matured:abc',
    coin: 'btc',
    hash: 'ab'.repeat(32),
    height: 5,
    atMs: 1,
  };
  const s1 = await appender.appendRecord('blocks', record);
  const s2 = await appender.appendRecord('blocks', record);
  assert.equal(s1, s2);
  assert.equal(appender.stats.duplicates, 1);
  assert.equal((await readAll(cluster, 'btc')).length, 1);
  await appender.close();
});

test('log - appends made while the server restarts are retried and logged exactly once', async () => {
  const cluster = 'rlog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: 'btc', node: 'n1', ackTimeoutMs: 500 },
    log,
  );
  const before = Array.from({ length: 50 }, (_, i) => appender.append([share(i)]));
  await Promise.all(before);
  const killed = server.kill('SIGKILL');
  const during = Array.from({ length: 50 }, (_, i) => appender.append([share(1000 + i)]));
  await killed;
  await new Promise((r) => setTimeout(r, 300));
  await server.restart();
  await Promise.all(during);
  const hashes = sharesOf(await readAll(cluster, 'btc'));
  assert.equal(hashes.length, 100, 'every share logged once');
  assert.equal(new Set(hashes).size, 100);
  assert.ok(appender.stats.retries > 0, 'the appends made while the server was down were retried');
  await appender.close();
});

test('log - a full stream fails the append with LOG_UNAVAILABLE and later appends still work', async () => {
  const cluster = 'flog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(logStreamName(cluster));
  await jsm.streams.update(logStreamName(cluster), { ...info.config, max_msgs: 2 });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: 'btc', node: 'n1', retryForMs: 300 },
    log,
  );
  await appender.append([share(1)]);
  await appender.append([share(2)]);
  await assert.rejects(appender.append([share(3)]), (e: unknown) => hasCode(e, LOG_UNAVAILABLE));
  await jsm.streams.update(logStreamName(cluster), { ...info.config, max_msgs: -1 });
  await appender.append([share(4)]);
  assert.deepEqual(sharesOf(await readAll(cluster, 'btc')).length, 3);
  await appender.close();
});

test('log - reads one coin from a sequence, skipping other coins sharing the stream', async () => {
  const cluster = 'clog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const a = new LogAppender(nc, { ...DEFAULT_APPENDER, cluster, coin: 'btc', node: 'n1' }, log);
  const b = new LogAppender(nc, { ...DEFAULT_APPENDER, cluster, coin: 'xpm', node: 'n1' }, log);
  for (let i = 0; i < 10; i++) {
    await a.append([share(i)]);
    await b.append([share(100 + i)]);
  }
  const btc = await readAll(cluster, 'btc');
  assert.equal(btc.length, 10);
  const later = await readAll(cluster, 'btc', (btc[5] as RawEntry).seq);
  assert.deepEqual(
    later.map((e) => e.seq),
    btc.slice(5).map((e) => e.seq),
  );
  assert.equal((await readAll(cluster, 'xpm')).length, 10);
  await a.close();
  await b.close();
});
