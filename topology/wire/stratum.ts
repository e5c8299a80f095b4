// The Stratum edge of a pool node: the session settings (config and tunables), the listener
// that spawns a Connection actor per socket, and how a session reads the Job actor's broadcast.
import type { AccountBook } from '../accounts.js';
import { readFileSync } from 'node:fs';
import type { Address, Runtime } from '../../runtime/index.js';
import {
  DEFAULT_VARDIFF,
  hashDialect,
  startStratumServer,
  type Effect,
  type JobAnnouncement as ConnAnnouncement,
  type SessionConfig,
  type StratumServer,
  type StratumServerConfig,
} from '../../actors/connection/index.js';
import type { JobAnnouncement } from '../../actors/job/index.js';
import { addressToScript } from '../../actors/shared/address.js';
import { bytesToHex } from '../../actors/shared/hex.js';
import type { NodeConfig } from '../config.js';
import { minerCap, openFileLimit, openFilesFor } from '../fd-limit.js';
import { numericHost, severalProcesses } from '../processes.js';
import type { CoinParts } from './coin.js';
import type { NodeAddresses } from './actors.js';

export function sessionConfig(cfg: NodeConfig, coin: CoinParts): SessionConfig {
  const t = cfg.tuning;
  const prime = coin.prime;
  return {
    extranonce2Size: cfg.extranonce2Size,
    versionMask: prime ? 0 : cfg.versionMask,
    startDifficulty: prime?.startWork ?? cfg.startDifficulty,
    vardiff: {
      ...DEFAULT_VARDIFF,
      targetShareMs: cfg.targetShareSeconds * 1000,
      minDifficulty: prime?.minWork ?? cfg.minDifficulty,
      maxDifficulty: prime?.maxWork ?? cfg.maxDifficulty,
    },
    maxJobs: t.jobsPerConnection,
    maxDedupEntries: t.dedupEntries,
    maxPendingSubmits: t.pendingSubmits,
    verdictTimeoutMs: t.verdictTimeoutSeconds * 1000,
    maxWorkers: t.workersPerConnection,
    handshakeMs: t.handshakeSeconds * 1000,
    drainGraceMs: t.drainGraceSeconds * 1000,
    banWindow: t.banWindow,
    banInvalidFraction: t.banInvalidFraction,
    maxBadRequests: t.maxBadRequests,
    rates: {
      'mining.subscribe': [t.subscribesPerMinute, 60_000],
      'mining.authorize': [t.authorizesPerMinute, 60_000],
      'mining.configure': [t.configuresPerMinute, 60_000],
      'mining.suggest_difficulty': [t.suggestDifficultyPerMinute, 60_000],
      'mining.extranonce.subscribe': [t.extranonceSubscribesPerMinute, 60_000],
      'mining.submit': [t.submitsPerSecond, 1_000],
    },
    idleShareMs: t.idleShareSeconds * 1000,
  };
}

/**
 * The account part of a username must be an address of the coin's network (pooled and SOLO):
 * a credit on a name nobody can be paid to would pile up forever, and a connection that
 * authorizes with anything costs an attacker nothing. SOLO: the address is also the payout.
 */
function accountResolver(cfg: NodeConfig, coin: CoinParts, accounts: AccountBook | null) {
  // Addresses decoded lately, as their scripts' hex: a pool's workers share few accounts, and
  // after a node restarts its miners all authorize at once (decoding is ~10 µs of a ~120 µs
  // handshake). Only addresses that decode are kept, and at most ADDRESS_CACHE of them.
  const scripts = new Map<string, string>();
  return (account: string) => {
    let script = scripts.get(account);
    if (script === undefined) {
      try {
        script = bytesToHex(addressToScript(account, coin.network).script);
      } catch (e) {
        // Pooled: an account the operator knows (--accounts) is credited by its name.
        if (!cfg.solo && accounts?.has(account)) return { ok: true as const };
        const why =
          `the username must start with a ${coin.network.name} address` +
          (accounts ? ' or an account this pool knows' : '') +
          `: ${(e as Error).message}`;
        return { ok: false as const, reason: why };
      }
      if (scripts.size >= ADDRESS_CACHE) scripts.clear();
      scripts.set(account, script);
    }
    return cfg.solo ? { ok: true as const, payoutScript: script } : { ok: true as const };
  };
}

const ADDRESS_CACHE = 10_000;

