// Tells, asks, errors and edge validation between two runtimes on a real nats-server, and the
// same operations delivered locally, which must behave identically.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { connect } from '@nats-io/transport-node';
import { pack } from 'msgpackr';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  CodedError,
  connectNats,
  handOff,
  Runtime,
  RuntimeCode,
  type Address,
  type Behaviour,
} from '../../runtime/index.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import {
  eventually,
  natsRuntime,
  recordingLogger,
  sleep,
  validateEcho,
  type Echo,
} from './fixtures/support.js';

let server: NatsServer;
let a: Runtime;
let b: Runtime;
let echoAtB: Address;
let echoAtA: Address;
const received: unknown[] = [];

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

/** Values that msgpackr reshapes or refuses, mixed with plain data, nested at any depth. */
const edgeValue = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    stringUnit: 'binary',
    key: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor')),
  }),
  fc.constantFrom(-0, NaN, -Infinity, /x/g, new Error('boom'), () => 1),
  fc.constantFrom(2n ** 64n, -(2n ** 63n), Symbol('not encodable'), '\ud800 lone'),
  fc.record({ x: fc.double(), y: fc.integer() }).map(({ x, y }) => new Point(x, y)),
  fc.uint8Array().map((u) => [Buffer.from(u), u.subarray(1), new Float32Array(u)]),
  fc.dictionary(fc.string(), fc.constantFrom(undefined, -0, null, new Map([[1, 2]]))),
);

function echoFactory() {
  return {
    async receive(msg: Echo) {
      // SHAPED_*: an error of another class (another copy of CodedError, a worker thread's,
      // a Node system error) that carries a code: matched by shape, it keeps its code too.
      if (msg.type === 'fail' && msg.code.startsWith('SHAPED_'))
        throw Object.assign(new Error('failed on purpose'), { code: msg.code, retryable: true });
      if (msg.type === 'fail')
        throw new CodedError(msg.code, `failed on purpose`, { retryable: true });
      if (msg.type === 'slow') await sleep(msg.ms);
      received.push(msg);
      return msg.type === 'echo' ? msg.value : 'slept';
    },
  };
}

before(async () => {
  server = await startNatsServer();
  a = await natsRuntime(server.url, 'a');
  b = await natsRuntime(server.url, 'b');
  echoAtB = b.spawn('echo', 'b', echoFactory, { validate: validateEcho });
  echoAtA = a.spawn('echo', 'a', echoFactory, { validate: validateEcho });
  await b.nc.flush();
  await a.nc.flush();
});

after(async () => {
  await a.drain();
  await b.drain();
  await server.stop();
});

