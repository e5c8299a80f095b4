// The Connection actor's shell: one per TCP socket, on the node that accepted it. It feeds
// socket lines, job broadcasts, verdicts and ticks to session.ts's decide() and carries out
// the effects: write to the socket (output.ts batches a tick's lines into one write), ask the
// Share actor, close (and ban).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { handOff } from '../../runtime/index.js';
import type { ActorContext, Address, Behaviour, Factory, StopReason } from '../../runtime/index.js';
import { frameBytes } from './codec.js';
import type {
  ConnectionEvent,
  ConnectionMessage,
  Effect,
  JobAnnouncement,
  ReconnectTarget,
  ShareSubmission,
} from './messages.js';
import { SocketOutput, type OutputLimits } from './output.js';
import type { Rejection } from './errors.js';
import type { SubmitLoad } from './load.js';
import type { WorkerName } from './worker-name.js';
import type { SessionContext, SessionState } from './session.js';
import { decide, initSession } from './session.js';

export interface ConnectionHooks {
  /** The Share actor on this node. */
  readonly share: Address;
  /** Longest line a miner may send; a longer one closes the connection. */
  readonly maxLineBytes: number;
  /** How long a started line may stay unfinished (no newline) before the connection closes. */
  readonly lineMs: number;
  /** Bounds on the output waiting for one socket (output.ts). */
  readonly output: OutputLimits;
  readonly sessionContext: (nowMs: number) => SessionContext;
  /** Called once when the session ends (socket closed or session closed it). */
  readonly onClose: (socket: Socket, extranonce1: string, reason: string, ban: boolean) => void;
  readonly onEffect?: (effect: Effect) => void;
  /** A worker's share was refused (the pool's statistics count it; the share log carries it). */
  readonly onRefused?: (worker: WorkerName, rejection: Rejection) => void;
  /** The jobs topic's message → what the session consumes (null: not for this coin). */
  readonly toAnnouncement: (msg: unknown) => JobAnnouncement | null;
  /**
   * Where a draining node sends this miner (`tls`: it came over TLS, so a sibling's TLS port);
   * null or absent: `client.reconnect` without params (the same address).
   */
  readonly reconnectTo?: (tls: boolean) => ReconnectTarget | null;
  /** How long a draining connection keeps serving before it tells its miner to move (paced). */
  readonly drainDelayMs?: () => number;
  /** The node's submits in flight: over its limit, sockets that add more are not read. */
  readonly load?: SubmitLoad;
}

export function connectionActor(
  socket: Socket,
  extranonce1: string,
  hooks: ConnectionHooks,
): Factory<ConnectionMessage> {
  return (ctx) => new ConnectionBehaviour(socket, extranonce1, hooks, ctx);
}

/**
 * The jobs topic hands every connection the same frozen broadcast: it is converted once (per
 * hooks, i.e. per node) and every session gets the same announcement.
 */
const announcements = new WeakMap<
  object,
  { hooks: ConnectionHooks; job: JobAnnouncement | null }
>();
function announcementOf(msg: object, hooks: ConnectionHooks): JobAnnouncement | null {
  let a = announcements.get(msg);
  if (a === undefined || a.hooks !== hooks)
    announcements.set(msg, (a = { hooks, job: hooks.toAnnouncement(msg) }));
  return a.job;
}

/**
 * The socket's listeners are shared by every connection; what they need of one (its actor's
 * address, its extranonce1, its partial line) is the behaviour itself, hung off the socket.
 */
const BEHAVIOUR = Symbol('colliery.connection');
type FedSocket = Socket & { [BEHAVIOUR]?: ConnectionBehaviour };

/** The Connection behaviour of a socket (undefined before its actor was spawned). */
export function connectionOf(socket: Socket): ConnectionSocket | undefined {
  return (socket as FedSocket)[BEHAVIOUR];
}

/** What the socket's listeners use. */
export interface ConnectionSocket {
  readonly self: Address;
  readonly extranonce1: string;
  /** Cuts a read into lines, keeping an unterminated tail for the next read. */
  frame(chunk: Buffer): { lines: string[]; overflow: boolean };
  /** The socket closed (the peer left, or the node cut it): the session ends now. */
  socketClosed(): void;
}

