// Appends to the durable log (the Share actor's sink, and the Block and Ledger actors' writer). Shares are group-committed: whatever the Share actor hands over
// within `lingerMs` (or until `maxShares`) becomes one record with its own id, published with
// that id as the JetStream message id, and every caller whose shares are in it is answered when
// JetStream acknowledges the record. A publish that times out or meets a restarting server is
// retried with the same id (stored once, thanks to the stream's duplicate window).
// With a spool (a node's: log-spool.ts), a share record the log has not acknowledged within
// `spool.afterMs` is written to the local spool instead, and its callers are answered once it
// is on disk there; while the spool holds records, new ones go behind them, and a drain loop
// appends them to the log in order (same ids) as soon as the bus answers, removing each once
// acknowledged. A full spool fails its callers with SHARE_SPOOL_FULL. Without a spool, the
// callers are failed after `retryForMs`, and their miners are not told "accepted".
// Block and payout records take the retrying path, one record per call (they need their sequence).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  SpanKind,
  SpanStatusCode,
  isSpanContextValid,
  trace,
  type SpanContext,
} from '@opentelemetry/api';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { spanTime, timedSpan } from './span-time.js';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  LOG_RECORD_VERSION,
  type LogRecord,
  type LoggedJob,
  type LoggedRejects,
  type LoggedShare,
  type ShareBatchRecord,
} from './log-records.js';
import { CodedError, hasCode } from './errors.js';
import {
  DEFAULT_LOG_OPTIONS,
  LOG_UNAVAILABLE,
  encodeRecord,
  ensureLogStream,
  jetstreamOf,
  logError,
  logSubject,
  type LogKind,
} from './log-stream.js';
import { linksTo, traceparentOf, tracer } from './log-trace.js';
import { LogSpool, SHARE_SPOOL_FULL, type SpoolEntry } from './log-spool.js';
import { retryable } from './log-retry.js';
import type { RecordSigner } from './log-sign.js';
import { DEFAULT_APPENDER, type AppenderOptions } from './log-appender-options.js';

/** An accepted share, as the share log records it (`job` is shared by the job's shares). */
export interface AcceptedShare {
  readonly job: LoggedJob;
  readonly account: string;
  readonly worker: string;
  readonly weight: number;
  readonly hash: string;
  readonly atMs: number;
  /** The submit's trace (not logged): the log append's span links to it. */
  readonly trace?: Context;
}

/**
 * Where the Share actor hands accepted shares before their miners hear "accepted" (the durable
 * share log): the promise settles once they are durable.
 */
export interface ShareSink {
  append(shares: readonly AcceptedShare[]): Promise<void>;
}

/** Most workers whose refusals wait for a record: one more sends them in a record of their own. */
export const MAX_REJECT_WORKERS = 10_000;
/** Refusals no share record took within this long go in a record of their own. */
export const REJECTS_LINGER_MS = 5_000;

/** The submit traces of a record's shares. */
function* shareTraces(batch: readonly Pending[]): Generator<SpanContext | undefined> {
  for (const p of batch) {
    for (const s of p.shares)
      yield s.trace === undefined ? undefined : trace.getSpanContext(s.trace);
  }
}

