// The node's submits in flight: every connection's submits handed to the Share actor and not
// yet answered, summed. Past `limit` the node stops reading the sockets that add more (TCP
// pushes back on their miners: what they send waits in their own buffers and costs the node
// nothing). As answers free room, paused sockets are read again oldest first, one per `step`
// of room (`step`: what one connection may have in flight, at most half the limit), so a
// thousand paused miners do not all come back in one turn and take it far over again; at half
// the limit, all of them. Without it a node asked for several times what it verifies spends
// its CPU reading, parsing and answering busy the excess (a miner's submits are each answered,
// never dropped). Lines read but not yet taken in their connection's turn count too (`read`,
// `took`): the turn that counts a read's submits can come after the same socket's next read, and
// without them a resumed socket brought two reads past the limit where one is the rule.
import type { Socket } from 'node:net';
import { holdReading, NODE_OVER_LIMIT, releaseReading } from './reading.js';

/** Lines a socket read that its connection has not taken in a turn yet. */
const UNTAKEN = Symbol('colliery.untakenLines');
type Reading = Socket & { [UNTAKEN]?: number };

export interface SubmitLoadStats {
  /** Submits handed to the Share actor and not yet answered, on every connection. */
  readonly pending: number;
  /** Sockets not read now (the node is over its limit). */
  readonly paused: number;
  /** Times the node went over its limit. */
  readonly episodes: number;
}

export class SubmitLoad {
  readonly #limit: number;
  /** Submits handed to the Share actor and not yet answered, on every connection. */
  #pending = 0;
  /** Sockets not read since the node went over the limit. */
  readonly #paused = new Set<Socket>();
  /** Times the node went over the limit. */
  #episodes = 0;
  /** Lines read on every connection and not yet taken in a turn (they may hold submits). */
  #untaken = 0;
  /** Sockets whose connection closed (a socket may still read while it ends). */
  readonly #closed = new WeakSet<Socket>();

  readonly #onOver: () => void;

  /** Room that lets one paused socket be read again. */
  readonly #step: number;

  /**
   * `perConnection`: the most submits one connection may have in flight; `onOver`: the node just
   * went over the limit (once per episode).
   */
  constructor(limit: number, perConnection: number, onOver: () => void = () => undefined) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`node pending submits must be a positive integer, got ${limit}`);
    this.#limit = limit;
    this.#step = Math.max(1, Math.min(perConnection, Math.floor(limit / 2)));
    this.#onOver = onOver;
  }

  /** Submits in flight, connections not read now, and how often the node went over the limit. */
  stats(): SubmitLoadStats {
    return { pending: this.#pending, paused: this.#paused.size, episodes: this.#episodes };
  }

  /**
   * `socket` read `lines` lines for its connection's next turn. Over the limit (counting what
   * is read and not yet taken), this read is the socket's last until room returns.
   */
  read(socket: Socket, lines: number): void {
    if (this.#closed.has(socket)) return; // what a closed connection reads is never taken
    const s = socket as Reading;
    s[UNTAKEN] = (s[UNTAKEN] ?? 0) + lines;
    this.#untaken += lines;
    if (this.#inFlight() > this.#limit) this.#hold(socket);
  }

  /**
   * `socket`'s connection had `before` submits waiting and has `after`, having taken `taken`
   * lines of what it read in this turn: over the limit a socket that added some is no longer
   * read; with room again, the longest paused are read again.
   */
  settle(socket: Socket, before: number, after: number, taken = 0): void {
    if (before === after && taken === 0) return;
    this.#pending += after - before;
    if (taken !== 0) {
      const s = socket as Reading;
      s[UNTAKEN] = (s[UNTAKEN] ?? 0) - taken;
      this.#untaken -= taken;
    }
    if (after > before && this.#inFlight() > this.#limit) this.#hold(socket);
    // Lines that were no submits bring no answers to make room: taking them makes room too.
    else if (after < before || taken > 0) this.#release();
  }

  /** Submits in flight and lines read that may add some. */
  #inFlight(): number {
    return this.#pending + this.#untaken;
  }

  #hold(socket: Socket): void {
    if (this.#paused.has(socket) || socket.destroyed) return;
    if (this.#paused.size === 0) {
      this.#episodes++;
      this.#onOver();
    }
    this.#paused.add(socket);
    holdReading(socket, NODE_OVER_LIMIT);
  }

  #release(): void {
    if (this.#paused.size === 0) return;
    // At half the limit all are read again: the ones read again meanwhile may have had
    // nothing to send, and no answer would come to read the rest.
    const inFlight = this.#inFlight();
    let room = inFlight <= this.#limit / 2 ? Infinity : this.#limit - inFlight;
    for (const s of this.#paused) {
      if (room < this.#step) break;
      this.#paused.delete(s);
      if (s.destroyed) continue;
      releaseReading(s, NODE_OVER_LIMIT); // read again unless its output still holds it
      room -= this.#step;
    }
  }

  /** The connection closed with `pending` submits unanswered: they no longer count. */
  closed(socket: Socket, pending: number): void {
    this.#paused.delete(socket);
    this.#closed.add(socket);
    this.settle(socket, pending, 0, (socket as Reading)[UNTAKEN] ?? 0);
  }
}
