// The ledger's edge: a record read from the log becomes an entry to apply only when it is a
// valid record and, when the ledger checks signatures (a `RecordTrust`), it was signed by a
// node the cluster trusts, names that node, and the signature holds over its exact bytes
// (shared/log-sign.ts). Anything else becomes a `quarantined` entry: applied as nothing but a
// row the operator can list (`colliery ledger quarantine`), counted, and never a stall — the
// records after it are applied as usual. Replicas and `ledger verify` decide alike, so a
// forged record is quarantined in both (and verify says so).
import type { KeyObject } from 'node:crypto';
import type { RawEntry } from '../shared/log-reader.js';
import type { LogEntry, QuarantinedRecord } from '../shared/log-records.js';
import { LOG_RECORD_VERSION } from '../shared/log-records.js';
import { signatureHolds } from '../shared/log-sign.js';
import { validateLogEntry } from './validate.js';

/** The node keys the cluster trusts (topology/node-keys.ts keeps them). */
export interface RecordTrust {
  keyOf(node: string): KeyObject | undefined;
}

/** The entry the ledger applies for `raw`: the record, or its quarantine. */
export function admitEntry(raw: RawEntry, trust: RecordTrust | null): LogEntry {
  const body = raw.record as { type?: unknown; id?: unknown; coin?: unknown; node?: unknown };
  const quarantine = (reason: string): LogEntry => ({
    seq: raw.seq,
    record: quarantined(raw, body, reason),
  });
  let entry: LogEntry;
  try {
    entry = validateLogEntry(raw.seq, raw.record);
  } catch (err) {
    return quarantine(`not a valid record: ${(err as Error).message}`.slice(0, 300));
  }
  if (trust === null) return entry;
  if (raw.signed === null) return quarantine('unsigned');
  const key = trust.keyOf(raw.signed.node);
  if (key === undefined) return quarantine(`node ${raw.signed.node} has no trusted key`);
  if (!signatureHolds(raw.data, raw.signed.sig, key)) return quarantine('bad signature');
  // A share batch is its appender's own; a block record may be appended by another node (the
  // Block leader resolving an intent a dead finder left), so it names the finder, not the signer.
  const r = entry.record;
  if (r.type === 'shares' && r.node !== raw.signed.node)
    return quarantine(`signed by ${raw.signed.node} but names node ${r.node}`);
  return entry;
}

function quarantined(
  raw: RawEntry,
  body: { type?: unknown; id?: unknown; coin?: unknown; node?: unknown },
  reason: string,
): QuarantinedRecord {
  const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');
  const shares = (raw.record as { shares?: unknown } | null)?.shares;
  return {
    type: 'quarantined',
    v: LOG_RECORD_VERSION,
    id: text(body?.id),
    coin: text(body?.coin),
    node: raw.signed?.node.slice(0, 200) ?? text(body?.node),
    reason,
    recordType: text(body?.type),
    shares: Array.isArray(shares) ? shares.length : 0,
  };
}
