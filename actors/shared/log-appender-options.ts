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
 * lingerMs 20: a node taking a few hundred shares a second (100,000 miners over a handful of
 * nodes) otherwise signs, publishes, replicates and applies a record per share. One node,
 * 14,000 miners at 700 shares/s: node, ledger and NATS CPU 0.64 cores at 1 ms, 0.34 at 20 ms;
 * at 5,000/s 0.97 and 0.68. A miner hears "accepted" at most 20 ms later; under load records
 * fill to maxShares first and nobody waits.
 */
export const DEFAULT_APPENDER: Omit<AppenderOptions, 'cluster' | 'coin' | 'node'> = {
  lingerMs: 20,
  maxShares: 2_000,
  maxInFlight: 64,
  ackTimeoutMs: 5_000,
  retryForMs: 60_000,
};
