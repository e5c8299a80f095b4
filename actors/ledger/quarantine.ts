// Records the ledger refused at its edge (trust.ts): each is applied as a row of its own, by
// log sequence, so the operator can list what was set aside (`colliery ledger quarantine`) and
// every replica and replay holds the same rows. The latest MAX_QUARANTINED are kept (a flood
// of forged records must not grow the ledger without bound); the counter keeps the total.
import type { QuarantinedRecord } from '../shared/log-records.js';
import type { LedgerState } from './state.js';

export const MAX_QUARANTINED = 10_000;

export function applyQuarantine(state: LedgerState, seq: number, record: QuarantinedRecord): void {
  state.quarantine.set(seq, record);
  state.dirty.quarantine.add(seq);
  state.counters.quarantined++;
  while (state.quarantine.size > MAX_QUARANTINED) {
    const oldest = state.quarantine.keys().next().value as number;
    state.quarantine.delete(oldest);
    state.dirty.quarantine.add(oldest);
  }
}
