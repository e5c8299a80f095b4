// Messages over the server's max_payload (1 MB by default) travel in parts and arrive whole:
// a broadcast and a tell between two runtimes on a real nats-server, two publishers' big
// messages interleaved on one topic, the trace header kept. Reassembly's limits: a bad part
// header, a message whose parts stop coming (expired), too many messages pending.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { headers } from '@nats-io/transport-node';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Runtime } from '../../runtime/index.js';
import { PART_HEADER, Reassembly } from '../../runtime/parts.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { eventually, natsRuntime } from './fixtures/support.js';

type Big = { type: 'big'; from: string; bytes: Uint8Array; text: string };
const validateBig = (m: unknown): Big => m as Big;
const big = (from: string, size: number): Big => ({
  type: 'big',
  from,
  bytes: new Uint8Array(randomBytes(size)),
  text: 'x'.repeat(1_000),
});

describe('messages in parts', () => {
  let server: NatsServer;
  let a: Runtime;
  let b: Runtime;
  before(async () => {
    server = await startNatsServer();
    a = await natsRuntime(server.url, 'a');
    b = await natsRuntime(server.url, 'b');
  });
  after(async () => {
    await a.drain();
    await b.drain();
    await server.stop();
  });

  it('a 3.5 MB broadcast and a 2.5 MB tell arrive whole, with their trace', async () => {
    assert.ok((a.nc.info?.max_payload ?? 0) <= 1_048_576, 'the server keeps its default limit');
    const got: { msg: Big; traceId: string | undefined }[] = [];
    const listener = b.spawn(
      'listener',
      'big',
      () => ({
        receive: (m: Big, ctx) =>
          void got.push({ msg: m, traceId: trace.getSpanContext(ctx.trace)?.traceId }),
      }),
      { validate: validateBig },
    );
    const topic = a.topic('jobs-full', 'parts');
    b.subscribe(topic, listener);
    await b.nc.flush();
    const sent = big('a', 3_500_000);
    const traceId = 'ab'.repeat(16);
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: 'cd'.repeat(8),
      traceFlags: 1,
    });
    a.publish(topic, sent, parent);
    const told = big('a', 2_500_000);
    a.tell(listener, told);
    await eventually('both delivered', () => (got.length >= 2 ? true : undefined));
    assert.deepEqual(got[0]?.msg.bytes, sent.bytes);
    assert.equal(got[0]?.traceId, traceId, 'the trace header is on every part');
    assert.deepEqual(got[1]?.msg.bytes, told.bytes);
  });

  it('an ask whose reply is over the limit hears REPLY_TOO_LARGE; the node keeps serving', async () => {
    const at = b.spawn(
      'answers',
      'big',
      () => ({
        receive: (m: { type: string; size: number }) => new Uint8Array(m.size),
      }),
      { validate: (m) => m as { type: string; size: number } },
    );
    await b.nc.flush();
    await assert.rejects(a.ask(at, { type: 'size', size: 2_000_000 }), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'REPLY_TOO_LARGE');
      return true;
    });
    const small = await a.ask<Uint8Array>(at, { type: 'size', size: 10 });
    assert.equal(small.length, 10);
  });

  it("two publishers' big messages interleaved on one topic each arrive whole", async () => {
    const got: Big[] = [];
    const listener = b.spawn('listener', 'mixed', () => ({ receive: (m: Big) => got.push(m) }), {
      validate: validateBig,
      remote: false,
    });
    const topic = a.topic('mixed', 'parts');
    b.subscribe(topic, listener);
    await b.nc.flush();
    const sent = [big('a', 2_200_000), big('b', 1_500_000), big('a', 1_100_000)];
    a.publish(topic, sent[0]);
    b.publish(topic, sent[1]);
    a.publish(topic, sent[2]);
    await eventually('three delivered', () => (got.length >= 3 ? true : undefined));
    const byLength = (x: Big[]): number[] => x.map((m) => m.bytes.length).sort();
    assert.deepEqual(byLength(got), byLength(sent));
    for (const m of got) {
      const s = sent.find((x) => x.bytes.length === m.bytes.length);
      assert.deepEqual(m.bytes, s?.bytes);
    }
  });
});

describe('reassembly', () => {
  const part = (id: string, i: number, n: number) => {
    const h = headers();
    h.set(PART_HEADER, `${id} ${i} ${n}`);
    return h;
  };
  const bytes = (v: number) => Uint8Array.of(v);

  it('joins parts in order; a message without the header is whole already', () => {
    const r = new Reassembly();
    assert.deepEqual(r.accept(bytes(9), undefined), { kind: 'whole', data: bytes(9) });
    assert.equal(r.accept(bytes(1), part('m', 0, 2)).kind, 'waiting');
    assert.deepEqual(r.accept(bytes(2), part('m', 1, 2)), {
      kind: 'whole',
      data: Uint8Array.of(1, 2),
    });
    assert.equal(r.pending, 0);
  });

  it('drops a bad header, a repeated part and a message whose parts stop coming', () => {
    let now = 0;
    const r = new Reassembly(() => now);
    for (const tag of ['m 2 2', 'm -1 2', 'm 0 0', ' 0 1', 'm x 2', 'm 0 99999'])
      assert.equal(r.accept(bytes(1), headerOf(tag)).kind, 'dropped', tag);
    assert.equal(r.accept(bytes(1), part('m', 0, 3)).kind, 'waiting');
    assert.equal(r.accept(bytes(1), part('m', 0, 3)).kind, 'dropped', 'part 0 twice');
    assert.equal(r.pending, 0);
    assert.equal(r.accept(bytes(1), part('late', 0, 2)).kind, 'waiting');
    now = 31_000;
    assert.equal(r.accept(bytes(1), part('next', 0, 2)).kind, 'waiting');
    assert.equal(r.pending, 1, 'the message whose parts stopped expired');
    assert.equal(r.accept(bytes(2), part('late', 1, 2)).kind, 'waiting', 'its tail starts anew');
  });

  it('keeps at most 8 messages pending, the oldest going first', () => {
    const r = new Reassembly();
    for (let i = 0; i < 9; i++) r.accept(bytes(i), part(`m${i}`, 0, 2));
    assert.equal(r.pending, 8);
    assert.equal(r.accept(bytes(0), part('m0', 1, 2)).kind, 'waiting', 'm0 was dropped');
    assert.equal(r.accept(bytes(8), part('m8', 1, 2)).kind, 'whole');
  });

  function headerOf(tag: string) {
    const h = headers();
    h.set(PART_HEADER, tag);
    return h;
  }
});
