// The Connection actor's shell: one per TCP socket, on the node that accepted it. It feeds
// socket lines, job broadcasts, verdicts and ticks to session.ts's decide() and carries out
// the effects: write to the socket, ask the Share actor, close (and ban).
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { sendEach, sendToMany } from '../../native/index.js';
import { handOff } from '../../runtime/index.js';
import type { ActorContext, Address, Behaviour, Factory, StopReason } from '../../runtime/index.js';
import { CodedError } from '../shared/errors.js';
import { frameBytes } from './codec.js';
import type {
  ConnectionEvent,
  Effect,
  JobAnnouncement,
  ShareSubmission,
  ShareVerdict,
} from './messages.js';
import type { SessionContext, SessionState } from './session.js';
import { decide, initSession } from './session.js';

/**
 * `job.new` is the Job actor's broadcast, delivered straight from the jobs topic; `lines` is one
 * socket read's worth of lines (one message per read, not per line).
 */
export type ConnectionMessage =
  | ConnectionEvent
  | { type: 'lines'; lines: string[] }
  | { type: 'verdicts'; verdicts: ShareVerdict[] }
  | { type: 'socket-closed' }
  | { type: 'job.new' };

export interface ConnectionHooks {
  /** The Share actor on this node. */
  readonly share: Address;
  /** Longest line a miner may send; a longer one closes the connection. */
  readonly maxLineBytes: number;
  readonly sessionContext: (nowMs: number) => SessionContext;
  /** Called once when the session ends (socket closed or session closed it). */
  readonly onClose: (socket: Socket, extranonce1: string, reason: string, ban: boolean) => void;
  readonly onEffect?: (effect: Effect) => void;
  /** The jobs topic's message → what the session consumes (null: not for this coin). */
  readonly toAnnouncement: (msg: unknown) => JobAnnouncement | null;
}

export function connectionActor(
  socket: Socket,
  extranonce1: string,
  hooks: ConnectionHooks,
): Factory<ConnectionMessage> {
  return (ctx) => new ConnectionBehaviour(socket, extranonce1, hooks, ctx);
}

const EVENT_TYPES = new Set([
  'line',
  'lines',
  'verdicts',
  'line-too-long',
  'job',
  'verdict',
  'tick',
  'drain',
  'socket-closed',
  'job.new',
]);

/** Edge validation: these messages only come from this node, but still arrive as data. */
export function validateConnectionMessage(input: unknown): ConnectionMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (typeof t !== 'string' || !EVENT_TYPES.has(t)) {
    throw new CodedError('BAD_MESSAGE', `not a Connection message: ${String(t)}`);
  }
  return input as ConnectionMessage;
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

/** Long lines written to many sockets (notify) are encoded to bytes once, not per socket. */
const LONG_LINE = 256;
let sharedLine = '';
let sharedBytes: Buffer = Buffer.alloc(0);
function bytesOf(line: string): string | Buffer {
  if (line.length < LONG_LINE) return line;
  if (line !== sharedLine) [sharedLine, sharedBytes] = [line, Buffer.from(line, 'utf8')];
  return sharedBytes;
}

/**
 * Fewest connections with the same output in one tick worth a native fan-out (a new job's
 * notify). Each then costs one send(2) instead of a trip through Node's stream machinery.
 */
const FANOUT_MIN = 64;
/**
 * Fewest connections with output of their own in one tick (verdicts under load) worth one
 * native call for all of them: one send(2) each, no stream write request, on up to
 * FANOUT_THREADS threads.
 */
const EACH_MIN = 16;
const FANOUT_THREADS = Math.min(2, availableParallelism());

