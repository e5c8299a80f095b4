// What a pool node tells about itself: the status actor `colliery status` asks over NATS, and,
// with --metrics, Prometheus /metrics, /health and the read-only JSON API.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Runtime } from '../../runtime/index.js';
import type { FoundBlock, SubmitterStats } from '../../actors/block/index.js';
import type { StratumServer } from '../../actors/connection/index.js';
import type { LedgerReplica } from '../../actors/ledger/index.js';
import type { LogAppender, ShareStats } from '../../actors/share/index.js';
import type { NodeConfig } from '../config.js';
import type { NodeHealth } from '../health.js';
import { startMetricsServer, type MetricsServer } from '../metrics.js';
import { gatherStatus, validateStatusMessage, type NodeStatus } from '../status.js';
import type { NodeAddresses } from './actors.js';

export interface NodeReports {
  shareStats(timeoutMs?: number): Promise<ShareStats>;
  blocks(timeoutMs?: number): Promise<FoundBlock[]>;
  status(): Promise<NodeStatus>;
  /** Null: --metrics not set, or its server did not start (logged). */
  readonly metrics: MetricsServer | null;
}

export async function serveReports(
  rt: Runtime,
  cfg: NodeConfig,
  w: {
    at: NodeAddresses;
    stratum: Pick<StratumServer, 'port' | 'connections' | 'stats'>;
    appender: LogAppender;
    submitter: SubmitterStats;
    replica: LedgerReplica;
    log: Logger;
    startedAtMs: number;
    health: NodeHealth;
  },
): Promise<NodeReports> {
  const { startedAtMs } = w;
  const within = (timeoutMs?: number) => (timeoutMs === undefined ? {} : { timeoutMs });
  const shareStats = (timeoutMs?: number) =>
    rt.ask<ShareStats>(rt.address('share', cfg.nodeId), { type: 'share.stats' }, within(timeoutMs));
  const blocks = (timeoutMs?: number) =>
    rt.ask<FoundBlock[]>(w.at.block, { type: 'block.list' }, within(timeoutMs));
  let metrics: MetricsServer | null = null;
  const store = w.replica.store;
  const status = (): Promise<NodeStatus> =>
    gatherStatus({
      fixed: {
        node: cfg.nodeId,
        cluster: cfg.cluster,
        coin: cfg.coin,
        version: VERSION,
        startedAtMs,
        stratumPort: w.stratum.port,
      },
      metricsPort: () => metrics?.port ?? null,
      draining: () => rt.draining,
      health: () => w.health.health,
      bus: () => w.health.bus,
      connections: () => w.stratum.connections,
      stratumStats: () => w.stratum.stats,
      shareStats,
      blocks,
      logStats: () => w.appender.stats,
      submitterStats: () => w.submitter,
      ledger: () => {
        const c = store.counters();
        return { lastApplied: store.lastApplied(), shares: c.shares, quarantined: c.quarantined };
      },
    });
  rt.spawn('status', cfg.nodeId, () => ({ receive: () => status() }), {
    validate: validateStatusMessage,
  });
  if (cfg.metrics !== null) {
    try {
      metrics = await startMetricsServer(
        { status, actors: () => rt.stats(), ledger: () => store, health: () => w.health.health },
        cfg.metrics.host,
        cfg.metrics.port,
        (err) => w.log.warn({ err }, 'metrics scrape failed'),
      );
      w.log.info({ ...cfg.metrics, port: metrics.port }, 'metrics on /metrics and /health');
    } catch (err) {
      // A node that cannot serve metrics still mines; the operator hears why once.
      w.log.error({ err, metrics: cfg.metrics }, 'metrics server did not start');
    }
  }
  return { shareStats, blocks, status, metrics };
}

/** This package's version (dist/topology/wire/status.js → package.json), for node info. */
const VERSION = (() => {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    return String((JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
})();
