// What the pool's HTTP face reads on a node (topology/api/source.ts): the pool as this node's
// config describes it, its status, its ledger replica and the statistics kept beside it, the
// Share actor's prime chain statistics, and the coin node's view of the network (asked at most
// every COIN_INFO_MS, shared by concurrent requests).
import type { CoinRpc } from '../../actors/job/index.js';
import type { LedgerStore } from '../../actors/ledger/index.js';
import type { ShareStats } from '../../actors/share/index.js';
import type { Logger } from 'pino';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { readRegistry, registryBucket } from '../registry.js';
import type { CoinNodeInfo, PoolApiSource, PoolInfo } from '../api/source.js';
import {
  startMetricsServer,
  type MetricsServer,
  type MetricsSource,
  type ServeParts,
} from '../metrics.js';
import { COINS, type NodeConfig } from '../config.js';
import type { NodeStatus } from '../status.js';

/** The coin node is asked again after this long. */
const COIN_INFO_MS = 15_000;
/** How long a request waits for the coin node or the Share actor. */
const ASK_MS = 2_000;

const NAMES: Record<keyof typeof COINS, { name: string; symbol: string }> = {
  bitcoin: { name: 'Bitcoin', symbol: 'BTC' },
  'bitcoin-testnet': { name: 'Bitcoin Testnet', symbol: 'tBTC' },
  'bitcoin-regtest': { name: 'Bitcoin Regtest', symbol: 'rBTC' },
  primecoin: { name: 'Primecoin', symbol: 'XPM' },
  'primecoin-testnet': { name: 'Primecoin Testnet', symbol: 'tXPM' },
  'primecoin-devnet': { name: 'Primecoin Devnet', symbol: 'dXPM' },
};

/** A Stratum address as the API describes it: the pool's start difficulty and vardiff bounds. */
function stratumAddress(
  cfg: NodeConfig,
  host: string,
  port: number,
  tls: boolean,
): PoolInfo['stratum'][number] {
  const varDiff =
    cfg.minDifficulty < cfg.maxDifficulty
      ? { minDiff: cfg.minDifficulty, maxDiff: cfg.maxDifficulty }
      : null;
  return { host, port, tls, difficulty: cfg.startDifficulty, varDiff };
}

/** The pool as `cfg` describes it; `stratumPort` null: this node has no Stratum (a ledger node). */
export function poolInfo(cfg: NodeConfig, stratumPort: number | null): PoolInfo {
  const coin = COINS[cfg.coin];
  const port = (host: string, p: number, tls: boolean) => stratumAddress(cfg, host, p, tls);
  return {
    id: cfg.coin,
    coin: cfg.coin,
    ...NAMES[cfg.coin],
    family: coin.family,
    algorithm: coin.family === 'prime' ? 'primechain' : 'sha256d',
    network: coin.network,
    feeBps: cfg.feeBps,
    scheme: cfg.solo ? 'solo' : cfg.payoutScheme,
    payouts: cfg.payouts,
    minPayoutSats: cfg.minPayoutSats,
    payoutIntervalSeconds: cfg.payoutIntervalSeconds,
    maturity: coin.maturity,
    blockTimeSeconds: coin.family === 'prime' ? 60 : 600,
    decimals: 8,
    stratum:
      stratumPort === null
        ? []
        : [
            port(cfg.stratumHost, stratumPort, false),
            ...(cfg.stratumTls ? [port(cfg.stratumTls.host, cfg.stratumTls.port, true)] : []),
          ],
    poolAddress: cfg.poolAddress,
  };
}

/** How often the API reads the cluster registry for the pool's Stratum addresses. */
const REGISTRY_READ_MS = 10_000;

/**
 * The cluster's Stratum addresses as the registry names them (every pool node of this coin
 * that is not draining), read at most every REGISTRY_READ_MS in the background; null until
 * the first read (or while the registry cannot be read).
 */
export function clusterStratum(
  nc: () => NatsConnection,
  cfg: NodeConfig,
): () => PoolInfo['stratum'] | null {
  let known: PoolInfo['stratum'] | null = null;
  let readAt = 0;
  let reading = false;
  const port = (host: string, p: number, tls: boolean) => stratumAddress(cfg, host, p, tls);
  const read = async (): Promise<void> => {
    const kv = await new Kvm(jetstream(nc(), { timeout: 2_000 })).open(registryBucket(cfg.cluster));
    const entries = (await readRegistry(kv))
      .filter((e) => e.coin === cfg.coin && !e.draining)
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    known = entries.flatMap((e) => [
      port(e.stratum.host, e.stratum.port, false),
      ...(e.stratumTls ? [port(e.stratumTls.host, e.stratumTls.port, true)] : []),
    ]);
  };
  return () => {
    if (!reading && Date.now() - readAt >= REGISTRY_READ_MS) {
      reading = true;
      readAt = Date.now();
      read()
        .catch(() => undefined) // the last list (or this node's own ports) stands
        .finally(() => (reading = false));
    }
    return known !== null && known.length > 0 ? known : null;
  };
}

