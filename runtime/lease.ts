// One keyed-singleton lease in the cluster's KV bucket. Every candidate node runs a LeaseSlot:
// - standby: polls the key; takes it with create() when it is empty or deleted, or with a
//   revision-checked update() once the holder has not renewed for `ttlMs` by this node's clock;
// - holder: renews with update(key, revision) every ttl/3; it stops acting (fences itself) the
//   moment a renewal is refused, or when `ttlMs` passes since the start of its last successful
//   renewal. A standby only counts from when it observed that renewal, so it can never take the
//   key while the holder still believes it is valid (same clock rate assumed; no clock sync).
// The revision at acquisition is the fencing token: it grows from one holder to the next.
import { Bucket, type KV, type KvEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Clock, Timer } from './clock.js';
import { leaseKey } from './address.js';
import { RuntimeCode, runtimeError } from './errors.js';
import type { Lease } from './types.js';

const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
/**
 * A revision-checked KV write refused because the key moved on (JetStream's wrong-last-sequence
 * codes): someone else wrote it. Also what prefix claims (topology/prefix.ts) go by.
 */
export const isConflict = (err: unknown): boolean =>
  WRONG_LAST_SEQUENCE.has((err as { code?: unknown } | null)?.code as number);

/**
 * Every key's live value (deleted and purged keys left out), each key once, sorted by key.
 * nats.js's `kv.keys()` walks the bucket with a consumer that loses keys written during the
 * walk and can hand others over twice (a lease renewed, a node's load in the registry), so the
 * keys come from the stream's own count per subject instead: one answer from the server, paged
 * by nats.js when it is long, then each key's newest value.
 */
export async function liveEntries(kv: KV): Promise<[string, KvEntry][]> {
  if (!(kv instanceof Bucket)) throw new TypeError('liveEntries reads a bucket opened through Kvm');
  const info = await kv.jsm.streams.info(kv.stream, { subjects_filter: `${kv.prefix}.>` });
  const keys = Object.keys(info.state.subjects ?? {})
    .map((subject) => kv.decodeKey(subject.substring(kv.prefixLen)))
    .sort();
  const got = await Promise.all(keys.map(async (key) => [key, await kv.get(key)] as const));
  return got.filter(
    (entry): entry is [string, KvEntry] => entry[1] !== null && entry[1].operation === 'PUT',
  );
}

/** One candidate's view of one lease, and what to do when it is acquired or lost. */
export interface SlotConfig {
  readonly kv: KV;
  readonly kind: string;
  readonly key: string;
  readonly ttlMs: number;
  readonly host: { readonly node: string; readonly clock: Clock; readonly log: Logger };
  acquired(lease: Lease): void;
  lost(): void;
}

export class LeaseSlot {
  readonly #kvKey: string;
  readonly #value: Uint8Array;
  readonly #log: Logger;
  #timer: Timer | undefined;
  #closed = false;
  #closing: Promise<void> | null = null;
  #ticking = false;
  /** The fencing token while this node holds the lease; 0 while it does not. */
  #fence = 0;
  /** Holder: the revision it last wrote. Standby: the last one it saw, at `#seenAtMs`. */
  #revision = 0;
  #seenAtMs = 0;
  #validUntilMs = 0;

  constructor(readonly config: SlotConfig) {
    this.#kvKey = leaseKey(config.kind, config.key);
    this.#value = new TextEncoder().encode(
      JSON.stringify({ node: config.host.node, ttlMs: config.ttlMs }),
    );
    this.#log = config.host.log.child({ lease: this.#kvKey });
  }

  /** Checks now rather than at the next poll (on start, or when the holder announced a release). */
  poke(): void {
    if (this.#fence === 0) this.#schedule(0);
  }

  valid(): boolean {
    if (this.#fence === 0) return false;
    if (this.config.host.clock.nowMs() < this.#validUntilMs) return true;
    this.#lose('lease expired before it could be renewed');
    return false;
  }

  /**
   * Stops polling; when holding, gives the key back so a standby takes it at once. Every call
   * waits for the one release: a lease acquired during a drain is closed at once by the
   * runtime, and the drain, closing it too, must not close NATS while that release is on the
   * wire.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#release());
  }

  async #release(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    if (this.#fence === 0) return;
    const revision = this.#revision;
    this.#lose('released');
    try {
      await this.config.kv.delete(this.#kvKey, { previousSeq: revision });
    } catch (err) {
      this.#log.warn({ err }, 'lease release failed; standbys will take it after the ttl');
    }
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = this.config.host.clock.after(delayMs, () => void this.#tick());
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      if (this.#fence === 0) await this.#contend();
      else if (this.valid() && !(await this.#write(this.#revision))) {
        this.#lose('renewal refused: another node holds the key');
      }
    } catch (err) {
      this.#log.warn({ err }, 'lease check failed; will retry');
    } finally {
      this.#ticking = false;
      this.#schedule(this.config.ttlMs / (this.#fence === 0 ? 4 : 3));
    }
  }

  async #contend(): Promise<void> {
    const entry: KvEntry | null = await this.config.kv.get(this.#kvKey);
    const nowMs = this.config.host.clock.nowMs();
    if (entry !== null && entry.operation === 'PUT') {
      if (entry.revision !== this.#revision) {
        this.#revision = entry.revision;
        this.#seenAtMs = nowMs;
        return;
      }
      if (nowMs - this.#seenAtMs < this.config.ttlMs) return;
    }
    if (await this.#write(entry?.revision ?? 0)) this.#acquire();
  }

  /** Writes our value over `revision` (0: creates the key); false when another node's won. */
  async #write(revision: number): Promise<boolean> {
    const { kv, host, ttlMs } = this.config;
    const startedMs = host.clock.nowMs();
    try {
      this.#revision =
        revision === 0
          ? await kv.create(this.#kvKey, this.#value)
          : await kv.update(this.#kvKey, this.#value, revision);
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    this.#validUntilMs = startedMs + ttlMs;
    return true;
  }

  #acquire(): void {
    if (this.#closed) return;
    const fence = (this.#fence = this.#revision);
    this.#log.info({ fence }, 'lease acquired');
    const { kind, key } = this.config;
    const valid = (): boolean => this.#fence === fence && this.valid();
    const lost = `lease ${this.#kvKey} (fence ${fence}) is lost`;
    const assertValid = (): void => {
      if (!valid()) throw runtimeError(RuntimeCode.Fenced, lost);
    };
    this.config.acquired({ kind, key, fence, valid, assertValid });
  }

  #lose(why: string): void {
    if (this.#fence === 0) return;
    const level = why === 'released' ? 'info' : 'warn';
    this.#log[level]({ fence: this.#fence, why }, 'lease lost; singleton stops acting');
    this.#fence = 0;
    this.#revision = 0;
    this.config.lost();
  }
}
