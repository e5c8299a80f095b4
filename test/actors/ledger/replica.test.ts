// A ledger replica following the log through a NATS server restart: it resumes from what LMDB
// says it applied, misses nothing, applies nothing twice, and ends equal to a one-pass replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNatsServer } from '../../helpers/nats-server.js';
import { until } from '../../helpers/until.js';
import { connect } from '@nats-io/transport-node';
import { LogAppender } from '../../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../../actors/shared/log-appender-options.js';
import {
  DEFAULT_LOG_OPTIONS,
  ensureLogStream,
  lastLogSeq,
} from '../../../actors/shared/log-stream.js';
import { LedgerReplica } from '../../../actors/ledger/replica.js';
import { openLedger } from '../../../actors/ledger/store.js';
import { verifyLedger } from '../../../actors/ledger/verify.js';
import { validateLogEntry } from '../../../actors/ledger/validate.js';
import { readLog } from '../../../actors/shared/log-reader.js';
import type { LoggedJob, LogEntry } from '../../../actors/shared/log-records.js';

const log = pino({ level: 'silent' });
const COIN = 'bitcoin-regtest';
const job: LoggedJob = {
  id: 'j',
  height: 5,
  netWeight: 1_000_000n,
  subsidySats: 5_000_000_000n,
  rewardSats: 5_000_000_000n,
};

test('ledger replica - follows the log through a NATS server restart, nothing missed or doubled', async () => {
  const server = await startNatsServer('replica');
  const dir = mkdtempSync(join(tmpdir(), 'colliery-replica-'));
  const opts = { servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 };
  const producer = await connect(opts);
  const follower = await connect(opts);
  try {
    await ensureLogStream(producer, { ...DEFAULT_LOG_OPTIONS, cluster: 'rep' });
    const appender = new LogAppender(
      producer,
      { ...DEFAULT_APPENDER, cluster: 'rep', coin: COIN, node: 'n', ackTimeoutMs: 500 },
      log,
    );
    const store = openLedger(dir, { coin: COIN, scheme: 'pplns', feeBps: 0 });
    const replica = new LedgerReplica(
      follower,
      store,
      { cluster: 'rep', coin: COIN, maxBatch: 50 },
      log,
    );
    replica.start();
    let n = 0;
    const burst = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++, n++) {
        await appender.append([
          {
            job,
            account: `a${n % 7}`,
            worker: 'w',
            weight: 1000 + n,
            hash: n.toString(16).padStart(64, '0'),
            atMs: n,
          },
        ]);
      }
    };
    await burst(100);
    await until('the replica applies the first burst', () =>
      store.counters().shares >= 100 ? true : undefined,
    );
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();
    await burst(100);
    const end = await lastLogSeq(producer, 'rep');
    await replica.waitApplied(end);
    assert.equal(store.counters().shares, 200, 'every share applied once');
    async function* entries(): AsyncGenerator<LogEntry> {
      for await (const batch of readLog(producer, {
        cluster: 'rep',
        coin: COIN,
        fromSeq: 1,
        until: 'end',
        maxBatch: 100,
      })) {
        for (const e of batch) yield validateLogEntry(e.seq, e.record);
      }
    }
    assert.deepEqual(await verifyLedger(store, entries()), []);
    await appender.close();
    await replica.stop();
  } finally {
    await producer.close();
    await follower.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