/** Connections with output waiting; one nextTick writes them all (one write per socket). */
const dirty: ConnectionBehaviour[] = [];
/** Distinct long outputs a flush tracks for a fan-out (a new job: one per difficulty, mostly one). */
const MAX_GROUPS = 4;
function flushDirty(): void {
  if (sendToMany === null || sendEach === null) {
    for (const c of dirty) c.flush();
    dirty.length = 0;
    return;
  }
  // Group connections waiting for the same long output. Outputs are compared, never hashed: the
  // long outputs of a share flood (a batch of verdicts) are all different, and a notify shared by
  // thousands is one string object, so `===` is a pointer compare.
  const groups: { out: string; members: ConnectionBehaviour[] }[] = [];
  const own: ConnectionBehaviour[] = [];
  for (let i = 0; i < dirty.length; i++) {
    const c = dirty[i]!;
    const out = c.pending;
    if (out.length < LONG_LINE) {
      own.push(c);
      continue;
    }
    let g = 0;
    while (g < groups.length && groups[g]!.out !== out) g++;
    if (g < groups.length) groups[g]!.members.push(c);
    else if (groups.length < MAX_GROUPS) groups.push({ out, members: [c] });
    else own.push(c);
  }
  dirty.length = 0;
  for (const { out, members } of groups) {
    if (members.length < FANOUT_MIN) own.push(...members);
    else fanOut(bytesOf(out) as Buffer, members);
  }
  if (own.length < EACH_MIN) for (const c of own) c.flush();
  else sendOwn(own);
}

/**
 * The connections of `cs` a direct send may reach (open, nothing queued in their streams) and
 * their fds; the others write through their sockets now.
 */
function direct(cs: readonly ConnectionBehaviour[]): {
  to: ConnectionBehaviour[];
  fds: Int32Array;
} {
  const to: ConnectionBehaviour[] = [];
  const fds: number[] = [];
  for (const c of cs) {
    const fd = c.fd();
    if (fd < 0) c.flush();
    else {
      to.push(c);
      fds.push(fd);
    }
  }
  return { to, fds: Int32Array.from(fds) };
}

/**
 * After a direct send: what the kernel did not take of each connection's bytes (a full buffer,
 * or an error Node will then see and report) goes through its socket, after the part that went.
 */
function settle(
  to: readonly ConnectionBehaviour[],
  sent: Int32Array,
  bytes: (i: number) => Buffer,
): void {
  for (let i = 0; i < to.length; i++) {
    const b = bytes(i);
    const n = sent[i]!;
    to[i]!.flushRest(n >= b.length ? null : b.subarray(n > 0 ? n : 0));
  }
}

/** Writes `bytes` to every connection of `group` (all waiting for exactly those bytes). */
function fanOut(bytes: Buffer, group: readonly ConnectionBehaviour[]): void {
  const { to, fds } = direct(group);
  if (to.length > 0) settle(to, sendToMany!(fds, bytes, FANOUT_THREADS), () => bytes);
}

/** Writes each connection's own output, all in one buffer and one native call. */
function sendOwn(cs: readonly ConnectionBehaviour[]): void {
  const { to, fds } = direct(cs);
  if (to.length === 0) return;
  let joined = '';
  for (const c of to) joined += c.pending;
  const data = Buffer.from(joined, 'utf8');
  const ascii = data.length === joined.length; // then each output's bytes = its length
  const ends = new Uint32Array(to.length);
  let end = 0;
  for (let i = 0; i < to.length; i++) {
    const out = to[i]!.pending;
    ends[i] = end += ascii ? out.length : Buffer.byteLength(out, 'utf8');
  }
  const sent = sendEach!(fds, data, ends, FANOUT_THREADS);
  settle(to, sent, (i) => data.subarray(i === 0 ? 0 : ends[i - 1], ends[i]));
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
}

// One object per connection besides the session state (a node holds 100k of them, most idle).
class ConnectionBehaviour implements Behaviour<ConnectionMessage>, ConnectionSocket {
  readonly #socket: Socket;
  readonly #hooks: ConnectionHooks;
  readonly #state: SessionState;
  readonly #ctx: ActorContext;
  #closed = false;
  /** Lines waiting for this tick's one write. */
  #out = '';
  /** The bytes of an unterminated line from the last read (null: none). */
  #tail: Buffer | null = null;

  constructor(socket: Socket, extranonce1: string, hooks: ConnectionHooks, ctx: ActorContext) {
    this.#socket = socket;
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
    this.#tail = r.tail;
    return r;
  }

