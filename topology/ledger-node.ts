// A ledger-only node (`colliery ledger run`): this process's LMDB replica following the log and
// a candidate for the Ledger singleton, without Stratum, jobs or blocks. Operators run one or
// two beside the pool nodes as hot standbys on their own disks; if the leader dies, one of
// them takes the lease and carries on from what its replica has applied.
import { pino, type Logger } from 'pino';
import { connectNats } from '../runtime/index.js';
import { nodeRuntime } from './tracing.js';
import { addressToScript } from '../actors/shared/address.js';
import { networkByName } from '../actors/shared/network.js';
import { COINS, type NodeConfig } from './config.js';
import type { LedgerReplica } from '../actors/ledger/index.js';
import { startNodeLedger } from './wire/ledger.js';
import { openSignedLog } from './wire/log.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Runtime } from '../runtime/index.js';
import { CoinRpc } from '../actors/job/index.js';
import { NodeHealth } from './health.js';
import type { MetricsServer } from './metrics.js';
import { clusterStratum, poolApiSource, serveHttp } from './wire/http.js';

export interface LedgerNodeHandle {
  readonly log: Logger;
  readonly replica: LedgerReplica;
  /** The pool API and dashboard's port (--http), or null. */
  readonly httpPort: number | null;
  stop(): Promise<void>;
}

export async function startLedgerNode(
  cfg: NodeConfig,
  opts: { leaseTtlMs?: number } = {},
): Promise<LedgerNodeHandle> {
  const log = pino({ level: cfg.logLevel, base: { node: cfg.nodeId, role: 'ledger' } });
  const nc = await connectNats([...cfg.natsUrls], cfg.nodeId, {}, cfg.natsAuth);
  const rt = nodeRuntime({ cluster: cfg.cluster, node: cfg.nodeId, log, nc });
  const network = networkByName(COINS[cfg.coin].network);
  const poolScript =
    cfg.poolAddress === '' ? new Uint8Array(0) : addressToScript(cfg.poolAddress, network).script;
  const { keys, appender } = await openSignedLog(nc, cfg, log); // as a pool node does
  const ledger = await startNodeLedger({
    cfg: { ...cfg, ledger: 'on' },
    nc,
    rt,
    appender,
    network,
    poolScript,
    leaseTtlMs: opts.leaseTtlMs ?? cfg.tuning.leaseTtlSeconds * 1000,
    log,
    trust: keys.trust,
  });
  const replica = ledger.replica as LedgerReplica;
  const http = await serveLedgerHttp(cfg, rt, nc, replica, log);
  log.info({ coin: cfg.coin, cluster: cfg.cluster }, 'ledger node started');
  let stopping: Promise<void> | undefined;
  return {
    log,
    replica,
    httpPort: http?.port ?? null,
    stop: () =>
      (stopping ??= (async () => {
        await rt.drain({ timeoutMs: cfg.tuning.drainSeconds * 1000 });
        await http?.close().catch(() => undefined);
        await appender.close().catch(() => undefined);
        await ledger.stop();
        keys.stop();
      })()),
  };
}

/**
 * `--http HOST:PORT` on a ledger node: the pool API and the dashboard over this replica and its
 * statistics (pool nodes without a ledger, --ledger off, serve neither), and /health. No
 * /metrics here (the pool nodes export the cluster's metrics).
 */
async function serveLedgerHttp(
  cfg: NodeConfig,
  rt: Runtime,
  nc: NatsConnection,
  replica: LedgerReplica,
  log: Logger,
): Promise<MetricsServer | null> {
  if (cfg.metrics !== null)
    log.warn({ metrics: cfg.metrics }, 'a ledger node serves no /metrics: --metrics is ignored');
  if (cfg.http === null) return null;
  const health = new NodeHealth(log, () => rt.draining);
  health.watchBus(nc);
  const noStatus = (): Promise<never> =>
    Promise.reject(
      new Error('a ledger node has no pool status: ask a pool node (colliery status)'),
    );
  const rpc = cfg.rpc[0];
  const api = poolApiSource({
    cfg,
    stratumPort: () => null,
    clusterStratum: clusterStratum(() => nc, cfg),
    status: noStatus,
    store: replica.store,
    shareStats: noStatus,
    coinNode: rpc === undefined ? undefined : new CoinRpc(rpc),
  });
  const servers = await serveHttp(
    { ...cfg, metrics: null },
    { api, status: noStatus, actors: () => rt.stats(), health: () => health.health },
    log,
  );
  return servers.http;
}
