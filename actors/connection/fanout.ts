// One tick's socket writes for every connection with output waiting. Connections waiting for
// the same long output (a new job's notify) get it by one native sendToMany; the others' own
// outputs (verdicts under load) go in one buffer by one native sendEach: one send(2) per
// socket, on up to two threads, none of Node's stream bookkeeping. A direct send reaches only
// a socket with nothing queued in its stream, and what the kernel did not take goes through
// the socket after it. Few connections, or no addon: each writes through its socket.
import { availableParallelism } from 'node:os';
import { sendEach, sendToMany } from '../../native/index.js';

/** One connection's output waiting for this tick's write, as the flush sees it. */
export interface PendingOutput {
  /** The lines waiting, concatenated. */
  readonly pending: string;
  /** The socket's file descriptor when bytes may be sent to it directly, else -1. */
  fd(): number;
  /** After a direct send of `pending`: `rest` (what was not sent) goes through the socket. */
  flushRest(rest: Buffer | null): void;
  /** Writes `pending` through the socket. */
  flush(): void;
}

/** Long lines written to many sockets (notify) are encoded to bytes once, not per socket. */
const LONG_LINE = 256;
let sharedLine = '';
let sharedBytes: Buffer = Buffer.alloc(0);

/** `line` as written: a long one as the bytes shared by everyone writing it this tick. */
export function bytesOf(line: string): string | Buffer {
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
/** Distinct long outputs a flush tracks for a fan-out (a new job: one per difficulty, mostly one). */
const MAX_GROUPS = 4;

/** Writes every output of `outputs` (each connection once), the cheapest way for the lot. */
export function writeAll(outputs: readonly PendingOutput[]): void {
  if (sendToMany === null || sendEach === null) {
    for (const o of outputs) o.flush();
    return;
  }
  // Group connections waiting for the same long output. Outputs are compared, never hashed: the
  // long outputs of a share flood (a batch of verdicts) are all different, and a notify shared by
  // thousands is one string object, so `===` is a pointer compare.
  const groups: { out: string; members: PendingOutput[] }[] = [];
  const own: PendingOutput[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    const out = o.pending;
    if (out.length < LONG_LINE) {
      own.push(o);
      continue;
    }
    let g = 0;
    while (g < groups.length && groups[g]!.out !== out) g++;
    if (g < groups.length) groups[g]!.members.push(o);
    else if (groups.length < MAX_GROUPS) groups.push({ out, members: [o] });
    else own.push(o);
  }
  for (const { out, members } of groups) {
    if (members.length < FANOUT_MIN) own.push(...members);
    else fanOut(bytesOf(out) as Buffer, members);
  }
  if (own.length < EACH_MIN) for (const o of own) o.flush();
  else sendOwn(own);
}

/**
 * The outputs of `os` a direct send may reach (open, nothing queued in their streams) and
 * their fds; the others write through their sockets now.
 */
function direct(os: readonly PendingOutput[]): { to: PendingOutput[]; fds: Int32Array } {
  const to: PendingOutput[] = [];
  const fds = new Int32Array(os.length);
  for (const o of os) {
    const fd = o.fd();
    if (fd < 0) o.flush();
    else fds[to.push(o) - 1] = fd;
  }
  return { to, fds: to.length === os.length ? fds : fds.subarray(0, to.length) };
}

/**
 * After a direct send: what the kernel did not take of each connection's bytes (a full buffer,
 * or an error Node will then see and report) goes through its socket, after the part that went.
 */
function settle(
  to: readonly PendingOutput[],
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
function fanOut(bytes: Buffer, group: readonly PendingOutput[]): void {
  const { to, fds } = direct(group);
  if (to.length > 0) settle(to, sendToMany!(fds, bytes, FANOUT_THREADS), () => bytes);
}

/** Writes each connection's own output, all in one buffer and one native call. */
function sendOwn(os: readonly PendingOutput[]): void {
  const { to, fds } = direct(os);
  if (to.length === 0) return;
  let joined = '';
  for (const o of to) joined += o.pending;
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
