// One share's path in OpenTelemetry, from the miner's socket to the ledger: the Connection
// actor's span, the Share actor's span in the same trace, the share log's append span linked to
// it, and the ledger's apply span linked to that append. The path is the one SharePathProcessor
// (what `--trace-paths` prints) finds; the test checks its links in the exported spans.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { preciseSpanTimes } from '../../actors/shared/span-time.js';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { formatSharePath, SharePathProcessor, type SharePath } from '../../topology/share-paths.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';

const exporter = new InMemorySpanExporter();
const found: SharePath[] = [];
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(exporter),
      new SharePathProcessor((p) => found.push(p), 0),
    ],
  }),
);
preciseSpanTimes(true); // what topology/tracing.ts turns on with its SDK

test('trace - a share is followed from its Connection to the log and into the ledger', async () => {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) },
    // A pinned share difficulty (65,536 hashes a share): vardiff raising it made the ten shares
    // this waits for take 25 s here, and past the 60 s wait on a loaded CI machine.
    {
      nodeId: 'n1',
      cluster: 'trace',
      ...pinnedDifficulty(2 ** -16),
    },
  );
  const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.rig`, 500_000);
  after(async () => {
    await miner.stop();
    await pool.stop();
  });
  await miner.start();
  const store = pool.node.ledger.store;
  await until('the ledger applies shares', () =>
    store.counters().shares >= 10 ? true : undefined,
  );
  await miner.stop();

  const path = await until('a share path found by the processor', () => found[0]);
  // Each step of the path, checked against the exported spans and their links.
  const spans = exporter.getFinishedSpans();
  const ids = (s: ReadableSpan) => s.spanContext();
  const exported = (s: ReadableSpan) => spans.some((x) => ids(x).spanId === ids(s).spanId);
  for (const step of [path.connection, path.submits, path.append, path.apply])
    assert.ok(exported(step), `${step.name} is an exported span`);
  assert.equal(path.connection.name, 'connection lines');
  assert.equal(path.connection.parentSpanContext, undefined, 'the socket read starts the trace');
  assert.equal(path.submits.name, 'share share.submits');
  assert.equal(ids(path.submits).traceId, ids(path.connection).traceId);
  assert.equal(path.submits.parentSpanContext?.spanId, ids(path.connection).spanId);
  assert.equal(path.append.name, 'share-log.append');
  assert.ok(path.append.links.some((l) => l.context.spanId === ids(path.submits).spanId));
  assert.equal(path.apply.name, 'ledger.apply');
  assert.ok(path.apply.links.some((l) => l.context.spanId === ids(path.append).spanId));
  // Sub-millisecond start times (not the SDK's whole milliseconds) keep the steps in order.
  const startMs = (s: ReadableSpan) => s.startTime[0] * 1e3 + s.startTime[1] / 1e6;
  const steps = [path.connection, path.submits, path.append, path.apply].map(startMs);
  assert.deepEqual(
    [...steps].sort((x, y) => x - y),
    steps,
    'the steps start in path order',
  );
  assert.ok(
    steps.some((t) => t % 1 !== 0),
    'start times carry a fraction of a millisecond',
  );
  const line = formatSharePath(path);
  assert.match(
    line,
    /^share path \(trace [0-9a-f]{8}…, node n1\): miner's socket read → Connection /,
  );
  assert.match(
    line,
    / → Share actor at \+\d+\.\d\d ms .* → share log record \S+ \(seq \d+, \d+ shares;/,
  );
  assert.match(
    line,
    / → ledger apply \(seq \d+–\d+\) at \+\d+\.\d\d ms .*; \d+\.\d\d ms from the socket to the ledger$/,
  );
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
