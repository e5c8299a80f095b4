// Share records applied once by their id, beyond the stream's duplicate window. A node's share
// appender names its records `<node>:<boot>:<n>` and may store one twice: a record whose
// acknowledgement never came (the bus went away) is spooled and appended again, with the same
// id, when the bus returns — minutes or hours later, long after JetStream's duplicate window
// (2 min) forgot the id. The copy always comes before anything that source appends after the
// spool (the spool drains in order), so the ledger keeps, per source (`<node>:<boot>`), the
// numbers of its last RECENT_PER_SOURCE records, and the MAX_SOURCES most recent sources. Both
// are part of the state: every replica and every replay skips the same records.
import type { LedgerState } from './state.js';
export type { SourceIds } from './state.js';

/** Record numbers kept per source: far more than an appender ever has in flight. */
export const RECENT_PER_SOURCE = 4_096;
/** Sources kept (node restarts add one each); the one seen longest ago goes first. */
export const MAX_SOURCES = 4_096;

/** `<source>:<n>` → [source, n]; an id of any other shape is a source of its own (n = 0). */
export function splitRecordId(id: string): readonly [string, number] {
  const i = id.lastIndexOf(':');
  const n = i < 0 ? NaN : Number(id.slice(i + 1));
  return Number.isSafeInteger(n) && n > 0 && i > 0 ? [id.slice(0, i), n] : [id, 0];
}

/**
 * Whether the record `id` (at `seq`) was applied before; if not, remembers it. A new source
 * beyond MAX_SOURCES pushes out the one seen longest ago.
 */
export function seenBefore(state: LedgerState, seq: number, id: string): boolean {
  const [source, n] = splitRecordId(id);
  let ids = state.sources.get(source);
  if (ids?.ns.includes(n)) return true;
  if (ids === undefined) {
    if (state.sources.size >= MAX_SOURCES) dropOldest(state);
    ids = { lastSeq: seq, ns: [] };
    state.sources.set(source, ids);
  }
  ids.lastSeq = seq;
  ids.ns.push(n);
  if (ids.ns.length > RECENT_PER_SOURCE) ids.ns.shift();
  state.dirty.sources.add(source);
  return false;
}

function dropOldest(state: LedgerState): void {
  let oldest: string | null = null;
  let at = Infinity;
  for (const [source, ids] of state.sources) {
    if (ids.lastSeq < at) {
      at = ids.lastSeq;
      oldest = source;
    }
  }
  if (oldest === null) return;
  state.sources.delete(oldest);
  state.dirty.sources.add(oldest);
}
