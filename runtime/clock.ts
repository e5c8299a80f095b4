// Time and ids, injected: a real clock (monotonic, epoch-based milliseconds) and a simulated
// one whose time moves only when a test advances it; nuid-based and sequential id sources.
import { nuid } from '@nats-io/transport-node';

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch; never goes backwards. */
  nowMs(): number;
  /** Runs `fn` once after `delayMs`. */
  after(delayMs: number, fn: () => void): Timer;
}

export interface Ids {
  next(): string;
}

/** performance.timeOrigin (a getter: read once) + performance.now(): epoch-like, immune to wall-clock steps. */
const ORIGIN_MS = performance.timeOrigin;
export const realClock: Clock = {
  nowMs: () => ORIGIN_MS + performance.now(),
  after(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
};

export const nuidIds: Ids = { next: () => nuid.next() };

export function sequentialIds(prefix = 'id'): Ids {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}

/** A clock for tests: `advance(ms)` moves time and fires due timers in order. */
export class SimulatedClock implements Clock {
  #nowMs: number;
  /** Due time order; timers due at the same time keep the order they were set in. */
  #pending: { atMs: number; fn: () => void }[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  after(delayMs: number, fn: () => void): Timer {
    const entry = { atMs: this.#nowMs + delayMs, fn };
    const later = this.#pending.findIndex((p) => p.atMs > entry.atMs);
    this.#pending.splice(later < 0 ? this.#pending.length : later, 0, entry);
    return { cancel: () => void (this.#pending = this.#pending.filter((p) => p !== entry)) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    while (this.#pending[0] !== undefined && this.#pending[0].atMs <= target) {
      const due = this.#pending.shift()!;
      this.#nowMs = Math.max(this.#nowMs, due.atMs);
      due.fn();
    }
    this.#nowMs = target;
  }
}
