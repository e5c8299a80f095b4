// The Share actor's traces: what it does outside a turn (a batch's flush, verification, log
// append and answers) runs in a `share.batch` span of its own, a trace root linked to the
// submits it carries, and the verdicts it tells continue that span, never the trace of whatever
// message the actor handled last. A submit refused in the turn is answered in the submit's trace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { preciseSpanTimes } from '../../actors/shared/span-time.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import type { LoadClient } from '../helpers/stratum-load.js';
import { newLoadStats, openClients } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
preciseSpanTimes(true);

test('share trace - batches have spans of their own, linked to their submits; verdicts continue them', async () => {
  const pool = await startTestPool(
    { bits: 0x1d00ffff }, // no blocks
    { nodeId: 'st1', cluster: 'share-trace', ...pinnedDifficulty(2 ** -32) },
  );
  const stats = newLoadStats();
  const clients: LoadClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await pool.stop();
  });
  clients.push(
    ...(await openClients(8, {
      host: '127.0.0.1',
      port: pool.node.stratumPort,
      localAddresses: ['127.0.0.1'],
      username: (i) => `${TEST_ADDRESS}.t${i}`,
      stats,
    })),
  );
  for (const c of clients) c.startSubmitting(4);
  await until('shares accepted', () => (stats.accepted >= 400 ? true : undefined));
  for (const c of clients) c.stopSubmitting();
  // One submit the Share actor refuses in its turn: ntime past now + 2 h (bad-ntime).
  const odd = clients[0] as LoadClient;
  let sent = -1;
  const code = new Promise<number>(
    (resolve) => (odd.onReply = (id, c) => void (id === sent && resolve(c))),
  );
  const notify = odd.notify as unknown[];
  sent = odd.sendSubmit(String(notify[0]), '00'.repeat(odd.extranonce2Size), 'ffffffff', 7);
  assert.equal(await code, 20, 'refused: ntime out of range');

  // Every answer the miners have was told in a span that has ended (the socket write follows).
  const spans = exporter.getFinishedSpans();
  const id = (s: ReadableSpan) => s.spanContext().spanId;
  const byName = (name: string) => spans.filter((s) => s.name === name);
  const submits = new Map(byName('share share.submits').map((s) => [id(s), s]));
  const batches = new Map(byName('share.batch').map((s) => [id(s), s]));
  assert.ok(batches.size > 0, 'batches have spans');
  for (const b of batches.values()) {
    assert.equal(b.parentSpanContext, undefined, 'a batch span is a trace root');
    assert.ok(b.links.length > 0 && b.links.length <= 32, 'linked to (up to 32 of) its submits');
    for (const l of b.links) assert.ok(submits.has(l.context.spanId), 'each link is a submit');
    assert.ok(Number(b.attributes['colliery.shares']) >= 1);
  }
  const verdicts = spans.filter((s) => s.name.startsWith('connection verdict'));
  let inBatch = 0;
  let inSubmit = 0;
  for (const v of verdicts) {
    const parent = v.parentSpanContext?.spanId ?? '';
    const batch = batches.get(parent);
    if (batch) {
      inBatch++;
      assert.equal(v.spanContext().traceId, batch.spanContext().traceId);
    } else {
      assert.ok(submits.has(parent), `${v.name} continues a batch or its submit`);
      inSubmit++;
    }
  }
  assert.ok(inBatch > 0, `accepted shares are answered in their batch's trace (${inBatch})`);
  assert.equal(inSubmit, 1, 'the refused submit is answered in its own turn');
});