  receive(msg: ConnectionMessage, ctx: ActorContext): void {
    if (msg.type === 'socket-closed') return this.#finish('socket closed', false);
    if (this.#closed) return;
    let event: ConnectionEvent;
    if (msg.type === 'lines') {
      // The submits of one read go to the Share actor as one message.
      const sc = this.#hooks.sessionContext(ctx.clock.nowMs());
      const shares: ShareSubmission[] = [];
      try {
        for (const line of msg.lines) {
          if (this.#closed) break;
          for (const e of decide(this.#state, { type: 'line', line }, sc))
            this.#apply(e, ctx, shares);
        }
      } finally {
        this.#verify(shares, ctx);
      }
      return;
    }
    if (msg.type === 'verdicts') {
      const sc = this.#hooks.sessionContext(ctx.clock.nowMs());
      for (const verdict of msg.verdicts) {
        if (this.#closed) return;
        for (const e of decide(this.#state, { type: 'verdict', verdict }, sc)) this.#apply(e, ctx);
      }
      return;
    }
    if (msg.type === 'job.new') {
      const job = announcementOf(msg, this.#hooks);
      if (!job) return;
      event = { type: 'job', job };
    } else event = msg;
    const effects = decide(this.#state, event, this.#hooks.sessionContext(ctx.clock.nowMs()));
    for (const e of effects) this.#apply(e, ctx);
  }

  draining(ctx: ActorContext): void {
    this.receive({ type: 'drain' }, ctx);
  }

  stopped(_reason: StopReason): void {
    this.#finish('actor stopped', false);
  }

  /** Carries out one effect; `shares` collects a read's submits (else each is sent at once). */
  #apply(e: Effect, ctx: ActorContext, shares?: ShareSubmission[]): void {
    this.#hooks.onEffect?.(e);
    switch (e.kind) {
      case 'send':
        return this.#write(e.line);
      case 'verify':
        if (shares) return void shares.push(e.share);
        return this.#verify([e.share], ctx);
      case 'close':
        this.flush();
        this.#socket.end();
        return this.#finish(e.reason, e.ban);
      case 'authorized':
      case 'rejected':
        return;
    }
  }

  /**
   * Sends submits to the Share actor: one message for all of a read's. It replies with
   * `verdict(s)` tells (it batches, so it never holds an ask open).
   */
  #verify(shares: ShareSubmission[], ctx: ActorContext): void {
    if (shares.length > 0)
      ctx.tell(this.#hooks.share, handOff({ type: 'share.submits', shares, replyTo: ctx.self }));
  }

  /**
   * Lines written in one event-loop turn (a batch of verdicts, set_difficulty + notify) leave
   * in one write on the next tick: concatenated, not corked (one buffer, no writev).
   */
  #write(line: string): void {
    if (this.#socket.destroyed) return;
    if (this.#out === '') {
      if (dirty.length === 0) process.nextTick(flushDirty);
      dirty.push(this);
    }
    this.#out += line;
  }

  /** The output waiting for this tick's write. */
  get pending(): string {
    return this.#out;
  }

  /**
   * The socket's file descriptor when bytes may be sent to it directly: open, and with nothing
   * queued in Node's stream (else a direct write would overtake it); -1 otherwise.
   */
  fd(): number {
    const s = this.#socket;
    if (s.destroyed || s.connecting || s.writableLength > 0) return -1;
    const fd = (s as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : -1;
  }

  /** After a direct send of the pending output: writes `rest` (what was not sent) normally. */
  flushRest(rest: Buffer | null): void {
    this.#out = '';
    if (rest !== null && rest.length > 0 && !this.#socket.destroyed) this.#socket.write(rest);
  }

  /** Writes what is waiting (from the tick's flush, or before a close). */
  flush(): void {
    const out = this.#out;
    if (out === '') return;
    this.#out = '';
    if (!this.#socket.destroyed) this.#socket.write(bytesOf(out));
  }

  #finish(reason: string, ban: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#socket.destroyed) this.#socket.destroySoon();
    this.#hooks.onClose(this.#socket, this.#state.extranonce1, reason, ban);
  }
}