export function startStratum(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  w: {
    at: NodeAddresses;
    share: Address;
    prefix: number;
    accounts?: AccountBook | null;
    onEffect?: (e: Effect) => void;
    /** Refused shares, per worker: the share log carries them for the statistics. */
    onRefused?: StratumServerConfig['onRefused'];
    onBan?: StratumServerConfig['onBan'];
    /** Where a draining node sends each miner (the cluster registry's choice). */
    reconnectTo?: StratumServerConfig['reconnectTo'];
    /** Where a miner this node cannot take goes (the cluster registry's sibling with room). */
    redirectTo?: StratumServerConfig['redirectTo'];
  },
): Promise<StratumServer> {
  const session = sessionConfig(cfg, coin);
  const resolveAccount = accountResolver(cfg, coin, w.accounts ?? null);
  const t = cfg.tuning;
  const fdLimit = openFileLimit();
  const maxConnections = minerCap(cfg.maxConnections, fdLimit);
  if (maxConnections < cfg.maxConnections) {
    const needed = openFilesFor(cfg.maxConnections);
    rt.log.warn(
      { configured: cfg.maxConnections, openFileLimit: fdLimit, maxConnections },
      `miners capped at ${maxConnections} below the open-file limit; raise it to ${needed} (ulimit -n ${needed}, or LimitNOFILE= in a systemd unit)`,
    );
  }
  // A node of several processes: each binds the port with SO_REUSEPORT (topology/processes.ts).
  const reusePort = severalProcesses(cfg);
  const listenHost = (host: string): string => (reusePort ? numericHost(host) : host);
  return startStratumServer(rt, {
    host: listenHost(cfg.stratumHost),
    port: cfg.stratumPort,
    reusePort,
    maxNodePendingSubmits: t.nodePendingSubmits,
    extranoncePrefix: w.prefix,
    maxConnections,
    maxConnectionsPerIp: cfg.maxConnectionsPerIp,
    maxLineBytes: t.maxLineBytes,
    lineMs: t.lineSeconds * 1000,
    banMs: t.banSeconds * 1000,
    banStrikes: t.banStrikes,
    strikeWindowMs: t.strikeWindowSeconds * 1000,
    output: { maxBytes: t.maxOutputKb * 1024, stallMs: t.outputStallSeconds * 1000 },
    ...(cfg.stratumTls
      ? { tls: { ...cfg.stratumTls, host: listenHost(cfg.stratumTls.host), ...readTls(cfg) } }
      : {}),
    ...(w.onBan ? { onBan: w.onBan } : {}),
    tickMs: t.sessionTickSeconds * 1000,
    share: w.share,
    jobsTopic: w.at.jobsTopic,
    sessionContext: (nowMs) => ({
      nowMs,
      config: session,
      dialect: coin.prime?.dialect ?? hashDialect,
      resolveAccount,
    }),
    toAnnouncement: (msg) => toConnectionAnnouncement(msg, cfg.coin),
    ...(w.onEffect ? { onEffect: w.onEffect } : {}),
    ...(w.onRefused ? { onRefused: w.onRefused } : {}),
    ...(w.reconnectTo ? { reconnectTo: w.reconnectTo } : {}),
    ...(w.redirectTo ? { redirectTo: w.redirectTo } : {}),
    drain: { perSecond: t.drainRate, maxSpreadMs: (t.drainSeconds * 1000) / 2 },
  });
}

/** The Stratum TLS certificate chain and key, read now (at start, and on SIGHUP). */
export function readTls(cfg: NodeConfig): { cert: Buffer; key: Buffer } {
  const tls = cfg.stratumTls;
  if (tls === null) throw new Error('no --stratum-tls');
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

/**
 * A node that joins late asks the Job leader for the current job instead of waiting for the
 * next broadcast (up to --refresh-seconds): its Share actor and its miners need it.
 */
export function askCurrentJob(
  rt: Runtime,
  at: NodeAddresses,
  share: Address,
  stratum: StratumServer,
): void {
  rt.ask<JobAnnouncement | null>(at.job, { type: 'job.current' }, { timeoutMs: 5_000 }).then(
    (a) => {
      if (!a) return;
      rt.tell(share, a);
      stratum.offer(a);
    },
    () => undefined, // no leader yet: the broadcast brings the job
  );
}

/** The Job actor's broadcast → what Connection sessions consume. */
function toConnectionAnnouncement(msg: unknown, coin: string): ConnAnnouncement | null {
  const a = msg as JobAnnouncement;
  if (a?.type !== 'job.new' || a.coin !== coin) return null;
  return {
    jobId: a.work.id,
    family: a.family,
    notify: a.notify,
    clean: a.work.cleanJobs,
    networkDifficulty: a.networkDifficulty,
    work: a.work,
  };
}
