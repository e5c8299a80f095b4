// A connection's socket output: the lines written in one event-loop turn (a batch of verdicts,
// set_difficulty + notify) leave in one write on the next tick, concatenated, not corked (one
// buffer, no writev); one nextTick writes every connection's at once (fanout.ts). The
// Connection behaviour extends this class, so an idle connection holds no object for it
// (as Cell extends Mailbox).
//
// Backpressure: what waits for a socket (this tick's lines plus Node's stream buffer) is
// bounded by `limits.maxBytes`. Past half of it the node stops reading the socket (a client
// that does not read its answers cannot make more of them) until the stream drains; a line
// that would take it past the limit is not queued and the connection is cut at once; and the
// owner cuts a connection whose output stayed over half the limit for `limits.stallMs`
// (`outputStalled`). Nothing accumulates for a client that never reads.
import type { Socket } from 'node:net';
import { bytesOf, writeAll, type PendingOutput } from './fanout.js';
import { holdReading, OUTPUT_BACKED_UP, releaseReading } from './reading.js';

/** Connections with output waiting; one nextTick writes them all (one write per socket). */
let queued: SocketOutput[] = [];

function writeQueued(): void {
  const outputs = queued;
  queued = [];
  writeAll(outputs);
}

export interface OutputLimits {
  /** Most bytes waiting for one socket (this tick's lines and Node's stream buffer). */
  readonly maxBytes: number;
  /** How long output may stay over half of maxBytes before the connection is cut. */
  readonly stallMs: number;
}

const UNKNOWN_FD = -2;

/**
 * An open socket's file descriptor, fixed for its life, or -1. A TLS socket's descriptor
 * carries ciphertext: its bytes go through the socket only.
 */
function fdOf(s: Socket): number {
  if ((s as { encrypted?: boolean }).encrypted === true) return -1;
  const fd = (s as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

export class SocketOutput implements PendingOutput {
  protected readonly socket: Socket;
  readonly #limits: OutputLimits;
  /** Lines waiting for this tick's one write. */
  #out = '';
  /** The socket's descriptor for direct sends, read once (-1: none, as for TLS). */
  #fd = UNKNOWN_FD;
  /** When reading was paused because output backed up (0: reading; -1: since the next check). */
  #backedUpAt = 0;

  constructor(socket: Socket, limits: OutputLimits) {
    this.socket = socket;
    this.#limits = limits;
  }

  /**
   * Queues `line` for this tick's write (dropped once the socket is destroyed). Over the limit
   * the line is dropped and `overflowed()` cuts the connection.
   */
  protected send(line: string): void {
    const s = this.socket;
    if (s.destroyed) return;
    const waiting = s.writableLength + this.#out.length + line.length;
    if (waiting > this.#limits.maxBytes) return this.overflowed(waiting);
    if (waiting > this.#limits.maxBytes / 2 && this.#backedUpAt === 0) this.#pauseReading();
    if (this.#out === '') {
      if (queued.length === 0) process.nextTick(writeQueued);
      queued.push(this);
    }
    this.#out += line;
  }

  /** Output would pass the limit: the owner cuts the connection (default: destroy it). */
  protected overflowed(_waiting: number): void {
    this.socket.destroy();
  }

  /** Output has stayed backed up (reading paused) longer than the limit allows at `nowMs`. */
  protected outputStalled(nowMs: number): boolean {
    if (this.#backedUpAt === 0) return false;
    if (this.socket.writableLength + this.#out.length <= this.#limits.maxBytes / 2) {
      this.#backedUpAt = 0; // drained meanwhile (direct sends leave no 'drain' event)
      releaseReading(this.socket, OUTPUT_BACKED_UP);
      return false;
    }
    if (this.#backedUpAt === -1) this.#backedUpAt = nowMs;
    return nowMs - this.#backedUpAt >= this.#limits.stallMs;
  }

  #pauseReading(): void {
    this.#backedUpAt = -1;
    holdReading(this.socket, OUTPUT_BACKED_UP);
    // Node's stream emptied its buffer: the output no longer holds the socket.
    this.socket.once('drain', () => {
      this.#backedUpAt = 0;
      releaseReading(this.socket, OUTPUT_BACKED_UP);
    });
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
    if (this.#fd === UNKNOWN_FD) this.#fd = fdOf(s);
    return this.#fd;
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
