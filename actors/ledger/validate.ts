// Validation of log records arriving from the wire (JetStream, msgpackr): an unknown value
// becomes a typed LogRecord or a LEDGER_BAD_RECORD error naming the field; a record from a
// newer version is LEDGER_RECORD_VERSION. Amounts may arrive as bigint, a safe integer or a
// decimal string; they come out as bigint.
import { MAX_MONEY_SATS } from '../shared/amounts.js';
import { CodedError } from '../shared/errors.js';
import { checkVersion } from './apply.js';
import { LEDGER_BAD_RECORD } from './errors.js';
import type {
  CoinbasePayment,
  LogEntry,
  LogRecord,
  LoggedJob,
  LoggedRejects,
  LoggedShare,
} from '../shared/log-records.js';

/** Largest share weight: sums of two stay exact in a double (see schemes/pplns.ts). */
export const MAX_SHARE_WEIGHT = 2 ** 52;

type Obj = Record<string, unknown>;

function bad(where: string, what: string): CodedError {
  return new CodedError(LEDGER_BAD_RECORD, `log record: ${where} ${what}`);
}

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(where, 'must be an object');
  return v as Obj;
}

function str(o: Obj, k: string, where: string, max = 512): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > max)
    throw bad(`${where}.${k}`, `must be a string ≤ ${max}`);
  return v;
}

function nullableStr(o: Obj, k: string, where: string): string | null {
  return o[k] === null || o[k] === undefined ? null : str(o, k, where);
}

function int(o: Obj, k: string, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[k];
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(`${where}.${k}`, `must be an integer ${min}..${max}`);
  }
  return n;
}

function big(o: Obj, k: string, where: string, max: bigint): bigint {
  const v = o[k];
  let b: bigint | null = null;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^[0-9]{1,40}$/.test(v)) b = BigInt(v);
  if (b === null || b < 0n || b > max) throw bad(`${where}.${k}`, `must be an integer 0..${max}`);
  return b;
}

function arr(o: Obj, k: string, where: string): unknown[] {
  const v = o[k];
  if (!Array.isArray(v)) throw bad(`${where}.${k}`, 'must be an array');
  return v;
}

function accountName(o: Obj, k: string, where: string): string {
  const v = str(o, k, where, 256);
  if (v === '' || v.startsWith('@')) throw bad(`${where}.${k}`, 'is not an account name');
  return v;
}

function hash(o: Obj, k: string, where: string): string {
  const v = str(o, k, where, 64);
  if (!isLowerHex64(v)) throw bad(`${where}.${k}`, 'must be 64 lowercase hex digits');
  return v;
}

/** /^[0-9a-f]{64}$/ as a loop: every share in the log carries a hash, and the RegExp was ~1 % of a busy node. */
function isLowerHex64(v: string): boolean {
  if (v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

const NET_WEIGHT_MAX = 1n << 128n;

function job(v: unknown, where: string): LoggedJob {
  const o = obj(v, where);
  return {
    id: str(o, 'id', where),
    height: int(o, 'height', where),
    netWeight: big(o, 'netWeight', where, NET_WEIGHT_MAX),
    subsidySats: big(o, 'subsidySats', where, MAX_MONEY_SATS),
    rewardSats: big(o, 'rewardSats', where, MAX_MONEY_SATS),
  };
}

function share(v: unknown, where: string, jobs: number): LoggedShare {
  const o = obj(v, where);
  return {
    job: int(o, 'job', where, 0, jobs - 1),
    account: accountName(o, 'account', where),
    worker: str(o, 'worker', where, 256),
    weight: int(o, 'weight', where, 1, MAX_SHARE_WEIGHT),
    hash: hash(o, 'hash', where),
    atMs: int(o, 'atMs', where),
  };
}

function refusals(v: unknown, where: string): LoggedRejects {
  const o = obj(v, where);
  return {
    account: accountName(o, 'account', where),
    worker: str(o, 'worker', where, 256),
    stale: int(o, 'stale', where),
    invalid: int(o, 'invalid', where),
    atMs: int(o, 'atMs', where),
  };
}

function payments(o: Obj, k: string, where: string): CoinbasePayment[] {
  return arr(o, k, where).map((p, i) => {
    const po = obj(p, `${where}.${k}[${i}]`);
    return {
      account: accountName(po, 'account', `${where}.${k}[${i}]`),
      sats: big(po, 'sats', `${where}.${k}[${i}]`, MAX_MONEY_SATS),
    };
  });
}

/** Validates a record from the wire; throws LEDGER_BAD_RECORD / LEDGER_RECORD_VERSION. */
export function validateLogRecord(value: unknown): LogRecord {
  const o = obj(value, 'record');
  const type = o.type;
  const w = typeof type === 'string' ? type : 'record';
  const v = int(o, 'v', w, 1);
  checkVersion({ v, type: w as LogRecord['type'] });
  const base = { v, id: str(o, 'id', w), coin: str(o, 'coin', w, 64) };
  switch (type) {
    case 'shares': {
      const jobs = arr(o, 'jobs', w).map((j, i) => job(j, `${w}.jobs[${i}]`));
      const shares = arr(o, 'shares', w).map((s, i) => share(s, `${w}.shares[${i}]`, jobs.length));
      const record = { type, ...base, node: str(o, 'node', w), jobs, shares };
      if (o.rejects === undefined) return record;
      const rejects = arr(o, 'rejects', w).map((r, i) => refusals(r, `${w}.rejects[${i}]`));
      return { ...record, rejects };
    }
    case 'block.found':
    case 'block.submitted': {
      if (typeof o.solo !== 'boolean') throw bad(`${w}.solo`, 'must be a boolean');
      return {
        type,
        ...base,
        hash: hash(o, 'hash', w),
        height: int(o, 'height', w),
        jobId: str(o, 'jobId', w),
        account: accountName(o, 'account', w),
        worker: str(o, 'worker', w, 256),
        node: str(o, 'node', w),
        rewardSats: big(o, 'rewardSats', w, MAX_MONEY_SATS),
        subsidySats: big(o, 'subsidySats', w, MAX_MONEY_SATS),
        netWeight: big(o, 'netWeight', w, NET_WEIGHT_MAX),
        coinbasePaid: payments(o, 'coinbasePaid', w),
        solo: o.solo,
        atMs: int(o, 'atMs', w),
      };
    }
    case 'block.matured':
    case 'block.orphaned':
    case 'block.rejected':
      return {
        type,
        ...base,
        hash: hash(o, 'hash', w),
        height: int(o, 'height', w),
        atMs: int(o, 'atMs', w),
      };
    case 'payout.planned':
      return { type, ...base, payments: payments(o, 'payments', w), atMs: int(o, 'atMs', w) };
    case 'payout.sent':
    case 'payout.failed':
      return {
        type,
        ...base,
        payout: str(o, 'payout', w),
        txid: nullableStr(o, 'txid', w),
        reason: nullableStr(o, 'reason', w),
        atMs: int(o, 'atMs', w),
      };
    default:
      throw bad('type', `unknown: ${String(type)}`);
  }
}

/** Validates an entry (seq + record) from the wire. */
export function validateLogEntry(seq: unknown, record: unknown): LogEntry {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new CodedError(
      LEDGER_BAD_RECORD,
      `log sequence must be a positive integer, got ${String(seq)}`,
    );
  }
  return { seq, record: validateLogRecord(record) };
}
