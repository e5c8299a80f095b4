// The log reader against a real nats-server with a log of a busy node's records (~190 KB, 2,000
// shares each, ~90 MB in all, past the server's 64 MB pending limit for one client): a reader
// that holds the event loop after every batch, as a replica applying it does, gets every record
// once and in order, is never cut off as a slow consumer, and has at most its pull budget sent
// ahead of it. Pulls counted in messages (1,000 records for the replica's maxBatch) had the
// server queue the whole log for the client and cut it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.js';
import { LogAppender, type AcceptedShare } from '../../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../../actors/shared/log-appender-options.js';
import {
  readLog,
  DEFAULT_IN_FLIGHT_BYTES,
  type ReadOptions,
} from '../../../actors/shared/log-reader.js';
import { ensureLogStream, DEFAULT_LOG_OPTIONS } from '../../../actors/shared/log-stream.js';
import type { LoggedJob, ShareBatchRecord } from '../../../actors/shared/log-records.js';

const log = pino({ level: 'silent' });
const CLUSTER = 'big';
const COIN = 'btc';
const RECORDS = 480;
const SHARES = DEFAULT_APPENDER.maxShares;
const READER = 'slow-reader';
let server: NatsServer;
let nc: NatsConnection;

const job: LoggedJob = {
  id: 'j1',
  height: 101,
  netWeight: 123_456_789n,
  subsidySats: 5_000_000_000n,
  rewardSats: 5_000_012_345n,
};

/** A share of a pool with many miners: records like a busy node's. */
function share(n: number): AcceptedShare {
  return {
    job,
    account: `acct${n % 5_000}`,
    worker: `w${n % 7}`,
    weight: 65_536 + n,
    hash: n.toString(16).padStart(64, '0'),
    atMs: 1_700_000_000_000 + n,
  };
}

before(async () => {
  server = await startNatsServer('log-reader');
  nc = await connect({
    servers: server.url,
    name: READER,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  await ensureLogStream(nc, { cluster: CLUSTER, ...DEFAULT_LOG_OPTIONS });
  const producer = await connect({ servers: server.url });
  const appender = new LogAppender(
    producer,
    { ...DEFAULT_APPENDER, cluster: CLUSTER, coin: COIN, node: 'n1' },
    log,
  );
  for (let r = 0; r < RECORDS; r++) {
    await appender.append(Array.from({ length: SHARES }, (_, i) => share(r * SHARES + i)));
  }
  await appender.close();
  await producer.close();
});
after(async () => {
  await nc.close();
  await server.stop();
});

async function monitor<T>(path: string): Promise<T> {
  return (await (await fetch(`${server.monitorUrl}${path}`)).json()) as T;
}

/** The last log sequence the server has sent to any consumer of the stream. */
async function deliveredSeq(): Promise<number> {
  const jsz = await monitor<{
    account_details?: {
      stream_detail?: { consumer_detail?: { delivered: { stream_seq: number } }[] }[];
    }[];
  }>('/jsz?consumers=true');
  const consumers = jsz.account_details?.[0]?.stream_detail?.[0]?.consumer_detail ?? [];
  return Math.max(0, ...consumers.map((c) => c.delivered.stream_seq));
}

/** Holds the event loop, as a replica decoding and writing a batch to LMDB does. */
function holdEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads the whole log; the connection cut off ends the read (a cut reader may never finish). */
async function readAll(
  options: Partial<ReadOptions>,
  afterBatch: (lastSeq: number) => Promise<void> = async () => undefined,
): Promise<{ seqs: number[]; hashes: Set<string>; sizes: Map<number, number>; cut: string[] }> {
  const stop = new AbortController();
  const cut: string[] = [];
  let reading = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (!reading || (s.type !== 'disconnect' && s.type !== 'error')) continue;
      cut.push(s.type);
      stop.abort();
    }
  })();
  const seqs: number[] = [];
  const hashes = new Set<string>();
  const sizes = new Map<number, number>();
  try {
    for await (const batch of readLog(nc, {
      cluster: CLUSTER,
      coin: COIN,
      fromSeq: 1,
      until: 'end',
      maxBatch: 1_000,
      signal: stop.signal,
      ...options,
    })) {
      for (const e of batch) {
        seqs.push(e.seq);
        sizes.set(e.seq, e.data.length);
        for (const s of (e.record as ShareBatchRecord).shares) hashes.add(s.hash);
      }
      await afterBatch(batch.at(-1)?.seq ?? 0);
    }
  } finally {
    reading = false;
  }
  return { seqs, hashes, sizes, cut };
}

const allSeqs = Array.from({ length: RECORDS }, (_, i) => i + 1);

test('log reader - a slow reader of large records gets each once, in order, never cut off, at most its pull budget ahead', async () => {
  const samples: { yielded: number; delivered: number }[] = [];
  const read = await readAll({ maxBytes: 2 * 1024 * 1024 }, async (lastSeq) => {
    holdEventLoop(30);
    // Let the client take what the server sends meanwhile, then see how far ahead it went.
    await new Promise((r) => setTimeout(r, 10));
    samples.push({ yielded: lastSeq, delivered: await deliveredSeq() });
  });
  const varz = await monitor<{ slow_consumers: number }>('/varz');
  assert.deepEqual(read.cut, [], 'the reader kept its connection');
  assert.equal(varz.slow_consumers, 0, 'the server cut no slow consumer');
  assert.deepEqual(read.seqs, allSeqs, 'every record once, in log order');
  assert.equal(read.hashes.size, RECORDS * SHARES, 'every share once');
  const largest = Math.max(...read.sizes.values());
  assert.ok(largest > 150_000, `records as a busy node's (${largest} B)`);
  // Sent to the client and not yet given to the reader: in the server's buffer for it, the
  // sockets, and the client's queue.
  const ahead = Math.max(
    ...samples.map(({ yielded, delivered }) => {
      let bytes = 0;
      for (let seq = yielded + 1; seq <= delivered; seq++) bytes += read.sizes.get(seq) ?? largest;
      return bytes;
    }),
  );
  assert.ok(
    ahead <= DEFAULT_IN_FLIGHT_BYTES + largest,
    `${ahead} B sent ahead of the reader, budget ${DEFAULT_IN_FLIGHT_BYTES} B`,
  );
});

test(
  'log reader - a pull budget smaller than a record is raised to fit the largest message',
  {
    timeout: 60_000,
  },
  async () => {
    const read = await readAll({ inFlightBytes: 1_000 });
    assert.deepEqual(read.cut, []);
    assert.deepEqual(read.seqs, allSeqs);
  },
);