describe('runtime messaging', () => {
  it('builds addresses from one place and refuses unsafe tokens', () => {
    assert.equal(a.address('share', 'node-1'), 'colliery.test.share.node-1');
    assert.equal(a.topic('jobs', 'bitcoin'), 'colliery.test.topic.jobs.bitcoin');
    assert.throws(() => a.address('share', 'x.y'), { code: 'BAD_ADDRESS' });
    assert.throws(() => a.address('share', '*'), { code: 'BAD_ADDRESS' });
  });

  it('hands a receiver the same message, and the asker the same reply, over NATS and locally', async () => {
    let last: unknown;
    const at = b.spawn('capture', 'edge', () => ({ receive: (m: unknown) => (last = m) }), {
      validate: (m) => m,
    });
    await b.nc.flush();
    const outcome = async (rt: Runtime, value: unknown) => {
      last = undefined;
      try {
        const reply = await rt.ask(at, { value });
        return { reply, received: last, frozen: Object.isFrozen(last) || Object.isFrozen(reply) };
      } catch (err) {
        return { code: (err as CodedError).code, message: (err as Error).message };
      }
    };
    await fc.assert(
      fc.asyncProperty(edgeValue, async (value) => {
        const remote = await outcome(a, value);
        const local = await outcome(b, value);
        assert.deepEqual(local, remote);
      }),
      { numRuns: 150 },
    );
    await b.stop(at);
  });

  it('delivers tells over NATS and locally', async () => {
    a.tell(echoAtB, { type: 'echo', value: 'remote-tell' });
    b.tell(echoAtB, { type: 'echo', value: 'local-tell' });
    await eventually('both tells handled', () => {
      const values = received.map((m) => (m as { value?: unknown }).value);
      return values.includes('remote-tell') && values.includes('local-tell') ? true : undefined;
    });
  });

  it('rebuilds a handler error on the caller side with its code, message and retryability', async () => {
    for (const rt of [a, b]) {
      for (const code of ['LEDGER_WRITE_FAILED', 'SHAPED_LEDGER_CLOSED']) {
        const err = await rt.ask(echoAtB, { type: 'fail', code }).then(
          () => assert.fail('ask should have failed'),
          (e: unknown) => e as CodedError,
        );
        assert.equal(err.code, code);
        assert.equal(err.message, 'failed on purpose');
        assert.equal(err.retryable, true);
      }
    }
  });

  it('fails an ask past its deadline with ASK_TIMEOUT, locally and remotely', async () => {
    for (const rt of [a, b]) {
      await assert.rejects(rt.ask(echoAtB, { type: 'slow', ms: 400 }, { timeoutMs: 50 }), {
        code: RuntimeCode.AskTimeout,
      });
    }
  });

  it('reports NO_ACTOR (retryable) when nobody listens at the address', async () => {
    const nobody = a.address('echo', 'nobody');
    const err = await a
      .ask(nobody, { type: 'echo', value: 1 }, { timeoutMs: 1_000 })
      .catch((e: unknown) => e);
    assert.equal((err as CodedError).code, RuntimeCode.NoActor);
    assert.equal((err as CodedError).retryable, true);
  });

  it('reports NO_ACTOR, not a transport error, when the deadline falls inside the last pause', async () => {
    // After the pause the clock leaves 0.5 ms: that is the deadline, not a request nats.js
    // would refuse ("timeout must be greater than 0", which read as TRANSPORT on a busy CI).
    const times = [0, 0];
    const clock = {
      nowMs: () => times.shift() ?? 999.5,
      after: (_ms: number, fn: () => void) => (queueMicrotask(fn), { cancel: () => undefined }),
    };
    const nc = await connectNats([server.url], 'clock-test');
    const rt = new Runtime({
      cluster: 'msg',
      node: 'clock',
      log: recordingLogger().log,
      nc,
      clock,
    });
    try {
      const err = await rt
        .ask(rt.address('echo', 'nobody'), { type: 'echo', value: 1 }, { timeoutMs: 1_000 })
        .catch((e: unknown) => e);
      assert.equal((err as CodedError).code, RuntimeCode.NoActor);
    } finally {
      await nc.close();
    }
  });

  it('rejects a malformed or wrong-version envelope with BAD_ENVELOPE and keeps the actor running', async () => {
    const raw = await connect({ servers: server.url });
    try {
      for (const [bytes, hint] of [
        [new Uint8Array([0xc1, 0xff, 0x00]), 'msgpack'],
        [pack({ type: 'echo' }), 'array'],
        [pack([2, { type: 'echo', value: 1 }]), 'version 2'],
      ] as const) {
        const reply = await raw.request(echoAtB, bytes, { timeout: 5_000 });
        const decoded = (await import('msgpackr')).unpack(reply.data) as [
          number,
          number,
          { code: string; message: string },
        ];
        assert.equal(decoded[1], 1);
        assert.equal(decoded[2].code, RuntimeCode.BadEnvelope);
        assert.match(decoded[2].message, new RegExp(hint));
      }
    } finally {
      await raw.close();
    }
    assert.equal(await a.ask(echoAtB, { type: 'echo', value: 'still here' }), 'still here');
  });

  it('rejects a message its validator refuses with BAD_MESSAGE and keeps the actor running', async () => {
    for (const rt of [a, b]) {
      await assert.rejects(rt.ask(echoAtB, { type: 'nonsense' }), { code: RuntimeCode.BadMessage });
    }
    assert.equal(await a.ask(echoAtB, { type: 'echo', value: 2 }), 2);
  });

  it('fans a topic out to the local actors subscribed to it on every node', async () => {
    const seen: string[] = [];
    const listener = (name: string) => () => ({
      receive: (m: Echo) => void seen.push(`${name}:${String((m as { value: unknown }).value)}`),
    });
    const jobs = a.topic('jobs', 'demo');
    a.subscribe(
      jobs,
      a.spawn('listener', 'a1', listener('a1'), { validate: validateEcho, remote: false }),
    );
    a.subscribe(
      jobs,
      a.spawn('listener', 'a2', listener('a2'), { validate: validateEcho, remote: false }),
    );
    b.subscribe(
      jobs,
      b.spawn('listener', 'b1', listener('b1'), { validate: validateEcho, remote: false }),
    );
    await a.nc.flush();
    await b.nc.flush();
    b.publish(jobs, { type: 'echo', value: 'job-1' });
    await eventually('three deliveries', () => (seen.length >= 3 ? true : undefined));
    assert.deepEqual([...seen].sort(), ['a1:job-1', 'a2:job-1', 'b1:job-1']);
  });

  it('gives a local receiver its own copy: neither side sees the other mutate', async () => {
    type Sent = { value: { list: number[]; bytes: Uint8Array; when: Date } };
    const got: Sent[] = [];
    const at = b.spawn('capture', 'mutation', () => ({ receive: (m: Sent) => got.push(m) }), {
      validate: (m) => m as Sent,
      remote: false,
    });
    const msg = { value: { list: [1, 2], bytes: new Uint8Array([1]), when: new Date(0) } };
    b.tell(at, msg);
    msg.value.list.push(3);
    msg.value.bytes[0] = 9;
    msg.value.when.setTime(5);
    const received = await eventually('delivered', () => got[0]);
    assert.deepEqual(received, {
      value: { list: [1, 2], bytes: Buffer.from([1]), when: new Date(0) },
    });
    received.value.list.push(4);
    assert.deepEqual(msg.value.list, [1, 2, 3]);
    await b.stop(at);
  });

  it('delivers a handed-off message locally as it is, once; checks it against the wire in tests', async () => {
    type Sent = { n: number; list: string[] };
    const got: Sent[] = [];
    const at = b.spawn('capture', 'handoff', () => ({ receive: (m: Sent) => got.push(m) }), {
      validate: (m) => m as Sent,
      remote: false,
    });
    const msg = handOff({ n: 1, list: ['a'] });
    b.tell(at, msg);
    b.tell(at, msg); // a second tell of the same object: copied as usual
    await eventually('both delivered', () => (got.length === 2 ? true : undefined));
    assert.equal(got[0], msg, 'the first delivery is the object itself');
    assert.notEqual(got[1], msg, 'the handoff covers one delivery');
    assert.deepEqual(got[1], msg);
    if (process.env['COLLIERY_CHECK_HANDOFF'] === '1') {
      // What the wire would reshape is refused at the sender, not delivered differently.
      for (const bad of [
        { n: -0 },
        { m: new Map([['k', 1]]) },
        { s: '\ud800' },
        { b: new Uint8Array(1) },
      ])
        assert.throws(() => handOff(bad), /BAD_MESSAGE|handed-off/);
    }
    await b.stop(at);
  });

  it('decodes a topic message once per node and hands every local target the same frozen value', async () => {
    const local = new Runtime({ cluster: 'test', node: 'solo', log: recordingLogger().log });
    for (const [pub, sub] of [
      [a, b],
      [local, local],
    ] as const) {
      const seen: unknown[] = [];
      const topic = sub.topic('fanout', pub.node);
      for (let i = 0; i < 3; i++) {
        const target = sub.spawn(
          'fan',
          `${pub.node}-${i}`,
          () => ({ receive: (m) => seen.push(m) }),
          {
            validate: (m) => m,
            remote: false,
          },
        );
        sub.subscribe(topic, target);
      }
      if (pub !== sub) await sub.nc.flush();
      const sent = { type: 'job', branch: ['aa', 'bb'], at: new Date(1) };
      pub.publish(topic, sent);
      await eventually('three deliveries', () => (seen.length === 3 ? true : undefined));
      assert.deepEqual(seen[0], sent);
      assert.notEqual(seen[0], sent);
      assert.ok(seen.every((m) => m === seen[0]) && Object.isFrozen(seen[0]));
    }
    await local.drain();
  });

  it('lets an actor publish on a topic, continuing its trace like a tell', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    });
    const topic = a.topic('announce');
    const traces: (string | undefined)[] = [];
    const listener: Behaviour<unknown> = {
      receive: (_m, ctx) => void traces.push(trace.getSpanContext(ctx.trace)?.traceId),
    };
    b.subscribe(
      topic,
      b.spawn('listener', 'announce', () => listener, { validate: (m) => m }),
    );
    await b.nc.flush();
    const announcer = a.spawn(
      'announcer',
      'a',
      () => ({ receive: (m: unknown, ctx) => ctx.publish(topic, m) }),
      { validate: (m) => m },
    );
    a.tell(announcer, { type: 'echo', value: 'news' }, parent);
    await eventually('published', () => traces[0]);
    assert.deepEqual(traces, [traceId]);
  });

  it('spreads a queue group across nodes, one handler per message', async () => {
    const handled: string[] = [];
    const worker = (name: string) => () => ({ receive: () => (handled.push(name), name) });
    a.spawn('worker', 'pool', worker('a'), { validate: validateEcho, queue: 'workers' });
    b.spawn('worker', 'pool', worker('b'), { validate: validateEcho, queue: 'workers' });
    await a.nc.flush();
    await b.nc.flush();
    const client = await natsRuntime(server.url, 'client');
    try {
      const at = client.address('worker', 'pool');
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => client.ask<string>(at, { type: 'echo', value: 0 })),
      );
      assert.equal(handled.length, 40);
      assert.ok(
        replies.includes('a') && replies.includes('b'),
        `both members answer: ${replies.join(',')}`,
      );
    } finally {
      await client.drain();
    }
  });

  it('exposes mailbox depth and counters', () => {
    const stats = b.statsOf(echoAtB);
    assert.ok(stats !== undefined);
    assert.equal(stats.depth, 0);
    assert.ok(stats.processed > 0);
    assert.ok(a.statsOf(echoAtA) !== undefined);
  });
});

describe('runtime drain', () => {
  it('does not report subscriptions that actors stopping mid-drain already closed', async () => {
    const { log, records } = recordingLogger();
    const rt = await natsRuntime(server.url, 'c', { log });
    const actors = Array.from({ length: 40 }, (_, i) =>
      rt.spawn('echo', `c${i}`, echoFactory, { validate: validateEcho }),
    );
    // As connections do when told to reconnect elsewhere: they stop while the drain is busy
    // draining the node's subscriptions one by one.
    rt.onDrain(() => void setTimeout(() => actors.forEach((at) => void rt.stop(at)), 1));
    await rt.drain();
    const failures = records.filter((r) => String(r['msg']).includes('failed during drain'));
    assert.deepEqual(failures, []);
  });
});
