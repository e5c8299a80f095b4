// Reads one coin's log in order, in batches, from a given sequence: to the end known when the
// read started (`untilSeq: 'end'`, for `ledger verify` and catch-up), or forever (a ledger
// replica following the log). An ordered consumer: if the NATS server restarts, the client
// recreates it from the last sequence it delivered, so a follower resumes where it was; a
// follow that hangs anyway is started again from there (STALL_MS).
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy } from '@nats-io/jetstream';
import {
  coinLogSubjects,
  decodeRecord,
  jetstreamOf,
  lastCoinSeq,
  lastLogSeq,
  logStreamName,
  logSubject,
  type LogKind,
} from './log-stream.js';
import { NODE_HEADER, SIG_HEADER } from './log-sign.js';

export interface RawEntry {
  readonly seq: number;
  /** The decoded record, not yet validated (the ledger validates at its edge). */
  readonly record: unknown;
  /** The record's bytes as stored (what its signature covers). */
  readonly data: Uint8Array;
  /** The appending node and its signature (log-sign.ts); null when the record came unsigned. */
  readonly signed: { readonly node: string; readonly sig: string } | null;
}

export interface ReadOptions {
  readonly cluster: string;
  readonly coin: string;
  /** First sequence wanted (1 = from the start). */
  readonly fromSeq: number;
  /** Stop after the log's last sequence at the time of the call, or follow forever. */
  readonly until: 'end' | 'follow';
  /** Most entries per yielded batch. */
  readonly maxBatch: number;
  /**
   * Most encoded bytes per yielded batch (the entry that crosses it ends the batch). A follower
   * that fell behind then applies bounded batches, not maxBatch records of thousands of shares
   * each decoded at once: those would outlive many young-generation collections.
   */
  readonly maxBytes?: number;
  /** Only this kind of record (default: every record of the coin). */
  readonly kind?: LogKind;
  readonly signal?: AbortSignal;
  /** A follow stalled and is read again from `fromSeq` (for a warning). */
  readonly onStall?: (fromSeq: number) => void;
}

/**
 * A follow that delivered nothing this long while the log holds newer records of the coin is
 * started again from the next sequence: an ordered consumer whose server died in a NATS cluster
 * can hang without an error while the stream elects a new leader.
 */
const STALL_MS = 15_000;

export async function* readLog(nc: NatsConnection, opts: ReadOptions): AsyncGenerator<RawEntry[]> {
  const endSeq = opts.until === 'end' ? await lastLogSeq(nc, opts.cluster) : Infinity;
  let from = Math.max(1, opts.fromSeq);
  for (;;) {
    if (from > endSeq) return;
    const read = readFrom(nc, opts, from, endSeq);
    for await (const batch of read.batches) {
      from = (batch.at(-1)?.seq ?? from - 1) + 1;
      yield batch;
    }
    if (!read.stalled() || opts.signal?.aborted) return;
    opts.onStall?.(from);
  }
}

/** One consumer's read from `from`; `stalled()` says whether the watchdog ended it. */
function readFrom(
  nc: NatsConnection,
  opts: ReadOptions,
  from: number,
  endSeq: number,
): { batches: AsyncGenerator<RawEntry[]>; stalled(): boolean } {
  let stalled = false;
  async function* batches(): AsyncGenerator<RawEntry[]> {
    const js = jetstreamOf(nc, 10_000);
    const consumer = await js.consumers.get(logStreamName(opts.cluster), {
      filter_subjects:
        opts.kind === undefined
          ? coinLogSubjects(opts.cluster, opts.coin)
          : logSubject(opts.cluster, opts.coin, opts.kind),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    if (opts.until === 'end' && (await consumer.info()).num_pending === 0) return;
    // Short pulls (5 s): after a NATS server restart the client notices the lost pull by its
    // missed heartbeats (half the pull) within seconds, not the default 30 s, and resumes.
    const messages = await consumer.consume({
      max_messages: Math.max(opts.maxBatch, 256),
      expires: 5_000,
    });
    const stop = (): void => void messages.close();
    opts.signal?.addEventListener('abort', stop, { once: true });
    let next = from;
    let progressAt = Date.now();
    const watchdog =
      opts.until === 'follow'
        ? setInterval(() => {
            if (Date.now() - progressAt < STALL_MS) return;
            progressAt = Date.now();
            void newestOf(nc, opts).then(
              (newest) => {
                if (newest < next) return; // idle, not stalled
                stalled = true;
                stop();
              },
              () => undefined, // NATS away: the consumer's own reconnect handles it
            );
          }, STALL_MS / 3)
        : undefined;
    const maxBytes = opts.maxBytes ?? Infinity;
    let batch: RawEntry[] = [];
    let bytes = 0;
    try {
      for await (const m of messages) {
        if (m.seq > endSeq) break;
        const node = m.headers?.get(NODE_HEADER);
        const sig = m.headers?.get(SIG_HEADER);
        batch.push({
          seq: m.seq,
          record: decodedOrNot(m.data),
          data: m.data,
          signed: node && sig ? { node, sig } : null,
        });
        bytes += m.data.length;
        next = m.seq + 1;
        progressAt = Date.now();
        // Other coins' records share the stream: "end" is also when nothing of ours is pending.
        const done = m.seq >= endSeq || (opts.until === 'end' && m.info.pending === 0);
        if (batch.length >= opts.maxBatch || bytes >= maxBytes || m.info.pending === 0 || done) {
          yield batch;
          batch = [];
          bytes = 0;
        }
        if (done) break;
      }
      if (batch.length > 0) yield batch;
    } finally {
      clearInterval(watchdog);
      opts.signal?.removeEventListener('abort', stop);
      await messages.close();
    }
  }
  return { batches: batches(), stalled: () => stalled };
}

/** The newest record this read would deliver: of its kind, or of any kind of the coin. */
function newestOf(nc: NatsConnection, opts: ReadOptions): Promise<number> {
  return lastCoinSeq(
    nc,
    opts.cluster,
    opts.coin,
    opts.kind === undefined ? undefined : [opts.kind],
  );
}

/** The record, or what its bytes were when they do not decode (the ledger's edge refuses it). */
function decodedOrNot(data: Uint8Array): unknown {
  try {
    return decodeRecord(data);
  } catch (err) {
    return { undecodable: String(err) };
  }
}
