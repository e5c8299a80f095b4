// One message at a time, bounded mailboxes and their overflow policies, supervision, and the
// simulated clock, on a process-local runtime (no NATS needed for these semantics).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CodedError,
  Runtime,
  RuntimeCode,
  SimulatedClock,
  sequentialIds,
  type Address,
} from '../../runtime/index.js';
import { eventually, recordingLogger, sleep, validateEcho, type Echo } from './fixtures/support.js';

function localRuntime(extra: { onEscalate?: (a: Address, e: unknown) => void } = {}) {
  const clock = new SimulatedClock(1_000);
  const { log, records } = recordingLogger();
  const rt = new Runtime({
    cluster: 'test',
    node: 'n1',
    log,
    clock,
    ids: sequentialIds('t'),
    ...extra,
  });
  return { rt, clock, records };
}

/** Advances the simulated clock in small steps until `p` settles (retries wait on the clock). */
async function settle<T>(p: Promise<T>, clock: SimulatedClock): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    clock.advance(10);
    await sleep(0);
  }
  return p;
}

/** A handler that parks until released, so the test controls when the mailbox drains. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('runtime execution', () => {
  it('handles one message at a time per actor', async () => {
    const { rt } = localRuntime();
    let active = 0;
    let maxActive = 0;
    const at = rt.spawn(
      'serial',
      '1',
      () => ({
        async receive() {
          maxActive = Math.max(maxActive, ++active);
          await sleep(1);
          active--;
        },
      }),
      { validate: validateEcho },
    );
    await Promise.all(Array.from({ length: 20 }, () => rt.ask(at, { type: 'echo', value: 0 })));
    assert.equal(maxActive, 1);
  });

  it("rejects past capacity under 'reject': tells dropped and counted, asks fail MAILBOX_FULL", async () => {
    const { rt } = localRuntime();
    const g = gate();
    const at = rt.spawn('box', '1', () => ({ receive: () => g.opened }), {
      validate: validateEcho,
      mailbox: { capacity: 2, overflow: 'reject' },
    });
    rt.tell(at, { type: 'echo', value: 0 });
    await sleep(0);
    rt.tell(at, { type: 'echo', value: 1 });
    rt.tell(at, { type: 'echo', value: 2 });
    rt.tell(at, { type: 'echo', value: 3 });
    await assert.rejects(rt.ask(at, { type: 'echo', value: 4 }), { code: RuntimeCode.MailboxFull });
    assert.deepEqual(
      { depth: rt.statsOf(at)?.depth, dropped: rt.statsOf(at)?.dropped },
      { depth: 2, dropped: 2 },
    );
    g.open();
    await eventually('mailbox drained', () => (rt.statsOf(at)?.depth === 0 ? true : undefined));
  });

  it("evicts the oldest under 'drop-oldest' and fails the evicted ask with MAILBOX_FULL", async () => {
    const { rt } = localRuntime();
    const g = gate();
    const handled: unknown[] = [];
    const at = rt.spawn(
      'box',
      '2',
      () => ({
        async receive(m: Echo) {
          await g.opened;
          handled.push((m as { value: unknown }).value);
          return 'ok';
        },
      }),
      { validate: validateEcho, mailbox: { capacity: 1, overflow: 'drop-oldest' } },
    );
    const first = rt.ask(at, { type: 'echo', value: 'first' });
    await sleep(0);
    const evicted = rt.ask(at, { type: 'echo', value: 'evicted' });
    const newest = rt.ask(at, { type: 'echo', value: 'newest' });
    await assert.rejects(evicted, { code: RuntimeCode.MailboxFull });
    g.open();
    assert.equal(await first, 'ok');
    assert.equal(await newest, 'ok');
    assert.deepEqual(handled, ['first', 'newest']);
  });

  it('restarts a throwing actor with backoff and fresh state, logging the failure', async () => {
    const { rt, clock, records } = localRuntime();
    let incarnations = 0;
    const at = rt.spawn(
      'flaky',
      '1',
      () => {
        incarnations++;
        let count = 0;
        return {
          receive(m: Echo) {
            if (m.type === 'fail') throw new CodedError(m.code, 'boom');
            return ++count;
          },
        };
      },
      { validate: validateEcho, supervision: { action: 'restart', backoffMs: 100 } },
    );
    assert.equal(await rt.ask(at, { type: 'echo', value: 0 }), 1);
    assert.equal(await rt.ask(at, { type: 'echo', value: 0 }), 2);
    await assert.rejects(rt.ask(at, { type: 'fail', code: 'KABOOM' }), { code: 'KABOOM' });
    const next = rt.ask(at, { type: 'echo', value: 0 }, { timeoutMs: 10_000 });
    await sleep(5);
    assert.equal(incarnations, 1, 'no restart before the backoff elapses');
    clock.advance(100);
    assert.equal(await next, 1, 'state starts fresh after the restart');
    assert.equal(incarnations, 2);
    assert.equal(rt.statsOf(at)?.restarts, 1);
    const failure = records.find((r) => r.msg === 'actor handler failed');
    assert.equal(failure?.err?.code, 'KABOOM');
    assert.equal(failure?.['actor'], at);
  });

  it("stops the actor under 'stop': later asks fail rather than vanish", async () => {
    const { rt, clock } = localRuntime();
    const at = rt.spawn(
      'fragile',
      '1',
      () => ({
        receive: (m: Echo) => {
          if (m.type === 'fail') throw new Error('bad');
          return 'fine';
        },
      }),
      { validate: validateEcho, supervision: { action: 'stop' } },
    );
    await assert.rejects(rt.ask(at, { type: 'fail', code: 'X' }), {
      code: RuntimeCode.HandlerFailed,
    });
    assert.equal(rt.statsOf(at), undefined);
    await assert.rejects(settle(rt.ask(at, { type: 'echo', value: 1 }, { timeoutMs: 50 }), clock), {
      code: RuntimeCode.NoActor,
    });
  });

  it('escalates when restarts exceed the limit within the window', async () => {
    const escalated: Address[] = [];
    const { rt, clock } = localRuntime({ onEscalate: (a) => escalated.push(a) });
    const at = rt.spawn(
      'doomed',
      '1',
      () => ({
        receive: () => {
          throw new Error('always');
        },
      }),
      { validate: validateEcho, supervision: { action: 'restart', maxRestarts: 2, backoffMs: 10 } },
    );
    for (let i = 0; i < 3; i++) {
      await assert.rejects(rt.ask(at, { type: 'echo', value: i }, { timeoutMs: 60_000 }));
      clock.advance(1_000);
    }
    assert.deepEqual(escalated, [at]);
    assert.equal(rt.statsOf(at), undefined);
  });

  it('times asks out on the injected clock', async () => {
    const { rt, clock } = localRuntime();
    const g = gate();
    const at = rt.spawn('stuck', '1', () => ({ receive: () => g.opened }), {
      validate: validateEcho,
    });
    const pending = rt.ask(at, { type: 'echo', value: 0 }, { timeoutMs: 30_000 });
    clock.advance(30_000);
    await assert.rejects(pending, { code: RuntimeCode.AskTimeout });
    g.open();
  });

  it('drain leaves no timer set once it is done (a live one would hold the process open)', async () => {
    const sim = new SimulatedClock(0);
    const live = new Set<object>();
    const clock = {
      nowMs: () => sim.nowMs(),
      after(delayMs: number, fn: () => void) {
        const key = {};
        live.add(key);
        const t = sim.after(delayMs, () => {
          live.delete(key);
          fn();
        });
        return { cancel: () => (live.delete(key), t.cancel()) };
      },
    };
    const { log } = recordingLogger();
    const rt = new Runtime({ cluster: 'test', node: 'n1', log, clock, ids: sequentialIds('t') });
    rt.spawn('idle', '1', () => ({ receive: () => undefined }), { validate: validateEcho });
    await rt.drain({ timeoutMs: 60_000 });
    assert.equal(live.size, 0, 'timers still set after the drain');
  });

  it('a broadcast reaches each subscriber one message at a time, in order, never inside its own handler', async () => {
    const { rt } = localRuntime();
    const topic = rt.topic('news');
    const log: string[] = [];
    const parked = gate();
    const depth = new Map<string, number>();
    const subscriber = (name: string) => () => ({
      receive: async (m: { type: string; n?: number }) => {
        assert.equal(depth.get(name) ?? 0, 0, `${name} handles one message at a time`);
        depth.set(name, 1);
        log.push(`${name}:${m.type}${m.n ?? ''}`);
        // The idle one rebroadcasts from its handler: it must not get that one until it returns.
        if (name === 'idle' && m.type === 'first') rt.publishLocal(topic, { type: 'echo' });
        if (name === 'busy' && m.type === 'park') await parked.opened;
        depth.set(name, 0);
      },
    });
    const busy = rt.spawn('sub', 'busy', subscriber('busy'), { validate: (m) => m as never });
    const idle = rt.spawn('sub', 'idle', subscriber('idle'), { validate: (m) => m as never });
    rt.subscribe(topic, busy);
    rt.subscribe(topic, idle);
    rt.tell(busy, { type: 'park' });
    await eventually('busy parked', () => (log.includes('busy:park') ? true : undefined));
    rt.tell(busy, { type: 'queued', n: 1 });
    rt.publishLocal(topic, { type: 'first' });
    await sleep(5);
    assert.deepEqual(log, ['busy:park', 'idle:first', 'idle:echo'], 'the idle one, in turn');
    parked.open();
    await eventually('busy caught up', () => (log.length === 6 ? true : undefined));
    assert.deepEqual(log.slice(3), ['busy:queued1', 'busy:first', 'busy:echo']);
    await rt.drain();
  });

  it('simulated clock fires timers in order and only when advanced', () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    clock.after(20, () => fired.push('b'));
    clock.after(10, () => fired.push('a'));
    clock.after(30, () => fired.push('c')).cancel();
    clock.advance(15);
    assert.deepEqual(fired, ['a']);
    clock.advance(100);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.nowMs(), 115);
  });
});
