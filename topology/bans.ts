// The cluster's ban list: a NATS KV bucket (`colliery_<cluster>_bans`), one key per banned
// address. A node that bans an address (several of its connections misbehaved) puts it here;
// every node watches the bucket and refuses the address until the ban ends; `colliery bans
// add|remove` writes it by hand. Each entry carries its end (`untilMs`): bans of any length
// live in one bucket, whose own TTL (BUCKET_TTL_MS, the longest ban) drops them from the
// server later. The bucket is the shared view; each node's Admission keeps its own copy, so a
// ban holds on a node while the bus is away.
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { liveEntries } from '../runtime/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface BanEntry {
  readonly ip: string;
  readonly untilMs: number;
  readonly reason: string;
  /** Who banned it: a node id, or `operator`. */
  readonly by: string;
  readonly atMs: number;
}

/** The longest ban (ban-seconds' upper bound); entries older than this leave the server. */
const BUCKET_TTL_MS = 30 * 86_400_000;

export const banBucket = (cluster: string): string => `colliery_${cluster}_bans`;

/** An address as a KV key (letters, digits, `.`, `-`, `_`, `=`): IPv6's `:` → `_`, `%` → `=`. */
export function banKey(ip: string): string {
  if (!/^[0-9A-Za-z.:%]+$/.test(ip)) throw new RangeError(`not an address: ${ip}`);
  return ip.replace(/:/g, '_').replace(/%/g, '=');
}

export function ipOfKey(key: string): string {
  return key.replace(/_/g, ':').replace(/=/g, '%');
}

export function openBans(nc: NatsConnection, cluster: string): Promise<KV> {
  return new Kvm(nc).create(banBucket(cluster), { history: 1, ttl: BUCKET_TTL_MS });
}

export async function putBan(kv: KV, ban: BanEntry): Promise<void> {
  await kv.put(banKey(ban.ip), JSON.stringify(ban));
}

export async function removeBan(kv: KV, ip: string): Promise<boolean> {
  const key = banKey(ip);
  const had = await kv.get(key);
  if (had === null || had.operation !== 'PUT') return false;
  await kv.delete(key);
  return true;
}

/** Bans in force at `nowMs`, soonest to end first. */
export async function listBans(kv: KV, nowMs = Date.now()): Promise<BanEntry[]> {
  const out: BanEntry[] = [];
  for (const [, e] of await liveEntries(kv)) {
    const ban = decodeBan(e);
    if (ban !== null && ban.untilMs > nowMs) out.push(ban);
  }
  return out.sort((a, b) => a.untilMs - b.untilMs);
}

function decodeBan(e: KvEntry | null): BanEntry | null {
  if (e === null || e.operation !== 'PUT') return null;
  try {
    const b = e.json<BanEntry>();
    return typeof b.ip === 'string' && Number.isFinite(b.untilMs) ? b : null;
  } catch {
    return null;
  }
}

export interface BanTarget {
  ban(ip: string, untilMs: number): void;
  unban(ip: string): void;
}

/**
 * Follows the bucket into `target` (every entry present, then every change) until stop();
 * `share` puts this node's own bans there. A write while the bus is away is logged and
 * dropped: the ban holds on this node, and the address is banned again elsewhere if it
 * misbehaves there.
 */
export async function followBans(
  nc: NatsConnection,
  cluster: string,
  node: string,
  target: BanTarget,
  log: Logger,
): Promise<{ share(ban: Omit<BanEntry, 'by' | 'atMs'>): void; stop(): void }> {
  const kv = await openBans(nc, cluster);
  const watch = await kv.watch({ key: '>' });
  void (async () => {
    for await (const e of watch) {
      if (e.operation === 'PUT') {
        const ban = decodeBan(e);
        if (ban === null) continue;
        target.ban(ban.ip, ban.untilMs);
        if (ban.by !== node && ban.untilMs > Date.now())
          log.warn({ ip: ban.ip, by: ban.by, reason: ban.reason }, 'address banned in the cluster');
      } else {
        target.unban(ipOfKey(e.key));
        log.warn({ ip: ipOfKey(e.key) }, 'ban lifted');
      }
    }
  })().catch((err: unknown) => log.warn({ err }, 'ban list watch ended'));
  return {
    share: (ban) =>
      void putBan(kv, { ...ban, by: node, atMs: Date.now() }).catch((err: unknown) =>
        log.warn({ err, ip: ban.ip }, 'ban not shared with the cluster (bus away?)'),
      ),
    stop: () => watch.stop(),
  };
}
