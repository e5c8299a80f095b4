// The node-level runtime: spawns actors (per-node, queue group, keyed singleton), delivers
// tells and asks locally when the receiver lives here and over NATS otherwise, fans broadcast
// topics out to local actors, and drains the node on the way out.
import { context, type Context } from '@opentelemetry/api';
import type { Msg, MsgCallback, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import * as addr from './address.js';
import type { Address, Topic } from './address.js';
import { Cell, messageType, type CellHost, type ReplyFn } from './cell.js';
import { nuidIds, realClock, type Clock, type Ids, type Timer } from './clock.js';
import {
  decodeMessage,
  encodeReply,
  failure,
  freezeBroadcast,
  wireCopy,
  type Reply,
} from './envelope.js';
import {
  CodedError,
  DELIVERY_CODES,
  RuntimeCode,
  codeOf,
  rejected,
  runtimeError,
  toErrorRecord,
} from './errors.js';
import { LeaseSlot } from './lease.js';
import { Reassembly } from './parts.js';
import { otelInterceptor, type Interceptor } from './tracing.js';
import { publishEnvelope, requestEnvelope, traceparentOf } from './transport.js';
import type { ActorOptions, ActorStats, AskOptions, Factory } from './types.js';

export interface RuntimeOptions {
  cluster: string;
  node: string;
  log: Logger;
  /** Omit for a process-local runtime (no remote delivery, no singletons). */
  nc?: NatsConnection;
  clock?: Clock;
  ids?: Ids;
  interceptor?: Interceptor;
  askTimeoutMs?: number;
  /** Replicas of the lease bucket's stream (3 in a 3-server cluster). */
  leaseReplicas?: number;
  /** Called when a supervisor escalates; default logs at fatal. */
  onEscalate?: (address: Address, err: unknown) => void;
}

export interface SingletonOptions<M> extends ActorOptions<M> {
  leaseTtlMs: number;
}

export type DrainHook = () => void | Promise<void>;

export class Runtime implements CellHost {
  readonly cluster: string;
  readonly node: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly interceptor: Interceptor;
  readonly askTimeoutMs: number;
  readonly #nc: NatsConnection | undefined;
  readonly #options: RuntimeOptions;
  readonly #cells = new Map<string, Cell<unknown>>();
  readonly #subs = new Map<string, Subscription>();
  readonly #topics = new Map<Topic, { sub: Subscription | undefined; targets: Set<Address> }>();
  readonly #slots = new Set<LeaseSlot>();
  readonly #drainHooks: DrainHook[] = [];
  #kv: Promise<KV> | undefined;
  #draining: Promise<void> | undefined;

  constructor(options: RuntimeOptions) {
    this.#options = options;
    this.cluster = addr.checkToken('cluster', options.cluster);
    this.node = addr.checkToken('node', options.node);
    this.log = options.log.child({ node: options.node });
    this.#nc = options.nc;
    this.clock = options.clock ?? realClock;
    this.ids = options.ids ?? nuidIds;
    this.interceptor = options.interceptor ?? otelInterceptor();
    this.askTimeoutMs = options.askTimeoutMs ?? 5_000;
  }

  /** The NATS connection, for the few places that need it directly (e.g. the share log). */
  get nc(): NatsConnection {
    if (this.#nc !== undefined) return this.#nc;
    throw new CodedError('NO_NATS', 'this runtime has no NATS connection');
  }

  get draining(): boolean {
    return this.#draining !== undefined;
  }

  address(kind: string, id: string): Address {
    return addr.address(this.cluster, kind, id);
  }

  topic(...parts: string[]): Topic {
    return addr.topic(this.cluster, ...parts);
  }

  spawn<M>(kind: string, id: string, factory: Factory<M>, options: ActorOptions<M>): Address {
    return this.#spawnAt(this.address(kind, id), kind, factory, options).self;
  }

  async stop(address: Address): Promise<void> {
    await this.#cells.get(address)?.stop('stopped');
  }

  /** Mailbox depth and counters of every local actor (or one). */
  stats(): ActorStats[] {
    return [...this.#cells.values()].map((c) => c.stats());
  }

  statsOf(address: Address): ActorStats | undefined {
    return this.#cells.get(address)?.stats();
  }

  tell(to: Address, msg: unknown, parent: Context = context.active()): void {
    const traceparent = this.interceptor.inject(parent);
    const cell = this.#cells.get(to);
    if (cell !== undefined) cell.deliver(wireCopy(msg), traceparent, undefined);
    else if (this.#nc !== undefined) publishEnvelope(this.#nc, to, msg, traceparent);
    else this.log.warn({ to }, 'tell dropped: no such local actor and no NATS connection');
  }

  /**
   * Sends `msg` and resolves with the reply (checked by `expect`). A message that was certainly
   * not handled (DELIVERY_CODES: no actor, draining, fenced, stopped) is resent, with a pause
   * doubling from 20 ms to 500 ms, until the deadline; then the last such error is thrown.
   */
  async ask<R = unknown>(
    to: Address,
    msg: unknown,
    options: AskOptions<R> = {},
    parent: Context = context.active(),
  ): Promise<R> {
    const traceparent = this.interceptor.inject(parent);
    const deadlineMs = this.clock.nowMs() + (options.timeoutMs ?? this.askTimeoutMs);
    let lastErr: unknown;
    let value: unknown;
    for (let pauseMs = 20; ; pauseMs = Math.min(pauseMs * 2, 500)) {
      // Under 1 ms left is over (nats.js refuses a sub-millisecond request timeout outright).
      const remainingMs = deadlineMs - this.clock.nowMs();
      if (remainingMs < 1)
        throw lastErr ?? runtimeError(RuntimeCode.AskTimeout, `ask to ${to} timed out`);
      try {
        const cell = this.#cells.get(to);
        if (cell !== undefined) value = await cell.request(msg, traceparent, remainingMs);
        else if (this.#nc === undefined)
          throw runtimeError(RuntimeCode.NoActor, `no actor at ${to}`);
        else value = await requestEnvelope(this.#nc, to, msg, traceparent, remainingMs);
        break;
      } catch (err) {
        if (!DELIVERY_CODES.has(codeOf(err) ?? '')) throw err;
        lastErr = err;
        await new Promise<void>((r) => this.clock.after(Math.min(remainingMs, pauseMs), r));
      }
    }
    try {
      return options.expect === undefined ? (value as R) : options.expect(value);
    } catch (err) {
      throw rejected(err, `reply from ${to} rejected`);
    }
  }

  /** Broadcasts on `to`: every node's local subscribers get it (only this node's without NATS). */
  publish(to: Topic, msg: unknown, parent: Context = context.active()): void {
    const traceparent = this.interceptor.inject(parent);
    if (this.#nc !== undefined) publishEnvelope(this.#nc, to, msg, traceparent);
    else this.#fanOut(to, freezeBroadcast(wireCopy(msg)), traceparent);
  }

  /**
   * Delivers `msg` to this node's subscribers of `to` only, without NATS (a node serving its
   * own miners while the bus is away).
   */
  publishLocal(to: Topic, msg: unknown, parent: Context = context.active()): void {
    this.#fanOut(to, freezeBroadcast(wireCopy(msg)), this.interceptor.inject(parent));
  }

  /**
   * Delivers every message published on `to` to the local actor `target`; returns an undo. One
   * NATS subscription per topic and node: each message is decoded once and the same frozen
   * value goes to every local target.
   */
  subscribe(to: Topic, target: Address): () => void {
    let entry = this.#topics.get(to);
    if (entry === undefined) {
      const sub = this.#nc?.subscribe(to, {
        callback: this.#decoding(to, (body, tp) => this.#fanOut(to, freezeBroadcast(body), tp)),
      });
      this.#topics.set(to, (entry = { sub, targets: new Set() }));
    }
    entry.targets.add(target);
    return () => this.#unsubscribeTopic(to, target);
  }

  /**
   * Runs one instance of `kind/key` cluster-wide. Every node that calls this is a candidate;
   * the lease holder runs the actor, and callers reach it at `address(kind, key)` wherever it is.
   */
  async singleton<M>(
    kind: string,
    key: string,
    factory: Factory<M>,
    options: SingletonOptions<M>,
  ): Promise<Address> {
    const at = this.address(kind, key);
    const kv = await (this.#kv ??= new Kvm(this.nc).create(addr.leaseBucket(this.cluster), {
      history: 1,
      replicas: this.#options.leaseReplicas ?? 1,
    }));
    const { queue: _queue, ...actorOptions } = options;
    const slot = new LeaseSlot({
      kv,
      kind,
      key,
      ttlMs: options.leaseTtlMs,
      host: this,
      acquired: (lease) => {
        if (this.draining) return void slot.close();
        this.#spawnAt(at, kind, factory, actorOptions, lease);
      },
      lost: () => void this.#cells.get(at)?.stop('lease-lost', RuntimeCode.Fenced),
    });
    const notice = addr.leaseNoticeSubject(this.cluster, kind, key);
    this.#subs.set(notice, this.nc.subscribe(notice, { callback: () => slot.poke() }));
    this.#slots.add(slot);
    slot.poke();
    return at;
  }

  /** Work to do when the node starts draining, before mailboxes are finished. */
  onDrain(hook: DrainHook): void {
    this.#drainHooks.push(hook);
  }

  /** Stops intake, finishes (or hands back) in-flight work, releases leases, closes NATS. */
  drain(options: { timeoutMs?: number } = {}): Promise<void> {
    return (this.#draining ??= this.#drain(options.timeoutMs ?? 30_000));
  }

  async #drain(timeoutMs: number): Promise<void> {
    this.log.info('draining');
    for (const hook of this.#drainHooks) await this.#safely('drain hook', hook);
    const deadlineMs = this.clock.nowMs() + timeoutMs;
    // Every actor hears the drain at once, and those with work to finish first (a Connection
    // answering what its miner had sent, the Share actor logging its batches) are waited for,
    // all together, up to the deadline.
    const hooks = Promise.all(
      [...this.#cells.values()].map((cell) =>
        this.#safely('draining hook', () => cell.notifyDraining()),
      ),
    );
    let deadline: Timer | undefined;
    await Promise.race([
      hooks,
      new Promise<void>((r) => (deadline = this.clock.after(timeoutMs, r))),
    ]);
    deadline?.cancel(); // a timer left set would hold the process open until the deadline
    // An actor that stops meanwhile (a Connection whose miner left) closes its own subscription.
    for (const sub of [...this.#subs.values(), ...[...this.#topics.values()].map((t) => t.sub)])
      if (sub !== undefined && !sub.isClosed() && !sub.isDraining())
        await this.#safely('unsubscribe', () => sub.drain());
    const busy = (): boolean => [...this.#cells.values()].some((c) => !c.idle);
    while (busy() && this.clock.nowMs() < deadlineMs)
      await new Promise<void>((r) => this.clock.after(10, r));
    if (busy()) this.log.warn('drain timed out; handing back what is left');
    for (const cell of [...this.#cells.values()]) await cell.stop('drained', RuntimeCode.Draining);
    for (const slot of this.#slots) {
      await slot.close();
      this.#nc?.publish(addr.leaseNoticeSubject(this.cluster, slot.config.kind, slot.config.key));
    }
    if (this.#nc !== undefined && !this.#nc.isClosed())
      await this.#safely('nats drain', () => this.#nc?.drain());
    this.log.info('drained');
  }

  async #safely(what: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.error({ err }, `${what} failed during drain`);
    }
  }

  #spawnAt<M>(
    at: Address,
    kind: string,
    factory: Factory<M>,
    options: ActorOptions<M>,
    lease?: Cell<M>['lease'],
  ): Cell<M> {
    if (this.draining) throw runtimeError(RuntimeCode.Draining, `node ${this.node} is draining`);
    if (this.#cells.has(at)) throw new CodedError('ACTOR_EXISTS', `an actor already runs at ${at}`);
    const cell = new Cell<M>(this, at, kind, factory, options, lease);
    this.#cells.set(at, cell as Cell<unknown>);
    if (options.remote !== false && this.#nc !== undefined) {
      // The subscription ends with the cell (removed), so it always delivers to this cell.
      const callback = this.#decoding(at, (body, tp, reply) => cell.deliver(body, tp, reply));
      const queue = options.queue === undefined ? {} : { queue: options.queue };
      this.#subs.set(at, this.#nc.subscribe(at, { ...queue, callback }));
    }
    return cell;
  }

  /** A NATS callback that decodes each envelope once; a malformed one is answered and logged. */
  #decoding(subject: string, handle: Cell<unknown>['deliver']): MsgCallback<Msg> {
    const parts = new Reassembly();
    return (err, m) => {
      if (err !== null) return this.log.error({ err, subject }, 'subscription failed');
      const reply: ReplyFn | undefined = m.reply ? (r) => this.#respond(m, r) : undefined;
      const data = parts.accept(m.data, m.headers);
      if (data.kind === 'waiting') return;
      if (data.kind === 'dropped')
        return this.log.warn({ subject, why: data.why }, 'message in parts dropped');
      let body: unknown;
      try {
        body = decodeMessage(data.data);
      } catch (err) {
        this.log.warn({ err, subject }, 'malformed envelope rejected');
        return reply?.({ ok: false, error: toErrorRecord(err) });
      }
      handle(body, traceparentOf(m.headers), reply);
    };
  }

  /**
   * Delivers a broadcast to this node's targets of `to`. One target handles it in a span of its
   * own, as any message; many (a job to every Connection) share one span per node, named
   * `broadcast <type>`, in whose context each handles it: a span per receiver would cost more
   * than most handlers (a job to 20,000 connections) and bury the trace in identical children.
   */
  #fanOut(to: Topic, body: unknown, traceparent: string | undefined): void {
    const targets = this.#topics.get(to)?.targets;
    if (targets === undefined) return;
    if (targets.size <= 1) {
      for (const t of targets) this.#cells.get(t)?.deliver(body, traceparent, undefined);
      return;
    }
    const span = this.interceptor.begin(traceparent, {
      address: to,
      kind: 'broadcast',
      type: messageType(body),
      node: this.node,
      ask: false,
    });
    for (const t of targets) this.#cells.get(t)?.deliverShared(body, span.context);
    span.end();
  }

  /**
   * Answers an ask. A reply the server would refuse (over max_payload: replies do not travel
   * in parts) is answered with REPLY_TOO_LARGE instead of throwing out of the NATS callback.
   */
  #respond(m: Msg, reply: Reply): void {
    if (this.#nc === undefined || this.#nc.isClosed()) return;
    const data = encodeReply(reply);
    const max = this.#nc.info?.max_payload;
    if (max !== undefined && data.length > max - 4_096) {
      this.log.warn({ subject: m.subject, bytes: data.length }, 'reply too large for the bus');
      const why = `reply of ${data.length} bytes is over the bus's ${max}-byte limit`;
      return void m.respond(encodeReply(failure(RuntimeCode.ReplyTooLarge, why)));
    }
    m.respond(data);
  }

  #unsubscribeTopic(to: Topic, target: Address): void {
    const entry = this.#topics.get(to);
    if (entry === undefined || !entry.targets.delete(target) || entry.targets.size > 0) return;
    entry.sub?.unsubscribe();
    this.#topics.delete(to);
  }

  escalate(address: Address, err: unknown): void {
    if (this.#options.onEscalate !== undefined) this.#options.onEscalate(address, err);
    else this.log.fatal({ err, actor: address }, 'supervisor escalated a failure');
  }

  removed(cell: Cell<unknown>): void {
    if (this.#cells.get(cell.self) !== cell) return;
    this.#cells.delete(cell.self);
    this.#subs.get(cell.self)?.unsubscribe();
    this.#subs.delete(cell.self);
    for (const t of this.#topics.keys()) this.#unsubscribeTopic(t, cell.self);
  }
}
