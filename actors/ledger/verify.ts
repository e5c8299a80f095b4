// Verify: recompute the ledger from the log in memory (the same apply code, a fresh state)
// and compare it with what the store holds in LMDB. An empty list of differences is a pass.
import { applyEntry } from './apply.js';
import type { LogEntry } from '../shared/log-records.js';
import type { LedgerDifference } from './snapshot.js';
import { diffSnapshots, snapshotOf } from './snapshot.js';
import { createState } from './state.js';
import type { LedgerStore } from './store.js';

/** Called every `PROGRESS_EVERY` entries and at the end with the last replayed seq. */
export type VerifyProgress = (seq: number, entries: number) => void;

export const PROGRESS_EVERY = 1000;

/**
 * Takes one consistent snapshot of the store (a live node may keep applying meanwhile), replays
 * `entries` (the log from its start) up to the snapshot's lastApplied and diffs the two.
 * Entries beyond it are not read.
 */
export async function verifyLedger(
  store: LedgerStore,
  entries: AsyncIterable<LogEntry> | Iterable<LogEntry>,
  onProgress?: VerifyProgress,
): Promise<LedgerDifference[]> {
  const actual = store.snapshot();
  const upTo = actual.lastApplied;
  const state = createState(store.config, true);
  let n = 0;
  for await (const e of entries) {
    if (e.seq > upTo) break;
    applyEntry(state, e);
    n++;
    if (onProgress && n % PROGRESS_EVERY === 0) onProgress(e.seq, n);
  }
  onProgress?.(state.lastApplied, n);
  return diffSnapshots(snapshotOf(state, state.bills.values()), actual);
}