// One object per connection besides the session state (a node holds 100k of them, most idle);
// its socket and the output waiting for it are SocketOutput's.
class ConnectionBehaviour
  extends SocketOutput
  implements Behaviour<ConnectionMessage>, ConnectionSocket
{
  readonly #hooks: ConnectionHooks;
  readonly #state: SessionState;
  readonly #ctx: ActorContext;
  #closed = false;
  /** Resolves the drain's wait (draining()) once the session is over. */
  #over: (() => void) | null = null;
  /** The bytes of an unterminated line from the last read (null: none). */
  #tail: Buffer | null = null;
  /** When the unterminated line started (performance.now(); 0: none). */
  #tailSince = 0;
  /** This connection's submits in the node's count of submits in flight (hooks.load). */
  #counted = 0;

  constructor(socket: Socket, extranonce1: string, hooks: ConnectionHooks, ctx: ActorContext) {
    super(socket, hooks.output);
    this.#hooks = hooks;
    this.#ctx = ctx;
    this.#state = initSession(extranonce1, hooks.sessionContext(ctx.clock.nowMs()));
    (socket as FedSocket)[BEHAVIOUR] = this;
  }

  get self(): Address {
    return this.#ctx.self;
  }

  get extranonce1(): string {
    return this.#state.extranonce1;
  }

  frame(chunk: Buffer): { lines: string[]; overflow: boolean } {
    const r = frameBytes(this.#tail, chunk, this.#hooks.maxLineBytes);
    // A line that keeps its start time across reads: a slow-loris adds a byte now and then.
    if (r.tail === null) this.#tailSince = 0;
    else if (this.#tail === null || r.lines.length > 0) this.#tailSince = performance.now();
    this.#tail = r.tail;
    return r;
  }

  socketClosed(): void {
    this.#finish('socket closed', false);
  }

  receive(msg: ConnectionMessage, ctx: ActorContext): void {
    if (this.#closed) return;
    const load = this.#hooks.load;
    if (load === undefined) return this.#receive(msg, ctx);
    try {
      this.#receive(msg, ctx);
    } finally {
      // Once closed, #finish has taken what it counted off the node's count.
      if (!this.#closed) {
        const now = this.#state.pending.size;
        load.settle(this.socket, this.#counted, now, msg.type === 'lines' ? msg.lines.length : 0);
        this.#counted = now;
      }
    }
  }

  #receive(msg: ConnectionMessage, ctx: ActorContext): void {
    if (msg.type === 'lines') return this.#onLines(msg.lines, ctx);
    const sc = this.#hooks.sessionContext(ctx.clock.nowMs());
    if (msg.type === 'verdicts') {
      for (const verdict of msg.verdicts) {
        if (this.#closed) return;
        for (const e of decide(this.#state, { type: 'verdict', verdict }, sc)) this.#apply(e, ctx);
      }
      return;
    }
    if (msg.type === 'tick') {
      if (this.outputStalled(sc.nowMs)) return this.#cut('not reading its output');
      if (this.#tailSince !== 0 && performance.now() - this.#tailSince >= this.#hooks.lineMs)
        return this.#cut('unfinished line');
    }
    let event: ConnectionEvent;
    if (msg.type === 'job.new') {
      const job = announcementOf(msg, this.#hooks);
      if (!job) return;
      event = { type: 'job', job };
    } else event = msg;
    for (const e of decide(this.#state, event, sc)) this.#apply(e, ctx);
  }

  /**
   * Tells the miner to reconnect; resolves once the session is over (its shares in flight
   * answered and its drain grace passed, or the miner gone): the runtime waits for that before
   * it stops the actor, so nothing the miner sent goes unanswered.
   */
  draining(ctx: ActorContext): Promise<void> | void {
    if (this.#closed) return;
    const over = new Promise<void>((resolve) => (this.#over = resolve));
    // Until its turn the connection serves as before (jobs, shares): a miner told later loses
    // nothing meanwhile, and the siblings take the node's miners in step.
    const delayMs = this.#hooks.drainDelayMs?.() ?? 0;
    if (delayMs > 0) ctx.clock.after(delayMs, () => this.#move(ctx));
    else this.#move(ctx);
    return over;
  }

  /** Tells the miner to reconnect (to a sibling with room, chosen now) and closes after it. */
  #move(ctx: ActorContext): void {
    if (this.#closed) return;
    const to = this.#hooks.reconnectTo?.(this.socket instanceof TLSSocket) ?? null;
    this.receive(to === null ? { type: 'drain' } : { type: 'drain', to }, ctx);
    if (this.#closed) return;
    // A tick once the grace is over closes it then (not at the next periodic tick).
    const grace = this.#hooks.sessionContext(ctx.clock.nowMs()).config.drainGraceMs;
    ctx.clock.after(grace + 1, () => {
      if (!this.#closed) this.receive({ type: 'tick' }, ctx);
    });
  }

  stopped(_reason: StopReason): void {
    this.#finish('actor stopped', false);
  }

  /** One socket read's lines; their submits go to the Share actor as one message. */
  #onLines(lines: readonly string[], ctx: ActorContext): void {
    const sc = this.#hooks.sessionContext(ctx.clock.nowMs());
    const shares: ShareSubmission[] = [];
    try {
      for (const line of lines) {
        if (this.#closed) break;
        for (const e of decide(this.#state, { type: 'line', line }, sc))
          this.#apply(e, ctx, shares);
      }
    } finally {
      this.#verify(shares, ctx);
    }
  }

  /** Carries out one effect; `shares` collects a read's submits (else each is sent at once). */
  #apply(e: Effect, ctx: ActorContext, shares?: ShareSubmission[]): void {
    this.#hooks.onEffect?.(e);
    switch (e.kind) {
      case 'send':
        return this.send(e.line);
      case 'verify':
        if (shares) return void shares.push(e.share);
        return this.#verify([e.share], ctx);
      case 'close':
        this.flush();
        this.socket.end();
        return this.#finish(e.reason, e.ban);
      case 'rejected':
        if (e.worker !== null) this.#hooks.onRefused?.(e.worker, e.rejection);
        return;
      case 'authorized':
        return;
    }
  }

  /**
   * Sends submits to the Share actor: one message for all of a read's. It replies with
   * `verdict(s)` tells (it batches, so it never holds an ask open).
   */
  #verify(shares: ShareSubmission[], ctx: ActorContext): void {
    if (shares.length > 0)
      ctx.tell(
        this.#hooks.share,
        handOff({ type: 'share.submits', shares, replyTo: ctx.self, atMs: ctx.clock.nowMs() }),
      );
  }

  protected override overflowed(waiting: number): void {
    this.#cut(`not reading its output (${waiting} bytes waiting)`);
  }

  /** Cuts the connection at once, dropping what waits for it (a client that does not read). */
  #cut(reason: string): void {
    if (this.#closed) return;
    this.socket.destroy();
    this.#finish(reason, true);
  }

  #finish(reason: string, ban: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hooks.load?.closed(this.socket, this.#counted);
    this.#counted = 0;
    this.#over?.();
    if (!this.socket.destroyed) this.socket.destroySoon();
    this.#hooks.onClose(this.socket, this.#state.extranonce1, reason, ban);
  }
}
