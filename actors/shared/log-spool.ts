// The appender's local durable spool: share records the share log could not acknowledge in
// time (NATS away), kept in LMDB under <data>/spool/<cluster>/<coin>/<node> until they are
// appended. An entry is the record as it will be published (its bytes, its subject kind and its
// id, which is the JetStream message id: a record published twice inside the stream's duplicate
// window is stored once). Keys are increasing integers, so the spool reads back in the order
// records were spooled; `add` resolves only once the entry is committed and flushed to disk,
// and the spool is bounded by records and bytes (`SHARE_SPOOL_FULL` beyond them).
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { CodedError } from './errors.js';
import type { LogKind } from './log-stream.js';

export const SHARE_SPOOL_FULL = 'SHARE_SPOOL_FULL';
export const SHARE_SPOOL_FAILED = 'SHARE_SPOOL_FAILED';

export interface SpoolEntry {
  readonly kind: LogKind;
  /** The record id (the JetStream message id). */
  readonly id: string;
  /** Shares the record carries (for the appender's counters). */
  readonly shares: number;
  /** The encoded record, published as it is. */
  readonly data: Uint8Array;
}

export interface SpoolLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

export interface Spooled {
  readonly key: number;
  readonly entry: SpoolEntry;
}

export class LogSpool {
  readonly dir: string;
  readonly #db: RootDatabase<SpoolEntry, number>;
  readonly #limits: SpoolLimits;
  /** Entries spooled and not removed (including adds not yet committed). */
  #depth = 0;
  #bytes = 0;
  #nextKey = 1;
  /** The last add's commit: entries become readable once it settles. */
  #lastAdd: Promise<unknown> = Promise.resolve();
  #sizes = new Map<number, number>();
  #closed = false;

  private constructor(dir: string, db: RootDatabase<SpoolEntry, number>, limits: SpoolLimits) {
    this.dir = dir;
    this.#db = db;
    this.#limits = limits;
    for (const { key, value } of db.getRange()) {
      const size = value.data.byteLength;
      this.#sizes.set(key, size);
      this.#depth++;
      this.#bytes += size;
      this.#nextKey = key + 1;
    }
  }

  /** Opens (or creates) the spool in `dir`; what an earlier process left in it is kept. */
  static open(dir: string, limits: SpoolLimits): LogSpool {
    mkdirSync(dir, { recursive: true });
    const db = open<SpoolEntry, number>({ path: dir });
    try {
      return new LogSpool(dir, db, limits);
    } catch (err) {
      void db.close();
      throw new CodedError(SHARE_SPOOL_FAILED, `could not read the share spool in ${dir}`, {
        retryable: false,
        cause: err,
      });
    }
  }

  /** Records held (those being written included). */
  get depth(): number {
    return this.#depth;
  }

  /** Bytes of the records held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether one more record of `size` bytes fits inside the limits. */
  fits(size: number): boolean {
    return (
      this.#depth + 1 <= this.#limits.maxRecords && this.#bytes + size <= this.#limits.maxBytes
    );
  }

  /**
   * Spools one record behind the others; resolves once it is committed and on disk. Refused
   * with SHARE_SPOOL_FULL when it does not fit.
   */
  async add(entry: SpoolEntry): Promise<void> {
    if (this.#closed) throw new CodedError(SHARE_SPOOL_FAILED, 'the share spool is closed');
    const size = entry.data.byteLength;
    if (!this.fits(size)) {
      throw new CodedError(
        SHARE_SPOOL_FULL,
        `share spool full (${this.#depth} records, ${this.#bytes} bytes; limits ` +
          `${this.#limits.maxRecords} records, ${this.#limits.maxBytes} bytes) while the share log is away`,
        { retryable: true },
      );
    }
    const key = this.#nextKey++;
    this.#depth++;
    this.#bytes += size;
    this.#sizes.set(key, size);
    const commit = this.#db.put(key, entry);
    this.#lastAdd = commit.catch(() => undefined);
    try {
      if (!(await commit)) throw new Error('LMDB refused the write');
      await this.#db.flushed;
    } catch (err) {
      this.#forget(key);
      throw new CodedError(SHARE_SPOOL_FAILED, `could not write the share spool in ${this.dir}`, {
        retryable: true,
        cause: err,
      });
    }
  }

  /** Up to `limit` committed entries with keys above `afterKey`, oldest first. */
  peek(limit: number, afterKey = 0): Spooled[] {
    const out: Spooled[] = [];
    for (const { key, value } of this.#db.getRange({ start: afterKey + 1, limit })) {
      out.push({ key, entry: value });
    }
    return out;
  }

  /** Resolves once every add issued so far has settled (its entry is readable or refused). */
  settled(): Promise<unknown> {
    return this.#lastAdd;
  }

  /** Removes appended entries (they no longer count at once; the delete commits in the background). */
  remove(keys: readonly number[]): Promise<unknown> {
    for (const k of keys) this.#forget(k);
    return this.#db.transaction(() => {
      for (const k of keys) void this.#db.remove(k);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lastAdd;
    await this.#db.close();
  }

  #forget(key: number): void {
    const size = this.#sizes.get(key);
    if (size === undefined) return;
    this.#sizes.delete(key);
    this.#depth--;
    this.#bytes -= size;
  }
}
