// A ledger replica in LMDB. applyBatch folds log entries into the in-memory state and writes
// the changed rows together with the new lastApplied in ONE write transaction, so a batch is
// applied entirely or not at all, and an entry at or below lastApplied is never applied
// again (exactly-once). If applying or writing fails, the transaction is aborted and the
// in-memory state is reloaded from LMDB: the replica stays at its previous consistent state.
import type { QuarantinedRecord } from '../shared/log-records.js';
import { endianness } from 'node:os';
import { open } from 'lmdb';
import { CodedError } from '../shared/errors.js';
import { applyEntry } from './apply.js';
import type { BlockBill } from './bill.js';
import type { AccountScheme, LedgerConfig, ResolvedConfig } from './config.js';
import { configFingerprint, resolveConfig } from './config.js';
import {
  LEDGER_BAD_RECORD,
  LEDGER_BUSY,
  LEDGER_CLOSED,
  LEDGER_CONFIG_MISMATCH,
  LEDGER_WRITE_FAILED,
} from './errors.js';
import type { CoinbaseOutputOptions, PayoutPlanOptions } from './plan.js';
import { coinbaseOutputs, planPayout } from './plan.js';
import type { CoinbasePayment, LogEntry } from '../shared/log-records.js';
import type { LedgerSnapshot } from './snapshot.js';
import { digestOf, snapshotOf } from './snapshot.js';
import type { BlockStatus, LedgerCounters, LedgerState, Payout } from './state.js';
import type { LedgerDbs, WriteHook } from './store-rows.js';
import { clearDirty, LAYOUT_VERSION, loadState, openDbs, writeDirty } from './store-rows.js';
import { StatsBook, type StatsOptions } from './stats/book.js';
import type { StatsView } from './stats/view.js';

export interface AccountBalance {
  readonly account: string;
  readonly scheme: AccountScheme;
  /** Spendable (may be negative: see debtSats). */
  readonly matureSats: bigint;
  readonly immatureSats: bigint;
  readonly pendingSats: bigint;
  readonly paidSats: bigint;
  /** max(0, −mature): paid ahead (e.g. two coinbases paid one balance), recovered from credits. */
  readonly debtSats: bigint;
  /** PPS/FPPS sub-satoshi remainder, num/den of a satoshi (null: none). */
  readonly ppsRemainder: { readonly num: bigint; readonly den: bigint } | null;
}

export interface BlockSummary {
  readonly hash: string;
  readonly height: number;
  readonly seq: number;
  readonly status: BlockStatus;
  readonly statusSeq: number | null;
  readonly rewardSats: bigint;
  readonly solo: boolean;
}

export interface ApplyResult {
  /** Entries applied by this call (those at or below lastApplied are skipped). */
  readonly applied: number;
  readonly lastApplied: number;
}

export interface OpenLedgerOptions {
  /** Test hook called before every row write; throwing fails (and rolls back) the batch. */
  readonly onWrite?: WriteHook;
  /**
   * Keep the pool's statistics beside the ledger (stats/book.ts): hashrate and share counts per
   * worker, account and pool. Absent: none (the CLI's ledger commands, verify).
   */
  readonly stats?: StatsOptions;
}

export interface LedgerStore {
  readonly config: ResolvedConfig;
  applyBatch(entries: readonly LogEntry[]): ApplyResult;
  /**
   * applyBatch with the commit (and its fsync) on LMDB's write thread instead of the caller's:
   * the same all-or-nothing batch, for a replica that shares its thread with Stratum. One at a
   * time: a second call before the first settles is refused.
   */
  applyBatchAsync(entries: readonly LogEntry[]): Promise<ApplyResult>;
  lastApplied(): number;
  /**
   * The last log entry both the ledger and its statistics include: a replica reads the log
   * from the one after (the statistics write at most every few seconds, so after a crash they
   * may be behind the ledger; entries the ledger has applied then feed the statistics only).
   */
  resumeSeq(): number;
  /** The statistics (null: not kept here). */
  stats(): StatsView | null;
  balances(): AccountBalance[];
  balance(account: string): AccountBalance | undefined;
  bill(hashOrHeight: string | number): BlockBill | undefined;
  blocks(): BlockSummary[];
  payouts(): Payout[];
  counters(): LedgerCounters;
  /** The latest records refused at the edge (trust.ts), oldest first. */
  quarantine(): (QuarantinedRecord & { readonly seq: number })[];
  coinbaseOutputs(opts: CoinbaseOutputOptions): CoinbasePayment[];
  planPayout(opts: PayoutPlanOptions): CoinbasePayment[];
  /** Everything in LMDB (read afresh), canonical. */
  snapshot(): LedgerSnapshot;
  /** sha256 of the canonical snapshot: equal on replicas that applied the same log. */
  digest(): string;
  close(): Promise<void>;
}

