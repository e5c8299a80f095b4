// Boots one Colliery node from a validated config: NATS, the runtime, the share log, the
// ledger replica, an extranonce prefix, the per-node Share actor, the Job and Block singletons
// (every node is a candidate; one holds each lease), the Stratum listener and the node's
// reports. Each actor's wiring is in wire/. Returns a handle whose stop() drains: miners are
// told to reconnect elsewhere, shares in flight are answered, leases freed.
import { pino, type Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, type Runtime } from '../runtime/index.js';
import { BlockLog, type FoundBlock } from '../actors/block/index.js';
import type { Effect, StratumServer } from '../actors/connection/index.js';
import type { CoinNodesListener } from '../actors/job/index.js';
import type { LedgerReplica } from '../actors/ledger/index.js';
import {
  type LogAppender,
  type ShareSink,
  type ShareStats,
  type SubmitHasher,
} from '../actors/share/index.js';
import type { NodeConfig } from './config.js';
import { claimExtranoncePrefix, type PrefixClaim } from './prefix.js';
import { NodeRegistry, publicAddresses } from './registry.js';
import type { NodeStatus } from './status.js';
import { followBans } from './bans.js';
import type { NodeKeys } from './node-keys.js';
import { AccountBook } from './accounts.js';
import { NodeHealth } from './health.js';
import { nodeRuntime } from './tracing.js';
import {
  nodeAddresses,
  spawnShare,
  spawnSubmitter,
  startBlock,
  startJob,
  type NodeAddresses,
} from './wire/actors.js';
import { coinParts, type CoinParts } from './wire/coin.js';
import { startNodeLedger, type NodeLedger } from './wire/ledger.js';
import { openSignedLog } from './wire/log.js';
import { serveReports } from './wire/status.js';
import { localJobs } from './wire/local-jobs.js';
import { askCurrentJob, readTls, startStratum } from './wire/stratum.js';

export interface NodeHandle {
  readonly runtime: Runtime;
  /** This node's ledger replica (a hot standby unless it holds the Ledger lease). */
  readonly ledger: LedgerReplica;
  readonly stratumPort: number;
  /** The Stratum TLS listener's port (null: --stratum-tls not set). */
  readonly stratumTlsPort: number | null;
  /** Reads --tls-cert and --tls-key again (a renewed certificate; SIGHUP). */
  reloadTls(): void;
  /** Where GET /metrics and /health answer (null: --metrics not set). */
  readonly metricsPort: number | null;
  /** The dashboard and API's port (--http; the metrics port when both name one address). */
  readonly httpPort: number | null;
  readonly log: Logger;
  connections(): number;
  shareStats(): Promise<ShareStats>;
  blocks(): Promise<FoundBlock[]>;
  /** What `colliery status` and /metrics report about this node. */
  status(): Promise<NodeStatus>;
  /** Drains and closes everything this node started. */
  stop(): Promise<void>;
}

export interface NodeDeps {
  readonly hasher: SubmitHasher & { close?(): Promise<void> };
  readonly log?: Logger;
  readonly sink?: ShareSink;
  readonly nc?: NatsConnection;
  readonly onEffect?: (e: Effect) => void;
  /** Confirmations before a block's credits mature (default: the coin's; tests shorten it). */
  readonly maturity?: number;
  /** How often the Block actor follows found blocks (default: --follow-seconds). */
  readonly followMs?: number;
  /** Lease TTL of the Job/Block/Ledger singletons (default: --lease-ttl-seconds). */
  readonly leaseTtlMs?: number;
}

