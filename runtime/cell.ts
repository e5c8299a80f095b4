// One actor's shell: edge validation, a bounded mailbox, one message at a time, a span per
// message through the interceptor, replies for asks, and supervision when a handler throws.
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Address, Topic } from './address.js';
import type { Clock, Ids } from './clock.js';
import { failure as fail, wireCopy, type Reply } from './envelope.js';
import { RuntimeCode, fromErrorRecord, rejected, runtimeError, toErrorRecord } from './errors.js';
import { Mailbox } from './mailbox.js';
import type { HandledSpan, Interceptor } from './tracing.js';
import type {
  ActorContext,
  ActorOptions,
  ActorStats,
  AskOptions,
  Behaviour,
  Factory,
  Lease,
  StopReason,
  SupervisionPolicy,
} from './types.js';

export type ReplyFn = (reply: Reply) => void;

/**
 * A waiting message. `traceparent`: its sender's trace, for the span this cell opens to handle
 * it; or `shared`: the span already opened for a broadcast to many local actors, which the
 * handler runs in (no span of its own).
 */
type Item = {
  msg: unknown;
  traceparent: string | undefined;
  reply: ReplyFn | undefined;
  shared: Context | undefined;
};

/** A broadcast's handling: the broadcast's span is the host's to end. */
const NO_SPAN: HandledSpan = { context: ROOT_CONTEXT, end: () => undefined };

/** What a cell needs from the runtime that hosts it: its environment, and its ways out. */
export interface CellHost {
  readonly node: string;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  readonly interceptor: Interceptor;
  tell(to: Address, msg: unknown, parent?: Context): void;
  publish(to: Topic, msg: unknown, parent?: Context): void;
  ask<R = unknown>(
    to: Address,
    msg: unknown,
    options?: AskOptions<R>,
    parent?: Context,
  ): Promise<R>;
  escalate(address: Address, err: unknown): void;
  removed(cell: Cell<unknown>): void;
}

const BATCH = 1024;
const DEFAULT_POLICY: Required<SupervisionPolicy> = {
  action: 'restart',
  maxRestarts: 10,
  windowMs: 60_000,
  backoffMs: 10,
  maxBackoffMs: 5_000,
};

const RUNNING = 0;
const RESTARTING = 1;
const STOPPED = 2;
const STATE = 3;
const SCHEDULED = 4;
const BUSY = 8;

/** Cells with mail, run in order by one microtask (not one each): a broadcast is one queue walk. */
const runQueue: Cell<unknown>[] = [];
let runQueued = false;
function drainRunQueue(): void {
  for (let i = 0; i < runQueue.length; i++) runQueue[i]!.runNow();
  runQueue.length = 0;
  runQueued = false;
}

/** Failure bookkeeping (timesMs: recent failures, for the supervision window), made on first use. */
type Faults = { dropped: number; failures: number; restarts: number; timesMs: number[] };

// Per-cell state is kept small (a node hosts 100k Connection actors): node, clock and ids are
// the host's, the logger child and the failure counters are made on first use, and the run
// state is one small integer.
export class Cell<M> extends Mailbox<Item> implements ActorContext {
  trace: Context = ROOT_CONTEXT;
  readonly #host: CellHost;
  /** Kept only by actors that may be restarted. */
  readonly #factory: Factory<M> | undefined;
  readonly #options: ActorOptions<M>;
  #log: Logger | undefined;
  #behaviour: Behaviour<M>;
  /** RUNNING | RESTARTING | STOPPED, plus the SCHEDULED and BUSY bits. */
  #flags = RUNNING;
  #processed = 0;
  #faults: Faults | undefined;

  constructor(
    host: CellHost,
    readonly self: Address,
    readonly kind: string,
    factory: Factory<M>,
    options: ActorOptions<M>,
    readonly lease: Lease | undefined,
  ) {
    super(options.mailbox);
    this.#host = host;
    this.#factory = (options.supervision?.action ?? 'restart') === 'restart' ? factory : undefined;
    this.#options = options;
    this.#behaviour = factory(this);
  }

  get node(): string {
    return this.#host.node;
  }
  get clock(): Clock {
    return this.#host.clock;
  }
  get ids(): Ids {
    return this.#host.ids;
  }

