// A ledger replica: this node's LMDB ledger following the coin's log. Every node runs one (the
// leader answers queries and pays; the others are hot standbys that have applied the same log).
// It reads from lastApplied + 1, validates each record at the edge, and applies batches; the
// store writes the batch and the new lastApplied in one transaction, so a crash anywhere
// resumes exactly where LMDB says. A failed read or apply (NATS restarting, a full disk) is
// logged and retried with backoff; the replica never skips an entry.
import type { NatsConnection } from '@nats-io/transport-node';
import { spanTime, timedSpan } from '../shared/span-time.js';
import type { Logger } from 'pino';
import type { LedgerStore } from './store.js';
import { admitEntry, type RecordTrust } from './trust.js';
import type { LogEntry } from '../shared/log-records.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { DEFAULT_BATCH_BYTES, readLog, type RawEntry } from '../shared/log-reader.js';

import { linksTo, spanContextOf, tracer } from '../shared/log-trace.js';

export interface ReplicaOptions {
  readonly cluster: string;
  readonly coin: string;
  readonly maxBatch: number;
  /** Most encoded log bytes per applied batch (default DEFAULT_BATCH_BYTES, 512 KiB). */
  readonly maxBytes?: number;
  /**
   * The node keys the cluster trusts: a record not signed by one of them is quarantined
   * (trust.ts). Without it, records are not checked (a library default; nodes always check).
   */
  readonly trust?: RecordTrust;
}

export class LedgerReplica {
  readonly store: LedgerStore;
  readonly #nc: NatsConnection;
  readonly #opts: ReplicaOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #waiters: { seq: number; resolve: () => void }[] = [];
  #loop: Promise<void> | null = null;
  #listeners: ((lastApplied: number) => void)[] = [];

  constructor(nc: NatsConnection, store: LedgerStore, opts: ReplicaOptions, log: Logger) {
    this.#nc = nc;
    this.store = store;
    this.#opts = opts;
    this.#log = log.child({ component: 'ledger-replica', coin: opts.coin });
  }

  start(): void {
    this.#loop ??= this.#follow();
  }

  /** Called after every applied batch (e.g. to refresh the coinbase outputs). */
  onApplied(listener: (lastApplied: number) => void): void {
    this.#listeners.push(listener);
  }

  lastApplied(): number {
    return this.store.lastApplied();
  }

  /** Resolves once the replica has applied the log up to `seq`. */
  waitApplied(seq: number): Promise<void> {
    if (this.store.lastApplied() >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop?.catch(() => undefined);
    await this.store.close();
  }

  async #follow(): Promise<void> {
    for (let attempt = 0; !this.#abort.signal.aborted; attempt++) {
      try {
        for await (const batch of readLog(this.#nc, {
          cluster: this.#opts.cluster,
          coin: this.#opts.coin,
          fromSeq: this.store.resumeSeq() + 1,
          until: 'follow',
          maxBatch: this.#opts.maxBatch,
          maxBytes: this.#opts.maxBytes ?? DEFAULT_BATCH_BYTES,
          signal: this.#abort.signal,
          onStall: (fromSeq) =>
            this.#log.warn(
              { fromSeq, lastApplied: this.store.lastApplied() },
              'ledger replica read stalled behind the log; reading again from where it is',
            ),
        })) {
          await this.#apply(batch);
          attempt = 0;
        }
      } catch (err) {
        // The node is shutting down (its NATS connection drains): nothing to retry.
        if (this.#abort.signal.aborted || this.#nc.isClosed() || this.#nc.isDraining()) return;
        this.#log.error(
          { err, lastApplied: this.store.lastApplied(), attempt },
          'ledger replica stalled; retrying',
        );
        await sleep(Math.min(10_000, 200 * 2 ** Math.min(attempt, 6)), this.#abort.signal);
      }
    }
  }

  #lastQuarantineLog = 0;
  #unlogged = 0;

  #reportQuarantined(entries: readonly LogEntry[]): void {
    for (const { seq, record: r } of entries) {
      if (r.type !== 'quarantined') continue;
      const now = Date.now();
      if (now - this.#lastQuarantineLog < QUARANTINE_LOG_MS) {
        this.#unlogged++;
        continue;
      }
      this.#lastQuarantineLog = now;
      this.#log.error(
        { seq, node: r.node, reason: r.reason, type: r.recordType, shares: r.shares, id: r.id },
        `log record quarantined: ${r.reason}` +
          (this.#unlogged > 0 ? ` (and ${this.#unlogged} more since the last line)` : ''),
      );
      this.#unlogged = 0;
    }
  }

  async #apply(batch: readonly RawEntry[]): Promise<void> {
    const entries: LogEntry[] = batch.map((e) => admitEntry(e, this.#opts.trust ?? null));
    this.#reportQuarantined(entries);
    const span = tracer.startSpan(
      'ledger.apply',
      timedSpan({
        kind: SpanKind.CONSUMER,
        links: linksTo(
          batch.map((e) => spanContextOf((e.record as { trace?: unknown } | null)?.trace)),
        ),
        attributes: {
          'colliery.log_seq_from': batch[0]?.seq ?? 0,
          'colliery.log_seq_to': batch.at(-1)?.seq ?? 0,
        },
      }),
    );
    let lastApplied: number;
    try {
      // The commit (and fsync) runs on LMDB's write thread, not on the one serving Stratum.
      lastApplied = (await this.store.applyBatchAsync(entries)).lastApplied;
    } catch (err) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((err as Error)?.message ?? err),
      });
      throw err;
    } finally {
      span.end(spanTime());
    }
    for (const l of this.#listeners) l(lastApplied);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i] as { seq: number; resolve: () => void };
      if (w.seq <= lastApplied) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** Error lines for quarantined records: every one, at most one line a second (a flood). */
const QUARANTINE_LOG_MS = 1_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
