// Headroom at the open-file limit: a node holding as many miners as it has file descriptors
// cannot open anything else (accept fails with EMFILE, /health and /metrics stop answering, a
// coin-node RPC or a NATS reconnect fails). Miners are capped below the soft RLIMIT_NOFILE,
// leaving the rest for metrics, health, coin-node RPC, NATS, LMDB and logs.
import { procText } from './proc.js';

/** Descriptors kept for everything but miners: 5 % of the limit, at least 256. */
export function fdReserve(limit: number): number {
  return Math.max(256, Math.ceil(limit * 0.05));
}

/** The process's soft open-file limit (Linux /proc), or null where it cannot be read. */
export function openFileLimit(limitsText?: string): number | null {
  const text = limitsText ?? procText('/proc/self/limits');
  if (text === null) return null;
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** The smallest open-file limit under which a node holds `miners` with its reserve kept free. */
export function openFilesFor(miners: number): number {
  let limit = Math.max(miners + 256, Math.ceil(miners / 0.95));
  while (limit - fdReserve(limit) < miners) limit++;
  return limit;
}

/** The miners a node may hold: the configured cap, or less to keep the reserve free. */
export function minerCap(configured: number, limit: number | null): number {
  if (limit === null) return configured;
  return Math.max(1, Math.min(configured, limit - fdReserve(limit)));
}
