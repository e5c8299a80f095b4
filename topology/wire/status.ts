// What a pool node tells about itself: the status actor `colliery status` asks over NATS, and,
// with --metrics, Prometheus /metrics, /health and the read-only JSON API. Besides what the
// actors count, it keeps what the operator's alerts need (deploy/prometheus): when this node
// last heard a job (a `job-watch` actor on the jobs topic), the head of the coin's log (read at
// most every few seconds, so a scrape costs at most one JetStream request or a few), and how
// many coin nodes answer the Job actors that run here.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { Address, Runtime } from '../../runtime/index.js';
import type { JobAnnouncement } from '../../actors/job/index.js';
import { lastCoinSeq, logStreamName } from '../../actors/shared/log-stream.js';
import type { FoundBlock, SubmitterStats } from '../../actors/block/index.js';
import type { StratumServer } from '../../actors/connection/index.js';
import type { LedgerReplica } from '../../actors/ledger/index.js';
import type { LogAppender, ShareStats } from '../../actors/share/index.js';
import type { NodeConfig } from '../config.js';
import type { NodeHealth } from '../health.js';
import { type MetricsServer } from '../metrics.js';
import type { CoinRpc } from '../../actors/job/index.js';
import { clusterStratum, poolApiSource, serveHttp } from './http.js';
import { gatherStatus, validateStatusMessage, type NodeStatus } from '../status.js';
import type { NodeAddresses } from './actors.js';

export interface NodeReports {
  shareStats(timeoutMs?: number): Promise<ShareStats>;
  blocks(timeoutMs?: number): Promise<FoundBlock[]>;
  status(): Promise<NodeStatus>;
  /** Null: --metrics not set, or its server did not start (logged). */
  readonly metrics: MetricsServer | null;
  /** The dashboard and API server (--http; the metrics server when both name one address). */
  readonly http: MetricsServer | null;
}

export async function serveReports(
  rt: Runtime,
  cfg: NodeConfig,
  w: {
    at: NodeAddresses;
    stratum: Pick<StratumServer, 'port' | 'connections' | 'stats'>;
    appender: LogAppender;
    submitter: SubmitterStats;
    /** Null: the node keeps no ledger (--ledger off). */
    replica: LedgerReplica | null;
    log: Logger;
    startedAtMs: number;
    health: NodeHealth;
    /** The coin node the API asks for the network's figures. */
    coinNode?: CoinRpc | undefined;
  },
): Promise<NodeReports> {
  const { startedAtMs } = w;
  const within = (timeoutMs?: number) => (timeoutMs === undefined ? {} : { timeoutMs });
  const shareStats = (timeoutMs?: number) =>
    rt.ask<ShareStats>(rt.address('share', cfg.nodeId), { type: 'share.stats' }, within(timeoutMs));
  const blocks = (timeoutMs?: number) =>
    rt.ask<FoundBlock[]>(w.at.block, { type: 'block.list' }, within(timeoutMs));
  let metrics: MetricsServer | null = null;
  const store = w.replica?.store ?? null;
  const jobs = watchJobs(rt, cfg, w.at);
  const logHead = logHeadReader(
    cfg,
    () => rt.nc,
    () => w.health.bus.up,
  );
  const localJob = rt.address('job-local', cfg.nodeId);
  const runs = (at: Address) => rt.statsOf(at) !== undefined;
  const status = (): Promise<NodeStatus> =>
    gatherStatus({
      fixed: {
        node: cfg.nodeId,
        cluster: cfg.cluster,
        coin: cfg.coin,
        version: VERSION,
        startedAtMs,
        stratumPort: w.stratum.port,
        spoolLimits: {
          records: cfg.tuning.spoolRecords,
          bytes: cfg.tuning.spoolMb * 1024 * 1024,
        },
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
        if (store === null) return null;
        const c = store.counters();
        return { lastApplied: store.lastApplied(), shares: c.shares, quarantined: c.quarantined };
      },
      logLastSeq: logHead,
      jobs: () => jobs.heard,
      coinNodes: () => {
        const configured = cfg.rpc.length;
        const answering: Record<string, number> = {};
        for (const [source, at] of [
          ['leader', w.at.job],
          ['local', localJob],
        ] as const)
          if (runs(at)) answering[source] = w.health.coinNodesAnswering(source, configured);
        return { configured, answering };
      },
    });
  rt.spawn('status', cfg.nodeId, () => ({ receive: () => status() }), {
    validate: validateStatusMessage,
  });
  // Without a ledger the node serves no pool API (ledger nodes do: colliery ledger run --http).
  const api =
    store === null
      ? null
      : poolApiSource({
          cfg,
          stratumPort: () => w.stratum.port,
          clusterStratum: clusterStratum(() => rt.nc, cfg),
          status,
          store,
          shareStats,
          coinNode: w.coinNode,
        });
  const servers = await serveHttp(
    cfg,
    { api, status, actors: () => rt.stats(), health: () => w.health.health },
    w.log,
  );
  metrics = servers.metrics;
  return { shareStats, blocks, status, metrics, http: servers.http };
}

