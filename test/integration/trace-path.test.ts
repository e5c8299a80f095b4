// One share's path in OpenTelemetry, from the miner's socket to the ledger: the Connection
// actor's span, the Share actor's span in the same trace, the share log's append span linked to
// it, and the ledger's apply span linked to that append.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { until } from '../helpers/until.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

test('trace - a share is followed from its Connection to the log and into the ledger', async () => {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) },
    // A pinned share difficulty (65,536 hashes a share): vardiff raising it made the ten shares
    // this waits for take 25 s here, and past the 60 s wait on a loaded CI machine.
    {
      nodeId: 'n1',
      cluster: 'trace',
      ...{ startDifficulty: 2 ** -16, minDifficulty: 2 ** -16, maxDifficulty: 2 ** -16 },
    },
  );
  const miner = new StratumMiner({
    host: '127.0.0.1',
    port: pool.node.stratumPort,
    username: `${TEST_ADDRESS}.rig`,
    hashHeaders,
    maxHashesPerSec: 500_000,
  });
  after(async () => {
    miner.stop();
    await pool.stop();
  });
  await miner.start();
  const store = pool.node.ledger.store;
  await until('the ledger applies shares', () =>
    store.counters().shares >= 10 ? true : undefined,
  );
  miner.stop();

  const path = await until('a linked path in the finished spans', () => {
    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const linked = (s: ReadableSpan, name: string): ReadableSpan | undefined =>
      s.links.map((l) => byId.get(l.context.spanId)).find((x) => x?.name === name);
    for (const apply of spans.filter((s) => s.name === 'ledger.apply')) {
      const append = linked(apply, 'share-log.append');
      if (!append) continue;
      for (const l of append.links) {
        const share = byId.get(l.context.spanId);
        if (!share || !share.name.startsWith('share ')) continue;
        const connection = spans.find(
          (s) =>
            s.spanContext().traceId === share.spanContext().traceId &&
            s.name.startsWith('connection '),
        );
        if (connection) return { apply, append, share, connection };
      }
    }
    return undefined;
  });
  assert.ok(
    path.append.attributes['colliery.log_seq'] !== undefined,
    'the append span names its log sequence',
  );
  assert.ok(
    Number(path.apply.attributes['colliery.log_seq_to']) >=
      Number(path.append.attributes['colliery.log_seq']),
    'the apply span covers the record',
  );
});