export function poolApiSource(w: {
  cfg: NodeConfig;
  /** Null: no Stratum here (a ledger node). */
  stratumPort: () => number | null;
  /** The cluster's Stratum addresses (the registry's), or null: this node's own. */
  clusterStratum?: () => PoolInfo['stratum'] | null;
  status: () => Promise<NodeStatus>;
  store: LedgerStore;
  shareStats: (timeoutMs: number) => Promise<ShareStats>;
  coinNode: CoinRpc | undefined;
}): PoolApiSource {
  let info: { at: number; value: CoinNodeInfo | null } | null = null;
  let asking: Promise<CoinNodeInfo | null> | null = null;
  let pool: PoolInfo | null = null;
  const coinNode = (): Promise<CoinNodeInfo | null> => {
    if (info !== null && Date.now() - info.at < COIN_INFO_MS) return Promise.resolve(info.value);
    const rpc = w.coinNode;
    if (rpc === undefined) return Promise.resolve(null);
    asking ??= askCoinNode(rpc)
      .catch(() => null)
      .then((value) => {
        info = { at: Date.now(), value };
        asking = null;
        return value;
      });
    return asking;
  };
  return {
    get pool() {
      // The Stratum port is known once it listens (a configured 0 picks one).
      const own = (pool ??= poolInfo(w.cfg, w.stratumPort()));
      const cluster = w.clusterStratum?.() ?? null;
      return cluster === null ? own : { ...own, stratum: cluster };
    },
    status: w.status,
    ledger: () => w.store,
    stats: () => w.store.stats(),
    prime: async () => {
      if (COINS[w.cfg.coin].family !== 'prime') return null;
      const s = await w.shareStats(ASK_MS).catch(() => null);
      return s?.prime?.workers ?? null;
    },
    coinNode,
    nowMs: () => Date.now(),
  };
}

async function askCoinNode(rpc: CoinRpc): Promise<CoinNodeInfo> {
  const [mining, network] = await Promise.all([
    rpc.call<{ blocks?: number; difficulty?: number; networkhashps?: number }>(
      'getmininginfo',
      [],
      ASK_MS,
    ),
    rpc.call<{ connections?: number }>('getnetworkinfo', [], ASK_MS).catch(() => null),
  ]);
  let lastBlockTimeMs: number | null = null;
  try {
    const best = await rpc.call<string>('getbestblockhash', [], ASK_MS);
    const header = await rpc.call<{ time?: number }>('getblockheader', [best, true], ASK_MS);
    if (typeof header.time === 'number') lastBlockTimeMs = header.time * 1000;
  } catch {
    // Not every node answers it: the time stays unknown.
  }
  const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    networkHashps: n(mining.networkhashps),
    connections: n(network?.connections),
    difficulty: n(mining.difficulty),
    height: n(mining.blocks),
    lastBlockTimeMs,
  };
}

/**
 * The node's HTTP servers: --metrics (Prometheus, health, API, dashboard) and --http (health,
 * API, dashboard: no /metrics); one server when both name the same address. A server that
 * cannot start is logged and left out: the node still mines.
 */
export async function serveHttp(
  cfg: NodeConfig,
  source: MetricsSource,
  log: Logger,
): Promise<{ metrics: MetricsServer | null; http: MetricsServer | null }> {
  const start = async (
    at: { host: string; port: number },
    parts: ServeParts,
    what: string,
  ): Promise<MetricsServer | null> => {
    try {
      const server = await startMetricsServer(
        source,
        at.host,
        at.port,
        (err) => log.warn({ err }, `${what} request failed`),
        parts,
      );
      log.info({ ...at, port: server.port }, `${what} listening`);
      return server;
    } catch (err) {
      log.error({ err, [what]: at }, `${what} server did not start`);
      return null;
    }
  };
  const same =
    cfg.http !== null &&
    cfg.metrics !== null &&
    cfg.http.host === cfg.metrics.host &&
    cfg.http.port === cfg.metrics.port;
  const metrics =
    cfg.metrics === null
      ? null
      : await start(
          cfg.metrics,
          { metrics: true, pages: true },
          'metrics, health, API and dashboard',
        );
  if (same) return { metrics, http: metrics };
  const http =
    cfg.http === null
      ? null
      : await start(cfg.http, { metrics: false, pages: true }, 'dashboard and API');
  return { metrics, http };
}
