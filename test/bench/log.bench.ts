// Benchmark of the durable log on a real nats-server, measured in one run:
//   1. acknowledged JetStream publishes/s, one publisher, one message at a time in flight per
//      caller (the baseline a share-per-message log would be held to) and 64 in flight;
//   2. shares/s the group-committing appender gets acknowledged (what the Share actor waits for);
//   3. log → LMDB: a ledger replica catching up on the whole log (read, decode, validate, apply
//      in LMDB transactions), in shares/s, next to a raw LMDB batched-put rate;
//   4. reading a log of small records to its end (what `ledger verify` and a replica catching up
//      do; a quiet pool writes ~1-4 KB records), readLog's records/s next to a plain ordered
//      consumer's (nats.js defaults) over the same records.
// Prints ratios; never fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { pino } from 'pino';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { startNatsServer } from '../helpers/nats-server.js';
import { connectNats } from '../../runtime/index.js';
import { LogAppender } from '../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../actors/shared/log-appender-options.js';
import {
  DEFAULT_LOG_OPTIONS,
  ensureLogStream,
  logStreamName,
  logSubject,
} from '../../actors/shared/log-stream.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { LedgerReplica } from '../../actors/ledger/replica.js';
import { openLedger } from '../../actors/ledger/store.js';
import type { LoggedJob } from '../../actors/shared/log-records.js';
import type { AcceptedShare } from '../../actors/share/actor.js';

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
const line = (label: string, value: string, note = ''): void =>
  console.log(`${label.padEnd(56)} ${value.padStart(12)}  ${note}`);

console.log(`node ${process.version}  cpu ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`);
const log = pino({ level: 'silent' });
const server = await startNatsServer('bench-log');
const nc = await connectNats(server.url, 'bench');
const cluster = 'bench';
const coin = 'bitcoin-regtest';
await ensureLogStream(nc, { ...DEFAULT_LOG_OPTIONS, cluster });
const root = mkdtempSync(join(tmpdir(), 'colliery-log-bench-'));

try {
  // 1. Raw JetStream publish rate (small messages, acknowledged).
  const js = jetstream(nc);
  const subject = logSubject(cluster, 'raw', 'shares');
  const payload = new Uint8Array(120);
  const RAW = 5_000;
  let t = performance.now();
  for (let i = 0; i < RAW; i++) await js.publish(subject, payload);
  const rawSerial = RAW / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < RAW; i += 64) {
    await Promise.all(Array.from({ length: 64 }, () => js.publish(subject, payload)));
  }
  const rawParallel = RAW / ((performance.now() - t) / 1000);
  line('raw JetStream acked publishes/s, 1 in flight', fmt(rawSerial));
  line('raw JetStream acked publishes/s, 64 in flight', fmt(rawParallel));

  // 2. The appender, fed the way the Share actor feeds it (batches of verified shares).
  const appender = new LogAppender(nc, { ...DEFAULT_APPENDER, cluster, coin, node: 'n1' }, log);
  const job: LoggedJob = {
    id: 'j',
    height: 1,
    netWeight: 65_536n * 1_000_000n,
    subsidySats: 5_000_000_000n,
    rewardSats: 5_000_000_000n,
  };
  const SHARES = 200_000;
  const CALL = 50; // shares per Share-actor batch
  let n = 0;
  const next = (): AcceptedShare[] =>
    Array.from({ length: CALL }, () => ({
      job,
      account: `acct${n % 2_000}`,
      worker: 'w',
      weight: 65_536,
      hash: (n++).toString(16).padStart(64, '0'),
      atMs: 1_700_000_000_000,
    }));
  t = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < SHARES; i += CALL) {
    pending.push(appender.append(next()));
    if (pending.length >= 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const appendRate = SHARES / ((performance.now() - t) / 1000);
  line(
    'shares/s acknowledged by the group-committing appender',
    fmt(appendRate),
    `${(appendRate / rawSerial).toFixed(1)}x one-share-per-message; ${appender.stats.records} records`,
  );
  await appender.close();

  // 3. Log → LMDB: a fresh replica catches up on the whole log.
  const store = openLedger(join(root, 'ledger'), { coin, scheme: 'pplns', feeBps: 100 });
  const replica = new LedgerReplica(nc, store, { cluster, coin, maxBatch: 200 }, log);
  t = performance.now();
  replica.start();
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (store.counters().shares >= SHARES) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
  const applyRate = SHARES / ((performance.now() - t) / 1000);
  await replica.stop();

  // Baseline: raw LMDB batched puts of one row per share-sized value.
  const raw = open({ path: join(root, 'raw') });
  const value = new Uint8Array(48);
  t = performance.now();
  for (let i = 0; i < SHARES; i += 10_000) {
    raw.transactionSync(() => {
      for (let j = i; j < i + 10_000; j++) raw.putSync(j, value);
    });
  }
  const putRate = SHARES / ((performance.now() - t) / 1000);
  await raw.close();
  line('raw LMDB batched puts/s (one row per share)', fmt(putRate));
  line(
    'log → LMDB apply, shares/s (read, decode, validate, apply)',
    fmt(applyRate),
    `${(applyRate / putRate).toFixed(2)}x raw puts; target ≥ 200 k: ${applyRate >= 200_000 ? 'PASS' : 'MISS'}`,
  );

  // 4. Reading small records to the end: readLog beside a plain ordered consumer.
  const SMALL = 20_000;
  const small = logSubject(cluster, 'small', 'shares');
  const record = new Uint8Array(2_500);
  for (let i = 0; i < SMALL; i += 64)
    await Promise.all(Array.from({ length: 64 }, () => js.publish(small, record)));
  t = performance.now();
  let read = 0;
  for await (const batch of readLog(nc, {
    cluster,
    coin: 'small',
    fromSeq: 1,
    until: 'end',
    maxBatch: 1_000,
  }))
    read += batch.length;
  const readRate = read / ((performance.now() - t) / 1000);
  t = performance.now();
  const plain = await js.consumers.get(logStreamName(cluster), {
    filter_subjects: small,
    deliver_policy: DeliverPolicy.All,
  });
  let plainRead = 0;
  const messages = await plain.consume();
  for await (const m of messages) {
    plainRead++;
    if (m.info.pending === 0) break;
  }
  await messages.close();
  const plainRate = plainRead / ((performance.now() - t) / 1000);
  line(
    `plain ordered consumer, ${fmt(plainRead)} records of 2.5 KB to the end, records/s`,
    fmt(plainRate),
  );
  line(
    `readLog, the same ${fmt(read)} records to the end, records/s`,
    fmt(readRate),
    `${(readRate / plainRate).toFixed(2)}x the plain consumer`,
  );
} finally {
  await nc.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
