// Miner identity from mining.authorize: username `<payout-address-or-account>.<worker>` and
// password options `k=v` separated by commas or spaces (`d=<difficulty>` is the common one).
// The account part is checked by a coin-specific resolver passed in (address → script lives
// with the Job actor's address module); this file only splits and validates the shape.
import { flatCopy, sharedCopy } from '../shared/flat.js';

export interface WorkerName {
  account: string;
  worker: string;
}

export interface PasswordOptions {
  /**
   * `d=`: the connection's difficulty (its start difficulty before the first job), clamped to
   * the pool's bounds, and its vardiff floor (vardiff may raise it: not a pin).
   */
  difficulty: number | null;
}

/** The worker name of a username without one (`addr` or `addr.`). */
export const DEFAULT_WORKER = 'default';

const ACCOUNT = /^[A-Za-z0-9_-]{1,128}$/;
const WORKER = /^[A-Za-z0-9_.:@-]{0,64}$/;

export type ParsedWorker = { ok: true; name: WorkerName } | { ok: false; reason: string };

export function parseWorkerName(username: string): ParsedWorker {
  const dot = username.indexOf('.');
  const account = dot < 0 ? username : username.slice(0, dot);
  const worker = dot < 0 ? '' : username.slice(dot + 1);
  if (!ACCOUNT.test(account)) {
    return { ok: false, reason: 'account must be 1-128 letters, digits, _ or -' };
  }
  if (!WORKER.test(worker)) {
    return { ok: false, reason: 'worker name must be at most 64 of A-Z a-z 0-9 _ . : @ -' };
  }
  return { ok: true, name: { account, worker: worker || DEFAULT_WORKER } };
}

/** True when `username` parses to `name` (parseWorkerName's rules), without parsing it. */
export function isUsernameOf(username: string, name: WorkerName): boolean {
  const a = name.account.length;
  if (!username.startsWith(name.account)) return false;
  if (username.length === a) return name.worker === DEFAULT_WORKER;
  if (username.charCodeAt(a) !== 0x2e) return false; // '.': an account never contains one
  const w = username.length - a - 1;
  if (w === 0) return name.worker === DEFAULT_WORKER;
  return w === name.worker.length && username.endsWith(name.worker);
}

/**
 * The same name without ties to its username: many connections mine to one account, and share
 * one copy of its string; a worker name is copied flat (a long slice of the username would
 * keep the whole username alive).
 */
export function compactWorkerName(name: WorkerName): WorkerName {
  return { account: sharedCopy(name.account), worker: flatCopy(name.worker) };
}

export function parsePasswordOptions(password: string): PasswordOptions {
  let difficulty: number | null = null;
  for (const part of password.split(/[,\s;]+/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'd' || key === 'diff') {
      const d = Number(value);
      if (Number.isFinite(d) && d > 0) difficulty = d;
    }
  }
  return { difficulty };
}
