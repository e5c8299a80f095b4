// The ledger as a deterministic function of the log: applyEntry folds one LogEntry into the
// state. Entries at or below lastApplied are skipped (exactly-once); entries must arrive in
// strictly increasing seq order; records from a newer Colliery are refused. After a throw the
// state is unusable (part of a record may be applied): the store reloads from LMDB.
import { CodedError } from '../shared/errors.js';
import { applyBlockFound, applyBlockStatus } from './apply-block.js';
import { applyPayoutPlanned, applyPayoutResult } from './apply-payout.js';
import { applyShares } from './apply-shares.js';
import { seenBefore } from './record-ids.js';
import { applyQuarantine } from './quarantine.js';
import { LEDGER_BAD_RECORD, LEDGER_RECORD_VERSION } from './errors.js';
import type { LogEntry, LogRecord } from '../shared/log-records.js';
import { LOG_RECORD_VERSION } from '../shared/log-records.js';
import type { LedgerState } from './state.js';

/** Throws LEDGER_RECORD_VERSION for a record shaped by a newer version. */
export function checkVersion(record: Pick<LogRecord, 'v' | 'type'>): void {
  if (record.v > LOG_RECORD_VERSION) {
    throw new CodedError(
      LEDGER_RECORD_VERSION,
      `log record ${record.type} has version ${record.v}; this ledger reads up to ` +
        `${LOG_RECORD_VERSION}: upgrade this node before it applies the log`,
    );
  }
}

/** Applies one entry; returns false when it was already applied (seq ≤ lastApplied). */
export function applyEntry(state: LedgerState, entry: LogEntry): boolean {
  const { seq, record } = entry;
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new CodedError(LEDGER_BAD_RECORD, `log sequence must be a positive integer, got ${seq}`);
  }
  if (seq <= state.lastApplied) return false;
  if (record.type === 'quarantined')
    applyQuarantine(state, seq, record); // credits nothing
  else {
    checkVersion(record);
    if (record.coin !== state.config.coin) state.counters.otherCoin++;
    else applyRecord(state, seq, record);
  }
  state.counters.records++;
  state.lastApplied = seq;
  state.dirty.meta = true;
  return true;
}

function applyRecord(state: LedgerState, seq: number, record: LogRecord): void {
  switch (record.type) {
    case 'shares':
      if (seenBefore(state, seq, record.id)) state.counters.duplicateRecords++;
      else applyShares(state, seq, record);
      break;
    case 'block.found':
      applyBlockFound(state, seq, record);
      break;
    case 'block.matured':
    case 'block.orphaned':
      applyBlockStatus(state, seq, record);
      break;
    case 'block.submitted': // the Block leader's intent and its refusal: nothing to credit
    case 'block.rejected':
      break;
    case 'payout.planned':
      applyPayoutPlanned(state, seq, record);
      break;
    case 'payout.sent':
    case 'payout.failed':
      applyPayoutResult(state, record);
      break;
    default:
      throw new CodedError(
        LEDGER_BAD_RECORD,
        `unknown log record type ${String((record as { type: unknown }).type)}`,
      );
  }
}

/** Applies entries in order (skipping those already applied); returns how many were applied. */
export function applyEntries(state: LedgerState, entries: Iterable<LogEntry>): number {
  let applied = 0;
  for (const e of entries) if (applyEntry(state, e)) applied++;
  return applied;
}
