// Reads one coin's log in order, in batches, from a given sequence: to the end known when the
// read started (`until: 'end'`, for `ledger verify` and catch-up), or forever (a ledger
// replica following the log). An ordered consumer: if the NATS server restarts, the client
// recreates it from the last sequence it delivered, so a follower resumes where it was; a
// read that hangs anyway is started again from there (STALL_MS). It pulls by bytes
// (`inFlightBytes`): what the server may send ahead of the reader is a few MB whatever the
// records weigh, never the server's per-client pending limit (64 MB), past which the server
// cuts the connection as a slow consumer.
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
   * Most encoded bytes per yielded batch (the entry that crosses it ends the batch; default
   * DEFAULT_BATCH_BYTES). A follower that fell behind then applies bounded batches, not
   * maxBatch records of thousands of shares each decoded at once: those would outlive many
   * young-generation collections. What the caller holds at once; see inFlightBytes for what
   * the server sends ahead.
   */
  readonly maxBytes?: number;
  /**
   * Most record bytes asked of the server and not yet taken by this reader (default
   * DEFAULT_IN_FLIGHT_BYTES): pulls ask for as many records as fit at the server's max_payload
   * (at least two). The reader asks for more as it takes records, so a slow caller (a replica
   * applying a batch) leaves at most this much waiting for it in the client and the server.
   * Independent of maxBytes: batches larger than it still fill, by pulls made as it is read.
   */
  readonly inFlightBytes?: number;
  /** Only this kind of record (default: every record of the coin). */
  readonly kind?: LogKind;
  readonly signal?: AbortSignal;
  /** A read stalled and is read again from `fromSeq` (for a warning). */
  readonly onStall?: (fromSeq: number) => void;
}

/**
 * A read (a follow, or one to the end) that delivered nothing this long while the log holds
 * records of the coin it has not delivered is started again from the next sequence: an ordered consumer whose server died in a NATS cluster
 * can hang without an error while the stream elects a new leader.
 */
const STALL_MS = 15_000;

/** A yielded batch: 2-3 records of a busy node (~190 KB, 2,000 shares each). */
export const DEFAULT_BATCH_BYTES = 512 * 1024;

/**
 * Bytes pulled ahead of the reader, at most: half the server's default per-client pending limit
 * (64 MB). Pulls are counted in records, as many as fit in this budget at the largest record
 * the server takes (max_payload, 1 MiB by default: 32 records), so a run of the largest
 * records never puts more than this ahead. Pulls of maxBatch records put 1,000 ahead (~190 MB
 * of a busy node's records), and the server cut the reader as a slow consumer; pulls bounded
 * by bytes (nats.js's max_bytes) stalled on small records: nats.js caps such a pull at 100
 * records and keeps counting the bytes a pull completed by that cap never used, so its next
 * pulls asked for almost nothing until the 5 s expiry reset the count (a 116,000-record log
 * of ~3.5 KB records read at ~560 records/s, in bursts between 5 s pauses).
 */
export const DEFAULT_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

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
    // Pulls counted in records (pullRecordsOf): nats.js asks again once a quarter of them has
    // arrived, and that request goes out when this loop reaches it, so at most inFlightBytes
    // wait between the server and this reader however slow the caller is. (Asking only once
    // three quarters had arrived emptied the pipe: a replica catching up applied 0.56-0.61x
    // raw LMDB puts in the log bench, against 0.66-0.90x.)
    // Short pulls (5 s): after a NATS server restart the client notices the lost pull by its
    // missed heartbeats (half the pull) within seconds, not the default 30 s, and resumes.
    const messages = await consumer.consume({
      max_messages: pullRecordsOf(nc, opts),
      expires: 5_000,
    });
    const stop = (): void => void messages.close();
    opts.signal?.addEventListener('abort', stop, { once: true });
    let next = from;
    let progressAt = Date.now();
    // A read to the end stalls alike: a server that cut this client (a slow consumer, say)
    // had sent the records the client dropped, and no later one shows the consumer its gap.
    const watchdog = setInterval(() => {
      if (Date.now() - progressAt < STALL_MS) return;
      progressAt = Date.now();
      void newestOf(nc, opts).then(
        (newest) => {
          if (Math.min(newest, endSeq) < next) return; // idle (or at the end), not stalled
          stalled = true;
          stop();
        },
        () => undefined, // NATS away: the consumer's own reconnect handles it
      );
    }, STALL_MS / 3);
    const maxBytes = opts.maxBytes ?? DEFAULT_BATCH_BYTES;
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

/**
 * Records pulled ahead: as many of the largest messages the server takes (max_payload) as fit
 * in inFlightBytes, at least two.
 */
function pullRecordsOf(nc: NatsConnection, opts: Pick<ReadOptions, 'inFlightBytes'>): number {
  const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
  return Math.max(2, Math.floor((opts.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES) / maxPayload));
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