/** Opens (or creates) the ledger replica in `dir`. */
export function openLedger(
  dir: string,
  config: LedgerConfig,
  options: OpenLedgerOptions = {},
): LedgerStore {
  if (endianness() !== 'LE') {
    throw new CodedError(LEDGER_CONFIG_MISMATCH, 'the ledger stores window pages little-endian');
  }
  const resolved = resolveConfig(config);
  const root = open({ path: dir, encoder: { useBigIntExtension: true } });
  try {
    const dbs = openDbs(root);
    const fingerprint = configFingerprint(resolved);
    const stored = dbs.meta.get('config');
    if (stored === undefined) {
      dbs.root.transactionSync(() => {
        dbs.meta.putSync('layout', LAYOUT_VERSION);
        dbs.meta.putSync('config', fingerprint);
      });
    } else if (stored !== fingerprint) {
      throw new CodedError(
        LEDGER_CONFIG_MISMATCH,
        `the ledger in ${dir} was built under a different payout config (ledger.scheme, ` +
          `blockSplit, feeBps, pplnsFactorBps, accountSchemes or coin); restore that config, ` +
          `or replay the log into a new directory`,
      );
    }
    const stats =
      options.stats === undefined
        ? null
        : new StatsBook(
            root.openDB({ name: 'stats', encoder: { useBigIntExtension: true } } as {
              name: string;
            }),
            options.stats,
          );
    return new LmdbLedger(dbs, resolved, options.onWrite ?? null, stats);
  } catch (e) {
    void root.close();
    throw e;
  }
}

/** lmdb-js documents childTransaction (README) but its typings omit it. */
interface ChildTransactions {
  childTransaction(action: () => void): Promise<unknown>;
}

class LmdbLedger implements LedgerStore {
  readonly config: ResolvedConfig;
  readonly #dbs: LedgerDbs;
  readonly #hook: WriteHook | null;
  readonly #stats: StatsBook | null;
  #state: LedgerState;
  #closed = false;
  /** An applyBatchAsync is committing. */
  #pending = false;

  constructor(
    dbs: LedgerDbs,
    config: ResolvedConfig,
    hook: WriteHook | null,
    stats: StatsBook | null,
  ) {
    this.config = config;
    this.#dbs = dbs;
    this.#hook = hook;
    this.#stats = stats;
    this.#state = loadState(dbs, config);
  }

