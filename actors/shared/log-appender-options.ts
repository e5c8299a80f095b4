// The share log appender's options and their defaults, apart from the appender itself: the
// config reads the defaults, and a process that only parses its config (a supervisor of a
// node's processes) then does not load NATS, JetStream and LMDB with the appender.
import type { RecordSigner } from './log-sign.js';

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
  /** A share record not acknowledged within this long goes to the spool (when there is one). */
  readonly spoolAfterMs?: number;
  /** How long close() keeps draining the spool before leaving the rest for the next start. */
  readonly closeDrainMs?: number;
  /** Signs every record this node appends (log-sign.ts); without one, records go unsigned. */
  readonly signer?: RecordSigner;
}

/**
 * lingerMs 100: a node taking a few hundred shares a second (100,000 miners over a handful of
 * nodes) otherwise signs, publishes, replicates and applies a record per share, and each record
 * costs the node, every NATS server holding the log and every ledger replica about the same
 * however few shares it carries. One node, 14,000 miners at 700 shares/s: node, ledger and NATS
 * CPU 0.64 cores at 1 ms, 0.34 at 20 ms; at 5,000/s 0.97 and 0.68. One node of 5,000 miners at
 * 1,000 shares/s, three NATS servers (log on 3 replicas) and a ledger node, three alternated
 * pairs (2026-12-07): 0.35-0.39 cores at 20 ms (node 0.17-0.19, NATS 0.09-0.10, ledger
 * 0.09-0.10), 0.26 at 50, 0.22-0.23 at 100 (0.14-0.15, 0.03-0.04, 0.04). A miner hears
 * "accepted" at most 100 ms later (its miner keeps hashing meanwhile); under load records fill
 * to maxShares first and nobody waits.
 */
export const DEFAULT_APPENDER: Omit<AppenderOptions, 'cluster' | 'coin' | 'node'> = {
  lingerMs: 100,
  maxShares: 2_000,
  maxInFlight: 64,
  ackTimeoutMs: 5_000,
  retryForMs: 60_000,
};