  get #state(): number {
    return this.#flags & STATE;
  }
  set #state(state: number) {
    this.#flags = (this.#flags & ~STATE) | state;
  }
  get #faultsNow(): Faults {
    return (this.#faults ??= { dropped: 0, failures: 0, restarts: 0, timesMs: [] });
  }

  get log(): Logger {
    return (this.#log ??= this.#host.log.child({ actor: this.self }));
  }

  /** True once the mailbox is empty and no handler is running (or the actor has stopped). */
  get idle(): boolean {
    return this.#state === STOPPED || ((this.#flags & BUSY) === 0 && this.depth === 0);
  }

  // Outgoing messages continue the trace of the message being handled.
  tell(to: Address, msg: unknown): void {
    this.#host.tell(to, msg, this.trace);
  }
  publish(to: Topic, msg: unknown): void {
    this.#host.publish(to, msg, this.trace);
  }
  ask<R = unknown>(to: Address, msg: unknown, opts?: AskOptions<R>): Promise<R> {
    return this.#host.ask(to, msg, opts, this.trace);
  }

  /**
   * The edge: validate, then enqueue under the overflow policy. Never throws. `shared`: the
   * context of a broadcast's one span (the handler opens none of its own).
   */
  deliver(
    raw: unknown,
    traceparent: string | undefined,
    reply: ReplyFn | undefined,
    shared?: Context,
  ): void {
    if (this.#state === STOPPED)
      return reply?.(fail(RuntimeCode.ActorStopped, `${this.self} has stopped`));
    let msg: M;
    try {
      msg = this.#options.validate(raw);
    } catch (err) {
      const coded = rejected(err, `${this.self} rejected a message`);
      this.log.warn({ err: coded, code: coded.code }, 'message rejected at the edge');
      this.#faultsNow.dropped++;
      return reply?.({ ok: false, error: toErrorRecord(coded) });
    }
    const refused = this.push({ msg, traceparent, reply, shared });
    if (refused !== undefined) {
      this.#faultsNow.dropped++;
      this.log.warn({ depth: this.depth, policy: this.overflow }, 'mailbox full');
      refused.reply?.(fail(RuntimeCode.MailboxFull, `mailbox of ${this.self} is full`));
    }
    this.#schedule();
  }

  /**
   * A broadcast to many local actors (a job to every connection), in its one span `shared`: an
   * idle actor (running, nothing waiting, not scheduled or busy, its lease valid) handles it at
   * once, without a trip through its mailbox and the run queue; any other gets it by `deliver`,
   * behind what already waits. Either way one message at a time, in order.
   */
  deliverShared(raw: unknown, shared: Context): void {
    if (this.#flags !== RUNNING || this.depth > 0 || this.lease?.valid() === false)
      return this.deliver(raw, undefined, undefined, shared);
    let msg: M;
    try {
      msg = this.#options.validate(raw);
    } catch {
      return this.deliver(raw, undefined, undefined, shared); // rejected and counted there
    }
    this.#run({ msg, traceparent: undefined, reply: undefined, shared });
    if (this.#flags === RUNNING && this.depth > 0) this.#schedule();
  }

  /** One local ask: the same mailbox, validation and value copies as over NATS. */
  async request(
    msg: unknown,
    traceparent: string | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = this.clock.after(timeoutMs, () =>
        reject(runtimeError(RuntimeCode.AskTimeout, `ask to ${this.self} timed out`)),
      );
      this.deliver(wireCopy(msg), traceparent, (r) => {
        timer.cancel();
        resolve(r);
      });
    });
    if (!reply.ok) throw fromErrorRecord(reply.error);
    return wireCopy(reply.value);
  }

  stats(): ActorStats {
    const { depth, capacity } = this;
    const processed = this.#processed;
    const { dropped = 0, failures = 0, restarts = 0 } = this.#faults ?? {};
    return { address: this.self, depth, capacity, processed, dropped, failures, restarts };
  }

  async notifyDraining(): Promise<void> {
    await this.#behaviour.draining?.(this);
  }

  /** Stops the actor: waiting messages are answered with `code`, then `stopped` is called. */
  async stop(reason: StopReason, code: RuntimeCode = RuntimeCode.ActorStopped): Promise<void> {
    if (this.#state === STOPPED) return;
    this.#state = STOPPED;
    for (const item of this.clear())
      item.reply?.(fail(code, `${this.self} stopped (${reason}) before handling the message`));
    this.#host.removed(this as Cell<unknown>);
    try {
      await this.#behaviour.stopped?.(reason, this);
    } catch (err) {
      this.log.error({ err }, 'stopped hook failed');
    }
  }

  #schedule(): void {
    if (this.#flags !== RUNNING) return; // scheduled, busy, restarting or stopped
    this.#flags |= SCHEDULED;
    runQueue.push(this as Cell<unknown>);
    if (!runQueued) {
      runQueued = true;
      queueMicrotask(drainRunQueue);
    }
  }

  /** Handles waiting messages (the run queue's and setImmediate's entry point). */
  runNow(): void {
    this.#flags &= ~SCHEDULED;
    for (let budget = BATCH; budget > 0 && this.#state === RUNNING; budget--) {
      const item = this.shift();
      if (item === undefined) break;
      if (this.lease !== undefined && !this.lease.valid()) {
        item.reply?.(fail(RuntimeCode.Fenced, `${this.self} no longer holds its lease`));
        continue;
      }
      if (!this.#run(item)) return;
    }
    if (this.#state === RUNNING && this.depth > 0) {
      this.#flags |= SCHEDULED;
      setImmediate(() => this.runNow());
    }
  }

  /**
   * Handles `item`, busy meanwhile (a broadcast reaching this actor from its own handler waits in
   * the mailbox). False: the handler went async, and the actor stays busy until it settles.
   */
  #run(item: Item): boolean {
    this.#flags |= BUSY;
    const pending = this.#invoke(item);
    if (pending === undefined) {
      this.#flags &= ~BUSY;
      return true;
    }
    void pending.then(() => {
      this.#flags &= ~BUSY;
      this.#schedule();
    });
    return false;
  }

  #invoke(item: Item): Promise<void> | undefined {
    const span = item.shared === undefined ? this.#begin(item) : NO_SPAN;
    this.trace = item.shared ?? span.context;
    let out: unknown;
    try {
      out = this.#behaviour.receive(item.msg as M, this);
    } catch (err) {
      return this.#settle(item, span, false, err);
    }
    if (typeof (out as PromiseLike<unknown> | undefined)?.then !== 'function')
      return this.#settle(item, span, true, out);
    return Promise.resolve(out).then(
      (value) => this.#settle(item, span, true, value),
      (err: unknown) => this.#settle(item, span, false, err),
    );
  }

  #begin(item: Item): HandledSpan {
    const { self: address, kind, node } = this;
    const type = messageType(item.msg);
    const info = { address, kind, type, node, ask: item.reply !== undefined };
    return this.#host.interceptor.begin(item.traceparent, info);
  }

  #settle(item: Item, span: HandledSpan, ok: boolean, result: unknown): undefined {
    span.end(ok ? undefined : result);
    if (ok) this.#processed++;
    else this.#faultsNow.failures++;
    item.reply?.(ok ? { ok: true, value: result } : { ok: false, error: toErrorRecord(result) });
    if (!ok) this.#supervise(result);
  }

  #supervise(err: unknown): void {
    const policy = { ...DEFAULT_POLICY, ...this.#options.supervision };
    const nowMs = this.clock.nowMs();
    const faults = this.#faultsNow;
    faults.timesMs = faults.timesMs.filter((t) => nowMs - t < policy.windowMs);
    faults.timesMs.push(nowMs);
    const recent = faults.timesMs.length;
    const action =
      policy.action === 'restart' && recent > policy.maxRestarts ? 'escalate' : policy.action;
    this.log.error({ err, action, recentFailures: recent }, 'actor handler failed');
    if (action !== 'restart') {
      if (action === 'escalate') this.#host.escalate(this.self, err);
      return void this.stop('failed');
    }
    this.#state = RESTARTING;
    const delayMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (recent - 1));
    this.clock.after(delayMs, () => {
      if (this.#state !== RESTARTING) return;
      try {
        this.#behaviour = (this.#factory as Factory<M>)(this);
      } catch (err) {
        this.log.error({ err }, 'actor factory failed on restart');
        this.#host.escalate(this.self, err);
        return void this.stop('failed');
      }
      faults.restarts++;
      this.#state = RUNNING;
      this.log.info({ restarts: faults.restarts }, 'actor restarted');
      this.#schedule();
    });
  }
}

/** A message's `type` (what its span is named after), or 'message'. */
export function messageType(msg: unknown): string {
  const t = (msg as { type?: unknown } | null)?.type;
  return typeof t === 'string' ? t : 'message';
}