  /** The batch's rows, and the statistics' when they are due. */
  #write(): void {
    writeDirty(this.#dbs, this.#state, this.#hook);
    if (this.#stats?.due()) this.#stats.write();
  }

  applyBatch(entries: readonly LogEntry[]): ApplyResult {
    this.#check();
    if (this.#pending) throw new CodedError(LEDGER_BUSY, 'an asynchronous batch is committing');
    const applied = this.#fold(entries);
    try {
      if (applied > 0 || this.#stats?.due()) {
        this.#dbs.root.transactionSync(() => this.#write());
      }
    } catch (err) {
      throw this.#writeFailed(err);
    }
    clearDirty(this.#state);
    return { applied, lastApplied: this.#state.lastApplied };
  }

  async applyBatchAsync(entries: readonly LogEntry[]): Promise<ApplyResult> {
    this.#check();
    if (this.#pending) throw new CodedError(LEDGER_BUSY, 'an asynchronous batch is committing');
    const applied = this.#fold(entries);
    if (applied > 0 || this.#stats?.due()) {
      this.#pending = true;
      try {
        // A child transaction: a throw inside aborts every row of the batch (a plain async
        // transaction would commit the rows written before the throw).
        await (this.#dbs.root as unknown as ChildTransactions).childTransaction(() =>
          this.#write(),
        );
      } catch (err) {
        throw this.#writeFailed(err);
      } finally {
        this.#pending = false;
      }
    }
    clearDirty(this.#state);
    return { applied, lastApplied: this.#state.lastApplied };
  }

  /** Applies `entries` to the in-memory state; on a bad entry, reloads what LMDB holds. */
  #fold(entries: readonly LogEntry[]): number {
    const state = this.#state;
    let applied = 0;
    let prev = 0;
    try {
      for (const e of entries) {
        if (e.seq <= prev) {
          throw new CodedError(LEDGER_BAD_RECORD, `batch not in log order: ${e.seq} after ${prev}`);
        }
        prev = e.seq;
        try {
          if (applyEntry(state, e)) applied++;
          this.#stats?.note(e);
        } catch (err) {
          // A record the ledger cannot apply: not retryable, whatever threw.
          const code = (err as { code?: unknown }).code;
          if (typeof code === 'string' && code.startsWith('LEDGER_')) throw err;
          throw new CodedError(LEDGER_BAD_RECORD, `log entry ${e.seq} cannot be applied`, {
            cause: err,
          });
        }
      }
    } catch (err) {
      // Nothing of the batch was committed: go back to what LMDB holds.
      this.#state = loadState(this.#dbs, this.config);
      this.#stats?.reload();
      throw err;
    }
    return applied;
  }

  /** The write was aborted: go back to what LMDB holds and say so (retryable). */
  #writeFailed(err: unknown): CodedError {
    this.#state = loadState(this.#dbs, this.config);
    this.#stats?.reload();
    return new CodedError(LEDGER_WRITE_FAILED, 'writing a log batch to LMDB failed', {
      retryable: true,
      cause: err,
    });
  }

  lastApplied(): number {
    return this.#state.lastApplied;
  }

  resumeSeq(): number {
    const last = this.#state.lastApplied;
    return this.#stats === null ? last : Math.min(last, this.#stats.seq());
  }

  stats(): StatsView | null {
    return this.#stats;
  }

  balances(): AccountBalance[] {
    this.#check();
    return [...this.#state.accounts.keys()].sort().map((n) => this.balance(n) as AccountBalance);
  }

  balance(name: string): AccountBalance | undefined {
    this.#check();
    const a = this.#state.accounts.get(name);
    if (a === undefined) return undefined;
    return {
      account: a.name,
      scheme: this.#state.schemes[a.index] ?? this.config.scheme,
      matureSats: a.mature,
      immatureSats: a.immature,
      pendingSats: a.pending,
      paidSats: a.paid,
      debtSats: a.mature < 0n ? -a.mature : 0n,
      ppsRemainder: a.remDen === 0n ? null : { num: a.remNum, den: a.remDen },
    };
  }

  bill(hashOrHeight: string | number): BlockBill | undefined {
    this.#check();
    let hash = hashOrHeight;
    if (typeof hashOrHeight === 'number') {
      let best: { hash: string; seq: number } | null = null;
      for (const b of this.#state.blocks.values()) {
        if (b.height === hashOrHeight && (best === null || b.seq > best.seq)) best = b;
      }
      if (best === null) return undefined;
      hash = best.hash;
    }
    // A bill of the batch being committed is still in memory: every read reflects the same
    // applied state (blocks() lists the block the moment its bill can be read).
    return this.#state.bills.get(String(hash)) ?? this.#dbs.bills.get(String(hash));
  }

  blocks(): BlockSummary[] {
    this.#check();
    return [...this.#state.blocks.values()]
      .sort((a, b) => a.seq - b.seq)
      .map(({ hash, height, seq, status, statusSeq, rewardSats, solo }) => ({
        hash,
        height,
        seq,
        status,
        statusSeq,
        rewardSats,
        solo,
      }));
  }

  payouts(): Payout[] {
    this.#check();
    return [...this.#state.payouts.values()].sort((a, b) => a.seq - b.seq);
  }

  counters(): LedgerCounters {
    return { ...this.#state.counters };
  }

  quarantine(): (QuarantinedRecord & { readonly seq: number })[] {
    this.#check();
    return [...this.#state.quarantine].map(([seq, q]) => ({ seq, ...q }));
  }

  coinbaseOutputs(opts: CoinbaseOutputOptions): CoinbasePayment[] {
    this.#check();
    return coinbaseOutputs(this.#state, opts);
  }

  planPayout(opts: PayoutPlanOptions): CoinbasePayment[] {
    this.#check();
    return planPayout(this.#state, opts);
  }

  snapshot(): LedgerSnapshot {
    this.#check();
    const fresh = loadState(this.#dbs, this.config);
    return snapshotOf(
      fresh,
      this.#dbs.bills.getRange().map(({ value }) => value),
    );
  }

  digest(): string {
    return digestOf(this.snapshot());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // What the statistics hold goes to disk: a clean stop reads nothing of the log again.
    if (this.#stats?.due(Infinity) && !this.#pending) {
      try {
        this.#dbs.root.transactionSync(() => this.#stats?.write());
      } catch {
        // Not written: the next start reads the log again from the statistics' last write.
      }
    }
    this.#closed = true;
    await this.#dbs.root.close();
  }

  #check(): void {
    if (this.#closed) throw new CodedError(LEDGER_CLOSED, 'the ledger store is closed');
  }
}
