// SharePathProcessor on real SDK spans, in the orders a node produces them: the ledger may apply
// a record (its replica reads the stream) before the appender's PubAck ends the append span.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { formatSharePath, SharePathProcessor, type SharePath } from '../../topology/share-paths.js';

function setup(everyMs = 0) {
  const found: SharePath[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [new SharePathProcessor((p) => found.push(p), everyMs)],
  });
  const tracer = provider.getTracer('test');
  /** A socket read and its submit: the connection span (root) and the Share actor's child. */
  const submit = (): { connection: Span; submits: Span } => {
    const connection = tracer.startSpan('connection lines', {
      attributes: { 'colliery.node': 'n1', 'messaging.destination.name': 'c.n1-1' },
    });
    const submits = tracer.startSpan(
      'share share.submits',
      {},
      trace.setSpan(ROOT_CONTEXT, connection),
    );
    connection.end();
    submits.end();
    return { connection, submits };
  };
  const append = (links: Span[]): Span =>
    tracer.startSpan('share-log.append', {
      links: links.map((s) => ({ context: s.spanContext() })),
      attributes: { 'colliery.record': 'n1:b:1', 'colliery.log_seq': 7, 'colliery.shares': 1 },
    });
  const apply = (appendSpan: Span): Span =>
    tracer.startSpan('ledger.apply', {
      links: [{ context: appendSpan.spanContext() }],
      attributes: { 'colliery.log_seq_from': 7, 'colliery.log_seq_to': 7 },
    });
  return { found, submit, append, apply };
}

describe('share paths', () => {
  it('joins socket read, Share actor, append and apply when the append ends first', () => {
    const { found, submit, append, apply } = setup();
    const { connection, submits } = submit();
    const a = append([submits]);
    a.end();
    assert.equal(found.length, 0, 'no path before the apply');
    const l = apply(a);
    l.end();
    assert.equal(found.length, 1);
    const p = found[0]!;
    assert.equal(p.connection.spanContext().spanId, connection.spanContext().spanId);
    assert.equal(p.submits.spanContext().spanId, submits.spanContext().spanId);
    assert.equal(p.append.spanContext().spanId, a.spanContext().spanId);
    assert.equal(p.apply.spanContext().spanId, l.spanContext().spanId);
    assert.match(
      formatSharePath(p),
      /^share path \(trace [0-9a-f]{8}…, node n1\): miner's socket read → Connection c\.n1-1 at \+0\.00 ms .* share log record n1:b:1 \(seq 7, 1 shares; .* ledger apply \(seq 7–7\)/,
    );
  });

  it('also when the ledger applies the record before the append span ends', () => {
    const { found, submit, append, apply } = setup();
    const { submits } = submit();
    const a = append([submits]);
    apply(a).end();
    assert.equal(found.length, 0);
    a.end();
    assert.equal(found.length, 1);
  });

  it('skips appends whose submits it never saw, and reports at most one path per interval', () => {
    const { found, submit, append, apply } = setup(60_000);
    const stranger = submit();
    const { submits } = submit();
    // An append linking only to a span the processor does not know (another node's share).
    const foreign = append([]);
    foreign.end();
    apply(foreign).end();
    assert.equal(found.length, 0);
    const a = append([stranger.submits, submits]);
    a.end();
    apply(a).end();
    assert.equal(found.length, 1);
    const b = append([submits]);
    b.end();
    apply(b).end();
    assert.equal(found.length, 1, 'the next path waits for the interval');
  });
});
