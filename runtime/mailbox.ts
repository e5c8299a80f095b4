// A bounded FIFO with a named overflow policy, in the manner of nats-server's ipqueue:
//   'reject'       the new message is refused (a tell is dropped and counted, an ask fails MAILBOX_FULL)
//   'drop-oldest'  the oldest waiting message is evicted to make room (an evicted ask fails MAILBOX_FULL)
export type OverflowPolicy = 'reject' | 'drop-oldest';

export interface MailboxOptions {
  capacity?: number;
  overflow?: OverflowPolicy;
}

export const DEFAULT_MAILBOX_CAPACITY = 10_000;

/** An empty mailbox's items: no array of its own until a message waits. Never written. */
const NONE: readonly never[] = Object.freeze([]);
const NO_OPTIONS: MailboxOptions = {};

/** A Cell is its own mailbox (one object per actor, not two: a node holds 100k connections). */
export class Mailbox<T> {
  /** The spawn options (one object shared by every actor spawned with it: 100k connections). */
  readonly #options: MailboxOptions;
  #items: (T | undefined)[] = NONE as never[];
  #head = 0;

  constructor(options: MailboxOptions = NO_OPTIONS) {
    this.#options = options;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError(`mailbox capacity must be a positive integer, got ${this.capacity}`);
  }

  protected get capacity(): number {
    return this.#options.capacity ?? DEFAULT_MAILBOX_CAPACITY;
  }

  protected get overflow(): OverflowPolicy {
    return this.#options.overflow ?? 'reject';
  }

  protected get depth(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Adds `item`. Returns undefined when it fit; otherwise the item that did not make it:
   * `item` itself under 'reject', the evicted oldest under 'drop-oldest'.
   */
  protected push(item: T): T | undefined {
    const full = this.depth >= this.capacity;
    if (full && this.overflow === 'reject') return item;
    const evicted = full ? this.shift() : undefined;
    if (this.#items === (NONE as unknown)) this.#items = [item];
    else this.#items.push(item);
    return evicted;
  }

  protected shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Empty: drop the array (an idle actor holds none); else compact now and then.
    if (this.#head === this.#items.length) {
      this.#items = NONE as never[];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns everything waiting. */
  protected clear(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = NONE as never[];
    this.#head = 0;
    return rest;
  }
}