/**
 * What this node heard of jobs: a local actor on the coin's jobs topic (the leader's broadcasts,
 * and this node's own Job actor's while the bus is away), seeded with the leader's current job
 * (one published before it subscribed is not heard again until the next).
 */
function watchJobs(rt: Runtime, cfg: NodeConfig, at: NodeAddresses): { heard: NodeStatus['jobs'] } {
  const heard = { received: 0, newestAtMs: null as number | null, height: null as number | null };
  let newest = '';
  const hear = (msg: unknown): void => {
    const a = msg as Partial<JobAnnouncement> | null;
    if (a?.type !== 'job.new' || a.coin !== cfg.coin || typeof a.work?.id !== 'string') return;
    if (a.work.id === newest) return; // the same job twice (the ask and the broadcast)
    newest = a.work.id;
    heard.received++;
    heard.newestAtMs = Date.now();
    heard.height = a.work.height;
  };
  const watch = rt.spawn('job-watch', cfg.nodeId, () => ({ receive: hear }), {
    validate: (input: unknown) => input,
    remote: false,
  });
  rt.subscribe(at.jobsTopic, watch);
  rt.ask<JobAnnouncement | null>(at.job, { type: 'job.current' }, { timeoutMs: 5_000 }).then(
    (a) => {
      if (heard.received === 0) hear(a); // a broadcast that came first is newer
    },
    () => undefined, // no leader yet: the broadcast brings the job
  );
  return { heard };
}

/** How long a read of the log's head is reused: scrapes come every 15 s or so. */
const LOG_HEAD_MS = 5_000;

/**
 * The sequence of the coin's newest record in the log, for the replica's lag. One stream info
 * (no message bodies) answers while the stream holds only this coin's subjects; with other
 * coins in the cluster, the last record of each of this coin's subjects is read instead. Reads
 * are shared by concurrent scrapes and reused for LOG_HEAD_MS; while the bus is away none is
 * tried (the answer would only be late).
 */
function logHeadReader(
  cfg: Pick<NodeConfig, 'cluster' | 'coin'>,
  nc: () => NatsConnection,
  busUp: () => boolean,
): (timeoutMs: number) => Promise<number> {
  let known: { seq: number; atMs: number } | null = null;
  let reading: Promise<number> | null = null;
  let jsm: Promise<JetStreamManager> | null = null;
  const ours = `colliery.${cfg.cluster}.log.${cfg.coin}.`;
  const read = async (): Promise<number> => {
    const conn = nc();
    const m = await (jsm ??= jetstreamManager(conn, { checkAPI: false }));
    const info = await m.streams.info(logStreamName(cfg.cluster), {
      subjects_filter: `colliery.${cfg.cluster}.log.>`,
    });
    const subjects = Object.keys(info.state.subjects ?? {});
    return subjects.every((s) => s.startsWith(ours))
      ? info.state.last_seq
      : lastCoinSeq(conn, cfg.cluster, cfg.coin);
  };
  return (timeoutMs) => {
    if (known !== null && Date.now() - known.atMs < LOG_HEAD_MS) return Promise.resolve(known.seq);
    if (!busUp()) return Promise.reject(new Error('the bus is away'));
    reading ??= read()
      .then((seq) => {
        known = { seq, atMs: Date.now() };
        return seq;
      })
      .finally(() => (reading = null));
    return orTimeout(reading, timeoutMs);
  };
}

/** `p`, or a rejection once `ms` passed (p goes on; its answer is kept for the next scrape). */
function orTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
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
