// Appends to the durable log (the Share actor's sink, and the Block and Ledger actors' writer). Shares are group-committed: whatever the Share actor hands over
// within `lingerMs` (or until `maxShares`) becomes one record with its own id, published with
// that id as the JetStream message id, and every caller whose shares are in it is answered when
// JetStream acknowledges the record. A publish that times out or meets a restarting server is
// retried with the same id (stored once, thanks to the stream's duplicate window) until
// `retryForMs` has passed; then the callers are failed, and their miners are not told "accepted".
// Block and payout records take the same retrying path, one record per call.
import { randomBytes } from 'node:crypto';
import {
  SpanKind,
  SpanStatusCode,
  isSpanContextValid,
  trace,
  type SpanContext,
} from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { spanTime, timedSpan } from './span-time.js';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  LOG_RECORD_VERSION,
  type LogRecord,
  type LoggedJob,
  type LoggedShare,
  type ShareBatchRecord,
} from './log-records.js';
import {
  DEFAULT_LOG_OPTIONS,
  encodeRecord,
  ensureLogStream,
  jetstreamOf,
  logError,
  logSubject,
  type LogKind,
} from './log-stream.js';
import { linksTo, traceparentOf, tracer } from './log-trace.js';

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

/** The submit traces of a record's shares. */
function* shareTraces(batch: readonly Pending[]): Generator<SpanContext | undefined> {
  for (const p of batch) {
    for (const s of p.shares)
      yield s.trace === undefined ? undefined : trace.getSpanContext(s.trace);
  }
}

export interface AppenderOptions {
  readonly cluster: string;
  readonly coin: string;
  readonly node: string;
  /** How long shares wait for company before their record goes out. */
  readonly lingerMs: number;
  /** A record never carries more shares than this. */
  readonly maxShares: number;
  /** Records in flight at once (each waits for its own PubAck). */
  readonly maxInFlight: number;
  /** PubAck timeout per attempt. */
  readonly ackTimeoutMs: number;
  /** Give up (fail the callers) after this long; must be below the stream's duplicate window. */
  readonly retryForMs: number;
}

export const DEFAULT_APPENDER: Omit<AppenderOptions, 'cluster' | 'coin' | 'node'> = {
  lingerMs: 1,
  maxShares: 2_000,
  maxInFlight: 64,
  ackTimeoutMs: 5_000,
  retryForMs: 60_000,
};

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
  readonly stats: LogAppenderStats = {
    records: 0,
    shares: 0,
    retries: 0,
    failed: 0,
    duplicates: 0,
  };

  constructor(nc: NatsConnection, opts: AppenderOptions, log: Logger) {
    this.#opts = opts;
    this.#js = jetstreamOf(nc, opts.ackTimeoutMs);
    this.#log = log.child({ component: 'log-appender' });
  }

  /** ShareSink: resolves once the shares are in an acknowledged record. */
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

  /** Appends one block or payout record (its id is its dedup key); resolves with its sequence. */
  async appendRecord(kind: Exclude<LogKind, 'shares'>, record: LogRecord): Promise<number> {
    return this.#publish(kind, record);
  }

  /** A fresh record id from this appender: `<node>:<boot>:<n>`. */
  nextId(): string {
    return `${this.#opts.node}:${this.#boot}:${++this.#seq}`;
  }

  /** Sends what is queued and waits for every record in flight; later appends are refused. */
  async close(): Promise<void> {
    this.#flush();
    this.#closed = true;
    while (this.#inFlight > 0) await new Promise<void>((r) => this.#waiting.push(r));
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
      const seq = await this.#publish('shares', record);
      span.setAttribute('colliery.log_seq', seq);
      span.end(spanTime());
      this.stats.shares += record.shares.length;
      for (const p of batch) p.resolve();
    } catch (err) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((err as Error)?.message ?? err),
      });
      span.end(spanTime());
      this.stats.failed++;
      this.#log.error(
        { err, record: record.id, shares: record.shares.length },
        'share record not logged',
      );
      for (const p of batch) p.reject(err);
    }
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
    return {
      type: 'shares',
      v: LOG_RECORD_VERSION,
      id: this.nextId(),
      coin: this.#opts.coin,
      node: this.#opts.node,
      jobs,
      shares,
    };
  }

  async #publish(kind: LogKind, record: LogRecord): Promise<number> {
    while (this.#inFlight >= this.#opts.maxInFlight) {
      await new Promise<void>((r) => this.#waiting.push(r));
    }
    this.#inFlight++;
    try {
      return await this.#publishWithRetry(kind, record);
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  async #publishWithRetry(kind: LogKind, record: LogRecord): Promise<number> {
    const subject = logSubject(this.#opts.cluster, this.#opts.coin, kind);
    const data = encodeRecord(record);
    const deadline = Date.now() + this.#opts.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.#js.publish(subject, data, {
          msgID: record.id,
          timeout: this.#opts.ackTimeoutMs,
        });
        this.stats.records++;
        if (ack.duplicate) this.stats.duplicates++;
        return ack.seq;
      } catch (err) {
        if (Date.now() >= deadline || !retryable(err)) {
          throw logError(`could not append ${kind} record ${record.id}`, err);
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

/** A stream that refuses the record for good (bad config, wrong subject) is not retried. */
function retryable(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  if (msg.includes('maximum') && msg.includes('exceeded')) return true; // limits: disk may free
  return !/no stream matches subject|invalid|permissions/i.test(msg);
}

/** A node's log: the stream created or checked with the node's replicas, and its appender. */
export async function openNodeLog(
  nc: NatsConnection,
  cfg: { cluster: string; coin: string; nodeId: string; logReplicas: number },
  log: Logger,
): Promise<LogAppender> {
  await ensureLogStream(nc, {
    ...DEFAULT_LOG_OPTIONS,
    cluster: cfg.cluster,
    replicas: cfg.logReplicas,
  });
  return new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster: cfg.cluster, coin: cfg.coin, node: cfg.nodeId },
    log,
  );
}