export async function startNode(cfg: NodeConfig, deps: NodeDeps): Promise<NodeHandle> {
  const startedAtMs = Date.now();
  const base = await startBase(cfg, deps);
  let prefix: PrefixClaim | undefined;
  let stratum: StratumServer | undefined;
  try {
    prefix = await claimPrefix(base.logNc, cfg, base.log, base.health, () => stratum);
    stratum = await startActors(cfg, deps, base, prefix.prefix);
  } catch (err) {
    await stratum?.stop().catch(() => undefined);
    await prefix?.release().catch(() => undefined);
    await base.rt.drain({ timeoutMs: 1_000 }).catch(() => undefined);
    await base.ledger.stop().catch(() => undefined);
    base.keys.stop();
    base.accounts?.stop();
    await base.submitter.journal.close().catch(() => undefined);
    await base.logNc.close().catch(() => undefined);
    throw err;
  }
  const started = stratum;
  const claim = prefix;
  const { rt, log, ledger, registry } = base;
  // The cluster registry: where miners reach this node and its room; on drain, where they go.
  await registry.start({
    ...publicAddresses(cfg, { port: started.port, tlsPort: started.tlsPort }),
    capacity: started.maxConnections,
    connections: () => started.connections,
  });
  rt.onDrain(() => registry.drain());
  const reports = await serveReports(rt, cfg, {
    at: base.at,
    stratum: started,
    appender: base.appender,
    submitter: base.submitter.stats,
    replica: ledger.replica,
    log,
    startedAtMs,
    health: base.health,
    coinNode: base.coin.nodes[0],
  });
  let stopping: Promise<void> | undefined;
  const replica = ledger.replica;
  return {
    runtime: rt,
    get ledger(): LedgerReplica {
      if (replica === null)
        throw new Error(`node ${cfg.nodeId} keeps no ledger (--ledger off): ask a ledger node`);
      return replica;
    },
    stratumPort: started.port,
    stratumTlsPort: started.tlsPort,
    reloadTls: () => {
      if (cfg.stratumTls === null) return;
      const { cert, key } = readTls(cfg);
      started.reloadTls(cert, key);
      log.warn({ cert: cfg.stratumTls.certFile }, 'Stratum TLS certificate reloaded');
    },
    metricsPort: reports.metrics?.port ?? null,
    httpPort: reports.http?.port ?? null,
    log,
    connections: () => started.connections,
    shareStats: () => reports.shareStats(),
    blocks: () => reports.blocks(),
    status: () => reports.status(),
    stop: () =>
      (stopping ??= (async () => {
        await rt.drain({ timeoutMs: cfg.tuning.drainSeconds * 1000 });
        await reports.metrics?.close().catch(() => undefined);
        if (reports.http !== reports.metrics) await reports.http?.close().catch(() => undefined);
        await started.stop();
        await base.appender.close();
        await base.blockLog.settled(30_000);
        await base.submitter.journal.close();
        await ledger.stop();
        base.keys.stop();
        base.accounts?.stop();
        await claim.release().catch(() => undefined);
        await registry.release();
        await base.logNc.drain().catch(() => undefined);
        await deps.hasher.close?.();
        for (const n of base.coin.nodes) n.close();
      })()),
  };
}

/** What a node stands on before its actors: NATS, the runtime, the log, the ledger replica. */
interface NodeBase {
  readonly log: Logger;
  readonly nc: NatsConnection;
  readonly logNc: NatsConnection;
  readonly rt: Runtime;
  readonly health: NodeHealth;
  readonly coin: CoinParts;
  readonly at: NodeAddresses;
  readonly leaseTtlMs: number;
  readonly appender: LogAppender;
  readonly blockLog: BlockLog;
  readonly ledger: NodeLedger;
  readonly submitter: ReturnType<typeof spawnSubmitter>;
  readonly keys: NodeKeys;
  readonly accounts: AccountBook | null;
  /** This node's entry in the cluster registry (started once Stratum listens). */
  readonly registry: NodeRegistry;
}

async function startBase(cfg: NodeConfig, deps: NodeDeps): Promise<NodeBase> {
  const log = deps.log ?? pino({ level: cfg.logLevel, base: { node: cfg.nodeId } });
  const nc = deps.nc ?? (await connectNats([...cfg.natsUrls], cfg.nodeId, {}, cfg.natsAuth));
  const rt = nodeRuntime({ cluster: cfg.cluster, node: cfg.nodeId, log, nc });
  const health = new NodeHealth(log, () => rt.draining);
  health.watchBus(nc);
  const coin = coinParts(cfg, deps.hasher);
  const at = nodeAddresses(rt, cfg);
  const leaseTtlMs = deps.leaseTtlMs ?? cfg.tuning.leaseTtlSeconds * 1000;
  // The log has its own NATS connection: it must outlive the runtime's drain (shares answered
  // during the drain are appended after the actors stop; block records are retried to the end).
  const logNc = await connectNats([...cfg.natsUrls], `${cfg.nodeId}-log`, {}, cfg.natsAuth);
  // Every record this node appends is signed; the replica admits only trusted nodes' records.
  const { keys, appender } = await openSignedLog(logNc, cfg, log);
  // Pooled: the operator's account list, read before anyone may authorize or be paid by name.
  const accounts = cfg.accounts === '' ? null : new AccountBook(cfg.accounts, coin.network, log);
  await accounts?.start(cfg.tuning.accountsPollSeconds * 1000);
  const blockLog = new BlockLog(appender, cfg.coin, log);
  const { network, poolScript } = coin;
  const ledger = await startNodeLedger({
    cfg,
    nc: logNc,
    rt,
    appender,
    network,
    poolScript,
    leaseTtlMs,
    log,
    trust: keys.trust,
    accounts,
  });
  const submitter = spawnSubmitter(rt, cfg, coin, at, { appender, ledger });
  return {
    registry: new NodeRegistry(logNc, cfg, log),
    keys,
    accounts,
    log,
    nc,
    logNc,
    rt,
    health,
    coin,
    at,
    leaseTtlMs,
    appender,
    blockLog,
    ledger,
    submitter,
  };
}

