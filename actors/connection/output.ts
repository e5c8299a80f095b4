// A connection's socket output: the lines written in one event-loop turn (a batch of verdicts,
// set_difficulty + notify) leave in one write on the next tick, concatenated, not corked (one
// buffer, no writev); one nextTick writes every connection's at once (fanout.ts). The
// Connection behaviour extends this class, so an idle connection holds no object for it
// (as Cell extends Mailbox).
import type { Socket } from 'node:net';
import { bytesOf, writeAll, type PendingOutput } from './fanout.js';

/** Connections with output waiting; one nextTick writes them all (one write per socket). */
let queued: SocketOutput[] = [];

function writeQueued(): void {
  const outputs = queued;
  queued = [];
  writeAll(outputs);
}

export class SocketOutput implements PendingOutput {
  protected readonly socket: Socket;
  /** Lines waiting for this tick's one write. */
  #out = '';

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Queues `line` for this tick's write (dropped once the socket is destroyed). */
  protected send(line: string): void {
    if (this.socket.destroyed) return;
    if (this.#out === '') {
      if (queued.length === 0) process.nextTick(writeQueued);
      queued.push(this);
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
    const s = this.socket;
    if (s.destroyed || s.connecting || s.writableLength > 0) return -1;
    const fd = (s as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : -1;
  }

  /** After a direct send of the pending output: writes `rest` (what was not sent) normally. */
  flushRest(rest: Buffer | null): void {
    this.#out = '';
    if (rest !== null && rest.length > 0 && !this.socket.destroyed) this.socket.write(rest);
  }

  /** Writes what is waiting (from the tick's flush, or before a close). */
  flush(): void {
    const out = this.#out;
    if (out === '') return;
    this.#out = '';
    if (!this.socket.destroyed) this.socket.write(bytesOf(out));
  }
}
