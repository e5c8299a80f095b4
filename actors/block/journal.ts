// The block journal: a node's small local LMDB of the blocks it found and has not yet seen in
// the block log (<data>/blocks/<cluster>/<coin>/<node>). An entry is written before the block's
// submitblock requests leave and removed once the block log holds its records, so a block found
// while NATS is away, or by a node killed before its records reached the log, is appended when
// the bus is back or the node restarts. Writes commit synchronously without an fsync (the commit
// is in the OS before submitblock leaves: it survives the process being killed); `sync()` then
// flushes to disk off the event loop. An fsync before submitblock costs ~0.8 ms p50 and 6.6 ms
// p99 on the dev VM, more than the whole candidate path's budget.
//
// A block's template transactions (2-4 MB of hex for a mainnet block) are written once per
// job, when the job arrives (`keepJob`, an async commit off the candidate path), under
// `tx:<job id>`; a candidate's entry then holds only what precedes them (header, certificate,
// count, coinbase: a few hundred bytes) and names the job. Writing a mainnet block's hex at
// candidate time cost 0.6 ms p50 on the dev VM, before submitblock could leave. A candidate on
// a job whose row is not committed yet writes its transactions inline.
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type { FoundBlock } from './messages.js';

export interface JournalEntry {
  /** The block as it stands: what block.submitted and block.found carry, its answers once in. */
  readonly block: FoundBlock;
  /**
   * What submitblock takes, so a node that died before the requests left can send them: this,
   * then the template transactions of job `txsOf` (its own row), or nothing more (null).
   */
  readonly head: string;
  readonly txsOf: string | null;
  /** The coin nodes answered (block.status says what they made of it). */
  readonly answered: boolean;
}

const TX_PREFIX = 'tx:';
const txKey = (jobId: string): string => `${TX_PREFIX}${jobId}`;
const isTxKey = (key: string): boolean => key.startsWith(TX_PREFIX);

/** Entries as an earlier version wrote them: the whole block inline. */
type StoredEntry = JournalEntry | (Omit<JournalEntry, 'head' | 'txsOf'> & { blockHex: string });

export class BlockJournal {
  readonly #db: RootDatabase<StoredEntry | string, string>;
  /** Jobs whose transactions row is committed. */
  readonly #jobs = new Set<string>();

  private constructor(db: RootDatabase<StoredEntry | string, string>) {
    this.#db = db;
    for (const key of db.getKeys({ start: TX_PREFIX })) {
      if (!isTxKey(key)) break;
      this.#jobs.add(key.slice(TX_PREFIX.length));
    }
  }

  static open(dir: string): BlockJournal {
    mkdirSync(dir, { recursive: true });
    return new BlockJournal(
      open<StoredEntry | string, string>({
        path: dir,
        noSync: true,
        encoder: { useBigIntExtension: true },
      }),
    );
  }

  /** Commits the entry (in the OS when this returns; on disk after the next sync). */
  write(entry: JournalEntry): void {
    this.#db.putSync(entry.block.hash, entry);
  }

  /** Flushes the committed entries to disk, off the event loop. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      (this.#db as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
    });
  }

  remove(hash: string): void {
    this.#db.removeSync(hash);
  }

  /**
   * Keeps a job's template transactions for its candidates (committed off the event loop;
   * `holdsJob` says when). No row for a job without transactions.
   */
  keepJob(jobId: string, txHex: string): void {
    if (txHex === '' || this.#jobs.has(jobId)) return;
    void this.#db.put(txKey(jobId), txHex).then(
      () => this.#jobs.add(jobId),
      () => undefined, // not kept: its candidates write their transactions inline
    );
  }

  /** Whether a candidate on `jobId` may name the job instead of writing its transactions. */
  holdsJob(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /** Drops the transactions of jobs not in `keep` and named by no entry. */
  pruneJobs(keep: ReadonlySet<string>): void {
    const named = new Set(this.pending().map((e) => e.txsOf));
    for (const jobId of this.#jobs) {
      if (keep.has(jobId) || named.has(jobId)) continue;
      this.#jobs.delete(jobId);
      void this.#db.remove(txKey(jobId)).catch(() => undefined);
    }
  }

  /** What submitblock takes for `e`; null when its job's transactions are not in the journal. */
  blockHex(e: JournalEntry): string | null {
    if (e.txsOf === null) return e.head;
    const txs = this.#db.get(txKey(e.txsOf));
    return typeof txs === 'string' ? e.head + txs : null;
  }

  /** Entries the block log does not hold yet, oldest found first. */
  pending(): JournalEntry[] {
    const out: JournalEntry[] = [];
    // Entries are keyed by block hash (hex), below every `tx:` key: the rows of transactions
    // (megabytes each) are never read here.
    for (const { key, value } of this.#db.getRange({ end: TX_PREFIX })) {
      if (isTxKey(key) || typeof value === 'string') continue;
      out.push('blockHex' in value ? { ...value, head: value.blockHex, txsOf: null } : value);
    }
    return out.sort((a, b) => a.block.foundAtMs - b.block.foundAtMs);
  }

  /** Entries (blocks) in the journal. */
  get size(): number {
    return this.pending().length;
  }

  async close(): Promise<void> {
    await this.sync().catch(() => undefined);
    await this.#db.close();
  }
}