/** The Share actor, the Job and Block singletons, then the Stratum listener. */
async function startActors(
  cfg: NodeConfig,
  deps: NodeDeps,
  b: NodeBase,
  prefix: number,
): Promise<StratumServer> {
  const { rt, coin, at, ledger, leaseTtlMs } = b;
  const share = spawnShare(rt, cfg, coin, at, deps.hasher, deps.sink ?? b.appender);
  const coinHealth =
    (source: string): CoinNodesListener =>
    (away, allAway) =>
      b.health.coinNodes(source, away, allAway);
  await startJob(rt, cfg, coin, at, ledger, leaseTtlMs, coinHealth('leader'), b.submitter.jobs);
  const followMs = deps.followMs ?? cfg.tuning.followSeconds * 1000;
  const maturity = deps.maturity ?? coin.maturity;
  const blockLog = b.blockLog;
  await startBlock(rt, cfg, coin, at, {
    nc: b.nc,
    ledger,
    blockLog,
    leaseTtlMs,
    followMs,
    maturity,
    trust: b.keys.trust,
  });
  const onEffect = deps.onEffect;
  let shareBan: ((ban: { ip: string; reason: string; untilMs: number }) => void) | null = null;
  const stratum = await startStratum(rt, cfg, coin, {
    at,
    share,
    prefix,
    accounts: b.accounts,
    onBan: (ban) => shareBan?.(ban),
    // Refused shares ride in the share log for the statistics: stale apart, the pool's own
    // trouble (busy, too many pending) not counted.
    onRefused: (worker, rejection) => {
      if (rejection === 'too-many-pending') return;
      b.appender.noteReject(worker.account, worker.worker, rejection === 'stale', Date.now());
    },
    ...(onEffect ? { onEffect } : {}),
    reconnectTo: (tls) => b.registry.reconnectTo(tls),
    redirectTo: (tls) => b.registry.redirectTo(tls),
  });
  // The cluster's ban list: this node's bans go there, everyone's come here (topology/bans.ts).
  const bans = await followBans(b.logNc, cfg.cluster, cfg.nodeId, stratum, rt.log);
  shareBan = bans.share;
  rt.onDrain(() => bans.stop());
  askCurrentJob(rt, at, share, stratum);
  const fallback = localJobs(rt, cfg, coin, at, ledger, coinHealth('local'), b.submitter.jobs);
  b.health.onBus((up) => (up ? fallback.busUp() : fallback.busDown()));
  rt.onDrain(() => fallback.stop());
  return stratum;
}

/**
 * The node's extranonce prefix, on the log's connection: the runtime's closes with its drain,
 * and the claim is released after that (miners keep their extranonce1 until they are gone).
 * A claim the bus outage suspended hands its prefix to no new miner; resumed on the same
 * prefix nothing changes, on another one the sessions on the old one reconnect (stratum.ts).
 */
function claimPrefix(
  nc: NatsConnection,
  cfg: NodeConfig,
  log: Logger,
  health: NodeHealth,
  stratum: () => StratumServer | undefined,
): Promise<PrefixClaim> {
  return claimExtranoncePrefix(nc, cfg.cluster, cfg.nodeId, cfg.tuning.prefixTtlSeconds * 1000, {
    suspended: (why) => {
      log.warn({ why }, 'extranonce prefix suspended: no new miners until it is held again');
      health.set('prefix', 'extranonce prefix not confirmed');
      stratum()?.pauseAccepting();
    },
    resumed: (prefix, moved) => {
      log.warn(
        { prefix, moved },
        moved ? 'extranonce prefix moved: sessions reconnect' : 'extranonce prefix held again',
      );
      health.clear('prefix');
      stratum()?.resumeAccepting(prefix, moved);
    },
    delayed: (why) => log.warn({ why }, 'extranonce prefix keep-alive'),
  });
}