interface Pending {
  readonly shares: readonly AcceptedShare[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface LogAppenderStats {
  records: number;
  shares: number;
  retries: number;
  failed: number;
  duplicates: number;
  /** Records in the local spool now (waiting for the share log). */
  spoolDepth: number;
  spoolBytes: number;
  /** Share records written to the spool (their miners heard "accepted" from it). */
  spooled: number;
  /** Spooled records appended to the log since start. */
  drained: number;
  /** Share records refused because the spool was full (their miners heard "busy"). */
  spoolFull: number;
  /** Refused shares counted into records (statistics: stale + invalid). */
  rejects: number;
}

export class LogAppender implements ShareSink {
  readonly #opts: AppenderOptions;
  readonly #js: ReturnType<typeof jetstreamOf>;
  readonly #log: Logger;
  readonly #boot = randomBytes(4).toString('hex');
  #seq = 0;
  #queue: Pending[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;
  #waiting: (() => void)[] = [];
  #closed = false;
  readonly #spool: LogSpool | null;
  /** Share records being committed (published or spooled), for close(). */
  #committing = 0;
  #idle: (() => void)[] = [];
  /** The drain loop, while it runs. */
  #drainer: Promise<void> | null = null;
  #drainWake: (() => void) | null = null;
  #stopDrain = false;
  #fullEpisode = false;
  /** Spool keys up to this one are in the log (their removal may still be committing). */
  #drainedKey = 0;
  readonly stats: LogAppenderStats = {
    records: 0,
    shares: 0,
    retries: 0,
    failed: 0,
    duplicates: 0,
    spoolDepth: 0,
    spoolBytes: 0,
    spooled: 0,
    drained: 0,
    spoolFull: 0,
    rejects: 0,
  };
  /** Refusals per worker since the last record (`account\nworker` → counts). */
  #rejects = new Map<string, { -readonly [K in keyof LoggedRejects]: LoggedRejects[K] }>();
  #rejectTimer: NodeJS.Timeout | null = null;

  /** With `spool`, share records the log cannot take in time wait there (see the file's head). */
  constructor(nc: NatsConnection, opts: AppenderOptions, log: Logger, spool?: LogSpool) {
    this.#opts = opts;
    this.#js = jetstreamOf(nc, opts.ackTimeoutMs);
    this.#log = log.child({ component: 'log-appender' });
    this.#spool = spool ?? null;
    this.#gauge();
    if (this.#spool !== null && this.#spool.depth > 0) {
      this.#log.warn(
        { spool: this.#spool.dir, records: this.#spool.depth },
        'share spool holds records from an earlier run; appending them to the share log first',
      );
      this.#kickDrain();
    }
  }

  /** ShareSink: resolves once the shares are in an acknowledged record, or on disk in the spool. */
  append(shares: readonly AcceptedShare[]): Promise<void> {
    if (this.#closed) return Promise.reject(logError('share log closed', 'draining'));
    if (shares.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ shares, resolve, reject });
      this.#queued += shares.length;
      if (this.#queued >= this.#opts.maxShares) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#opts.lingerMs);
    });
  }

  /**
   * Counts a share the pool refused (statistics; the ledger credits nothing for it): it rides
   * in the next share record, or in one of its own within REJECTS_LINGER_MS.
   */
  noteReject(account: string, worker: string, stale: boolean, atMs: number): void {
    if (this.#closed) return;
    const key = `${account}\n${worker}`;
    let r = this.#rejects.get(key);
    if (r === undefined) {
      if (this.#rejects.size >= MAX_REJECT_WORKERS) this.#commitRejects();
      r = { account, worker, stale: 0, invalid: 0, atMs };
      this.#rejects.set(key, r);
    }
    if (stale) r.stale++;
    else r.invalid++;
    if (atMs > r.atMs) r.atMs = atMs;
    this.#rejectTimer ??= setTimeout(() => this.#commitRejects(), REJECTS_LINGER_MS);
  }

  /** Refusals no share record took: a record of their own (no shares). */
  #commitRejects(): void {
    if (this.#rejectTimer) clearTimeout(this.#rejectTimer);
    this.#rejectTimer = null;
    if (this.#rejects.size > 0) void this.#commit([]);
  }

  /**
   * Appends one block or payout record (its id is its dedup key); resolves with its sequence.
   * Share records in the spool go first (for up to `retryForMs`): a block found during an outage
   * closes its round after the shares mined before it.
   */
  async appendRecord(kind: Exclude<LogKind, 'shares'>, record: LogRecord): Promise<number> {
    // Shares handed over before this record go first (one connection keeps the order): a
    // block's found record must not overtake the batch that held its share.
    this.#flush();
    const spool = this.#spool;
    if (spool !== null && spool.depth > 0) {
      const until = Date.now() + this.#opts.retryForMs;
      while (spool.depth > 0 && !this.#stopDrain && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return this.#publish(kind, record);
  }

  /** A fresh record id from this appender: `<node>:<boot>:<n>`. */
  nextId(): string {
    return `${this.#opts.node}:${this.#boot}:${++this.#seq}`;
  }

  /**
   * Sends what is queued and waits for every record in flight; later appends are refused. A
   * spool is drained for at most `closeDrainMs` more; what is left stays on disk for the next
   * start.
   */
  async close(): Promise<void> {
    this.#flush();
    this.#commitRejects();
    this.#closed = true;
    while (this.#committing > 0) await new Promise<void>((r) => this.#idle.push(r));
    while (this.#inFlight > 0) await new Promise<void>((r) => this.#waiting.push(r));
    const spool = this.#spool;
    if (spool === null) return;
    if (spool.depth > 0) {
      const drained = this.#drainer ?? Promise.resolve();
      const limit = new Promise((r) => setTimeout(r, this.#opts.closeDrainMs ?? 5_000).unref());
      await Promise.race([drained, limit]);
    }
    this.#stopDrain = true;
    this.#drainWake?.();
    await this.#drainer;
    if (spool.depth > 0) {
      this.#log.warn(
        { spool: spool.dir, records: spool.depth },
        'share spool not empty at stop; the next start appends it',
      );
    }
    await spool.close();
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      while (this.#queue.length > 0 && count < this.#opts.maxShares) {
        const p = this.#queue.shift() as Pending;
        batch.push(p);
        count += p.shares.length;
      }
      this.#queued -= count;
      void this.#commit(batch);
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    this.#committing++;
    // One span per record, linked to the submits' traces (Connection → Share → here); the
    // record carries this span's traceparent so the ledger's apply span can link to it.
    const span = tracer.startSpan(
      'share-log.append',
      timedSpan({ kind: SpanKind.PRODUCER, links: linksTo(shareTraces(batch)) }),
    );
    const sc = span.spanContext();
    const record: ShareBatchRecord = {
      ...this.#record(batch),
      ...(isSpanContextValid(sc) ? { trace: traceparentOf(sc) } : {}),
    };
    span.setAttribute('colliery.record', record.id);
    span.setAttribute('colliery.shares', record.shares.length);
    try {
      const seq =
        this.#spool === null
          ? await this.#publish('shares', record)
          : await this.#publishOrSpool(this.#spool, record);
      if (seq === null) span.setAttribute('colliery.spooled', true);
      else {
        span.setAttribute('colliery.log_seq', seq);
        this.stats.shares += record.shares.length;
      }
      span.end(spanTime());
      for (const p of batch) p.resolve();
    } catch (err) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((err as Error)?.message ?? err),
      });
      span.end(spanTime());
      this.stats.failed++;
      if (!hasCode(err, SHARE_SPOOL_FULL)) {
        this.#log.error(
          { err, record: record.id, shares: record.shares.length },
          'share record not logged',
        );
      }
      for (const p of batch) p.reject(err);
    } finally {
      if (--this.#committing === 0) for (const r of this.#idle.splice(0)) r();
    }
  }

  /**
   * The spool's way: behind spooled records, to the spool at once; otherwise to the log, and to
   * the spool if the log has not acknowledged it within `spoolAfterMs`. Resolves with the log
   * sequence, or null once the record is on disk in the spool.
   */
  async #publishOrSpool(spool: LogSpool, record: ShareBatchRecord): Promise<number | null> {
    const data = encodeRecord(record);
    if (spool.depth === 0) {
      let spooled = false;
      const direct = this.#publish('shares', record, data, () => spooled);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((r) => {
        timer = setTimeout(() => r(null), this.#opts.spoolAfterMs ?? 2_000);
      });
      try {
        const seq = await Promise.race([direct, late]);
        if (seq !== null) return seq;
      } catch (err) {
        if (!retryable(err)) throw err;
      } finally {
        clearTimeout(timer);
      }
      spooled = true; // the direct attempt stops retrying; a late ack of it is harmless
      direct.catch(() => undefined);
    }
    await this.#toSpool(spool, {
      kind: 'shares',
      id: record.id,
      shares: record.shares.length,
      data,
    });
    return null;
  }

  async #toSpool(spool: LogSpool, entry: SpoolEntry): Promise<void> {
    const first = spool.depth === 0;
    try {
      await spool.add(entry);
    } catch (err) {
      if (hasCode(err, SHARE_SPOOL_FULL)) {
        this.stats.spoolFull++;
        if (!this.#fullEpisode) {
          this.#fullEpisode = true;
          this.#log.warn(
            { err, spool: spool.dir, records: spool.depth, bytes: spool.bytes },
            'share spool full: shares are refused (busy) until the share log takes the spool',
          );
        }
      }
      throw err;
    }
    this.#fullEpisode = false;
    this.stats.spooled++;
    this.#gauge();
    if (first) {
      this.#log.warn(
        { spool: spool.dir, record: entry.id },
        'share log not answering: share records go to the local spool until it does',
      );
    }
    this.#kickDrain();
  }

  #gauge(): void {
    this.stats.spoolDepth = this.#spool?.depth ?? 0;
    this.stats.spoolBytes = this.#spool?.bytes ?? 0;
  }

  #kickDrain(): void {
    if (this.#spool === null || this.#stopDrain || this.#drainer !== null) return;
    const spool = this.#spool;
    this.#drainer = this.#drainLoop(spool)
      .catch((err: unknown) => this.#log.error({ err }, 'share spool drain failed'))
      .finally(() => {
        this.#drainer = null;
        if (spool.depth > 0 && !this.#stopDrain) this.#kickDrain();
      });
  }

  /**
   * Appends the spool to the log in order: a window of records at once (published in key order
   * on one connection, so the server stores them in that order), each removed once
   * acknowledged; after a failure one record at a time, with a growing pause, until the log
   * answers again.
   */
  async #drainLoop(spool: LogSpool): Promise<void> {
    let failures = 0;
    let drained = 0;
    while (!this.#stopDrain && spool.depth > 0) {
      const window = spool.peek(failures > 0 ? 1 : this.#opts.maxInFlight, this.#drainedKey);
      if (window.length === 0) {
        await spool.settled(); // an add not committed yet
        if (spool.peek(1, this.#drainedKey).length === 0) await this.#pause(10);
        continue;
      }
      const acks = await Promise.allSettled(
        window.map(({ entry }) =>
          this.#js.publish(
            logSubject(this.#opts.cluster, this.#opts.coin, entry.kind),
            entry.data,
            {
              msgID: entry.id,
              timeout: this.#opts.ackTimeoutMs,
              ...this.#signed(entry.data),
            },
          ),
        ),
      );
      const done: number[] = [];
      let error: { err: unknown } | null = null;
      for (const [i, a] of acks.entries()) {
        if (a.status === 'rejected') error ??= { err: a.reason };
        if (error !== null) continue; // stored or not, it goes again (same id) after the failure
        const { key, entry } = window[i] as (typeof window)[number];
        done.push(key);
        this.stats.shares += entry.shares;
        this.stats.drained++;
        // A duplicate was stored already: by the direct attempt the spool overtook (counted
        // there) or by a drain that died before removing it.
        if ((a as PromiseFulfilledResult<{ duplicate: boolean }>).value.duplicate) {
          this.stats.duplicates++;
        } else this.stats.records++;
      }
      if (done.length > 0) {
        this.#drainedKey = done[done.length - 1] as number;
        drained += done.length;
        spool.remove(done).catch((err: unknown) => {
          this.#log.error(
            { err },
            'share spool: could not remove appended records (appended again at the next start, stored once)',
          );
        });
        this.#gauge();
      }
      if (error === null) {
        failures = 0;
        continue;
      }
      failures++;
      this.stats.retries++;
      if (failures === 1 || failures % 20 === 0) {
        this.#log.warn(
          { err: error.err, records: spool.depth, attempt: failures },
          'share spool: the share log does not take records yet; retrying',
        );
      }
      await this.#pause(Math.min(2_000, 100 * failures));
    }
    if (drained > 0 && spool.depth === 0) {
      this.#log.warn(
        { drained, total: this.stats.drained },
        'share spool drained: the spooled records are in the share log',
      );
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.#drainWake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  #record(batch: readonly Pending[]): ShareBatchRecord {
    const jobs: LoggedJob[] = [];
    const index = new Map<string, number>();
    const shares: LoggedShare[] = [];
    for (const p of batch) {
      for (const s of p.shares) {
        let j = index.get(s.job.id);
        if (j === undefined) {
          j = jobs.push(s.job) - 1;
          index.set(s.job.id, j);
        }
        shares.push({
          job: j,
          account: s.account,
          worker: s.worker,
          weight: s.weight,
          hash: s.hash,
          atMs: s.atMs,
        });
      }
    }
    const record: ShareBatchRecord = {
      type: 'shares',
      v: LOG_RECORD_VERSION,
      id: this.nextId(),
      coin: this.#opts.coin,
      node: this.#opts.node,
      jobs,
      shares,
    };
    if (this.#rejects.size === 0) return record;
    // Refusals ride along (statistics: a record that is lost loses them, never a share).
    const rejects = [...this.#rejects.values()];
    this.#rejects.clear();
    if (this.#rejectTimer) clearTimeout(this.#rejectTimer);
    this.#rejectTimer = null;
    for (const r of rejects) this.stats.rejects += r.stale + r.invalid;
    return { ...record, rejects };
  }

  async #publish(
    kind: LogKind,
    record: LogRecord,
    data: Uint8Array = encodeRecord(record),
    stop: () => boolean = () => false,
  ): Promise<number> {
    while (this.#inFlight >= this.#opts.maxInFlight) {
      await new Promise<void>((r) => this.#waiting.push(r));
    }
    this.#inFlight++;
    try {
      return await this.#publishWithRetry(kind, record, data, stop);
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  /** The signature headers for `data` (none without a signer). */
  #signed(data: Uint8Array): { headers?: MsgHdrs } {
    const signer = this.#opts.signer;
    return signer === undefined ? {} : { headers: signer.headers(data) };
  }

  async #publishWithRetry(
    kind: LogKind,
    record: LogRecord,
    data: Uint8Array,
    stop: () => boolean,
  ): Promise<number> {
    const subject = logSubject(this.#opts.cluster, this.#opts.coin, kind);
    const deadline = Date.now() + this.#opts.retryForMs;
    for (let attempt = 1; ; attempt++) {
      if (stop()) throw new CodedError(LOG_UNAVAILABLE, `record ${record.id} was spooled`);
      try {
        const ack = await this.#js.publish(subject, data, {
          msgID: record.id,
          timeout: this.#opts.ackTimeoutMs,
          ...this.#signed(data),
        });
        this.stats.records++;
        if (ack.duplicate) this.stats.duplicates++;
        return ack.seq;
      } catch (err) {
        const again = retryable(err);
        if (Date.now() >= deadline || !again || stop()) {
          const why = err instanceof Error ? err.message : String(err);
          throw new CodedError(
            LOG_UNAVAILABLE,
            `could not append ${kind} record ${record.id}: ${why}`,
            {
              retryable: again,
              cause: err,
            },
          );
        }
        this.stats.retries++;
        if (attempt === 1 || attempt % 20 === 0) {
          this.#log.warn(
            { err, record: record.id, attempt },
            'log append failed; retrying with the same id',
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(1_000, 25 * attempt)));
      }
    }
  }
}

/** The share log's tuning, as the node's config names it (TUNING in topology/config.ts, its defaults). */
export interface LogTuning {
  /** How long shares wait for company before their record goes out (AppenderOptions.lingerMs). */
  readonly shareLingerMs: number;
  readonly spoolAfterSeconds: number;
  readonly spoolRecords: number;
  readonly spoolMb: number;
}

/** Where a node keeps its share spool: `<data>/spool/<cluster>/<coin>/<node>`. */
export function spoolDir(dataDir: string, cluster: string, coin: string, nodeId: string): string {
  return join(dataDir, 'spool', cluster, coin, nodeId);
}

/**
 * A node's log: the stream created or checked with the node's replicas, and its appender, with
 * a share spool under the node's data folder when the config names one (a non-empty spool left
 * by an earlier run is appended first).
 */
export async function openNodeLog(
  nc: NatsConnection,
  cfg: {
    cluster: string;
    coin: string;
    nodeId: string;
    logReplicas: number;
    dataDir?: string;
    tuning: LogTuning;
  },
  log: Logger,
  signer?: RecordSigner,
): Promise<LogAppender> {
  await ensureLogStream(nc, {
    ...DEFAULT_LOG_OPTIONS,
    cluster: cfg.cluster,
    replicas: cfg.logReplicas,
  });
  const t = cfg.tuning;
  const spool =
    cfg.dataDir === undefined
      ? undefined
      : LogSpool.open(spoolDir(cfg.dataDir, cfg.cluster, cfg.coin, cfg.nodeId), {
          maxRecords: t.spoolRecords,
          maxBytes: t.spoolMb * 1024 * 1024,
        });
  return new LogAppender(
    nc,
    {
      ...DEFAULT_APPENDER,
      cluster: cfg.cluster,
      coin: cfg.coin,
      node: cfg.nodeId,
      lingerMs: t.shareLingerMs,
      spoolAfterMs: t.spoolAfterSeconds * 1000,
      ...(signer ? { signer } : {}),
    },
    log,
    spool,
  );
}
