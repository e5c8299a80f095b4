// Boots one Colliery node from a validated config: NATS, the runtime, an extranonce prefix,
// the verifier pool, the per-node Share actor, the Job and Block singletons (every node is a
// candidate; one holds each lease), and the Stratum listener. Returns a handle whose stop()
// drains: miners are told to reconnect elsewhere, shares in flight are answered, leases freed.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, type Runtime, type Topic } from '../runtime/index.js';
import { blockActor, validateBlockMessage, type FoundBlock } from '../actors/block/actor.js';
import { hashDialect } from '../actors/connection/dialect.js';
import type { Effect, JobAnnouncement as ConnAnnouncement } from '../actors/connection/messages.js';
import { startStratumServer, type StratumServer } from '../actors/connection/server.js';
import type { SessionConfig } from '../actors/connection/session.js';
import { DEFAULT_VARDIFF } from '../actors/connection/vardiff.js';
import { jobActor } from '../actors/job/actor.js';
import { defaultCoinbaseLayout, type JobWork } from '../actors/job/job.js';
import { validateJobRequest, type JobAnnouncement } from '../actors/job/messages.js';
import { CoinRpc } from '../actors/job/rpc-client.js';
import { shareActor, type ShareSink, type SubmitHasher } from '../actors/share/actor.js';
import { validateShareMessage, type ShareStats } from '../actors/share/messages.js';
import { addressToScript } from '../actors/shared/address.js';
import { bytesToHex } from '../actors/shared/hex.js';
import { blockSubsidySats, networkByName } from '../actors/shared/network.js';
import { COINS, type NodeConfig } from './config.js';
import { openNodeLog } from '../actors/share/log-sink.js';
import { BlockLog, openBlocks } from '../actors/block/log.js';
import type { LedgerReplica } from '../actors/ledger/replica.js';
import { startNodeLedger } from './ledger/wire.js';
import { claimExtranoncePrefix, type PrefixClaim } from './prefix.js';
import { startMetricsServer, type MetricsServer } from './metrics.js';
import { gatherStatus, validateStatusMessage, type NodeStatus } from './status.js';
import { primeNodeParts } from './prime-coin.js';
import { nodeRuntime } from './tracing.js';

export interface NodeHandle {
  readonly runtime: Runtime;
  /** This node's ledger replica (a hot standby unless it holds the Ledger lease). */
  readonly ledger: LedgerReplica;
  readonly stratumPort: number;
  /** Where GET /metrics and /health answer (null: --metrics not set). */
  readonly metricsPort: number | null;
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
  /** How often the Block actor asks the coin nodes about found blocks (default 10 s). */
  readonly followMs?: number;
  /** Lease TTL of the Job/Block singletons (default 5 s). */
  readonly leaseTtlMs?: number;
}

export async function startNode(cfg: NodeConfig, deps: NodeDeps): Promise<NodeHandle> {
  const startedAtMs = Date.now();
  const log = deps.log ?? pino({ level: cfg.logLevel, base: { node: cfg.nodeId } });
  const nc = deps.nc ?? (await connectNats([...cfg.natsUrls], cfg.nodeId));
  const rt = nodeRuntime({ cluster: cfg.cluster, node: cfg.nodeId, log, nc });
  const coin = COINS[cfg.coin];
  const network = networkByName(coin.network);
  const prime = coin.family === 'prime' ? primeNodeParts(cfg, network, deps.hasher) : null;
  const poolScript = addressToScript(cfg.poolAddress, network).script;
  // A job's block subsidy: by height (hash coins), TargetGetMint of its nBits (prime coins).
  const subsidySats = prime
    ? prime.subsidySats
    : (work: JobWork): bigint => blockSubsidySats(work.height, network);
  const nodes = cfg.rpc.map((r) => new CoinRpc(r));
  // submitblock gets a connection of its own to each node, open before the first candidate.
  for (const n of nodes) n.warmSubmitLane();
  const jobsTopic: Topic = rt.topic('jobs', cfg.coin);
  const jobAddress = rt.address('job', cfg.coin);
  const blockAddress = rt.address('block', cfg.coin);
  let prefix: PrefixClaim | undefined;
  let stratum: StratumServer | undefined;

  // The log has its own NATS connection: it must outlive the runtime's drain (shares answered
  // during the drain are appended after the actors stop; block records are retried to the end).
  const logNc = await connectNats([...cfg.natsUrls], `${cfg.nodeId}-log`);
  const appender = await openNodeLog(logNc, cfg, log);
  const blockLog = new BlockLog(appender, cfg.coin, log);
  const leaseTtlMs = deps.leaseTtlMs ?? 5_000;
  const ledger = await startNodeLedger(
    cfg,
    logNc,
    rt,
    appender,
    network,
    poolScript,
    leaseTtlMs,
    log,
  );

  try {
    // On the log's connection: the runtime's closes with its drain, and the claim is released
    // after that (miners keep their extranonce1 until their connections are gone).
    prefix = await claimExtranoncePrefix(
      logNc,
      cfg.cluster,
      cfg.nodeId,
      30_000,
      (why) => {
        log.fatal({ why }, 'lost the extranonce prefix; draining so no two miners share work');
        void rt.drain();
      },
      (why) => log.warn({ why }, 'extranonce prefix keep-alive'),
    );

    const share = rt.spawn(
      'share',
      cfg.nodeId,
      prime
        ? (prime.shareActor({
            block: blockAddress,
            sink: deps.sink ?? appender,
            keepJobs: 64,
            maxBatch: 256,
          }) as unknown as ReturnType<typeof shareActor>)
        : shareActor({
            coin: cfg.coin,
            hasher: deps.hasher,
            block: blockAddress,
            sink: deps.sink ?? appender,
            keepJobs: 64,
            // With the hasher's threads busy, submits gather for the next batch up to this (a
            // few ms of one thread's hashing): fewer, larger posts to the pool.
            maxBatch: 2048,
            subsidySats,
          }),
      {
        validate: (prime?.validateShareMessage ??
          validateShareMessage) as typeof validateShareMessage,
        remote: false,
        mailbox: { capacity: 200_000 },
      },
    );
    rt.subscribe(jobsTopic, share);

    await rt.singleton(
      'job',
      cfg.coin,
      jobActor({
        coin: cfg.coin,
        family: coin.family,
        nodes,
        job: {
          extranonce1Size: 4,
          extranonce2Size: cfg.extranonce2Size,
          coinbase: defaultCoinbaseLayout(cfg.poolTag),
          lockTime: 'height-minus-one',
          versionRollingMask: prime ? 0 : cfg.versionMask,
          ...(prime ? { prime: prime.jobRules } : {}),
        },
        outputs: (value) => ledger.outputs(value),
        refreshMs: cfg.refreshSeconds * 1000,
        pollMs: cfg.pollMs,
        longpollMs: 60_000,
        rpcTimeoutMs: 10_000,
        keepJobs: 64,
        rules: prime ? [] : ['segwit'],
        publish: (a) => rt.publish(jobsTopic, a),
        toBlock: (job) => rt.tell(blockAddress, { type: 'job.full', job }),
      }),
      { validate: validateJobRequest, leaseTtlMs },
    );

    await rt.singleton(
      'block',
      cfg.coin,
      blockActor({
        coin: cfg.coin,
        nodes,
        job: jobAddress,
        keepJobs: 64,
        keepBlocks: 1000,
        followMs: deps.followMs ?? 10_000,
        maturity: deps.maturity ?? coin.maturity,
        rpcTimeoutMs: 10_000,
        subsidySats,
        restore: () => openBlocks(nc, cfg.cluster, cfg.coin),
        onEvent: (e) => {
          if (e.kind === 'found') ledger.noteFound(e.block.hash, e.block.coinbasePaid);
          blockLog.record(e);
        },
      }),
      { validate: validateBlockMessage, leaseTtlMs },
    );

    const session: SessionConfig = {
      extranonce2Size: cfg.extranonce2Size,
      versionMask: prime ? 0 : cfg.versionMask,
      startDifficulty: prime?.startWork ?? cfg.startDifficulty,
      vardiff: {
        ...DEFAULT_VARDIFF,
        targetShareMs: cfg.targetShareSeconds * 1000,
        minDifficulty: prime?.minWork ?? cfg.minDifficulty,
        maxDifficulty: prime?.maxWork ?? cfg.maxDifficulty,
      },
      maxJobs: 8, // per connection: work older than 8 notifies is answered 21 (stale)
      maxDedupEntries: 50_000,
      maxPendingSubmits: 128,
      verdictTimeoutMs: 15_000,
      maxWorkers: 64,
      handshakeMs: 60_000,
      banWindow: 200,
      banInvalidFraction: 0.9,
      maxBadRequests: 10,
    };
    stratum = await startStratumServer(rt, {
      host: cfg.stratumHost,
      port: cfg.stratumPort,
      extranoncePrefix: prefix.prefix,
      maxConnections: cfg.maxConnections,
      maxConnectionsPerIp: cfg.maxConnectionsPerIp,
      maxLineBytes: 16 * 1024,
      banMs: 10 * 60_000,
      tickMs: 5_000, // vardiff idle checks, verdict timeouts and handshake limits need no finer grain
      share,
      jobsTopic,
      sessionContext: (nowMs) => ({
        nowMs,
        config: session,
        dialect: prime?.dialect ?? hashDialect,
        // Pooled: any account name; SOLO: the username must be an address, and it is paid.
        resolveAccount: (account) => {
          if (!cfg.solo) return { ok: true };
          try {
            return { ok: true, payoutScript: bytesToHex(addressToScript(account, network).script) };
          } catch (e) {
            return {
              ok: false,
              reason: `solo mining needs a ${network.name} address: ${(e as Error).message}`,
            };
          }
        },
      }),
      toAnnouncement: (msg) => toConnectionAnnouncement(msg, cfg.coin),
      ...(deps.onEffect ? { onEffect: deps.onEffect } : {}),
    });
    // A node that joins late asks the Job leader for the current job instead of waiting for the
    // next broadcast (up to --refresh-seconds): its Share actor and its miners need it.
    const server = stratum;
    void rt
      .ask<JobAnnouncement | null>(jobAddress, { type: 'job.current' }, { timeoutMs: 5_000 })
      .then((a) => {
        if (!a) return;
        rt.tell(share, a);
        server.offer(a);
      })
      .catch(() => undefined);
  } catch (err) {
    await stratum?.stop().catch(() => undefined);
    await prefix?.release().catch(() => undefined);
    await rt.drain({ timeoutMs: 1_000 }).catch(() => undefined);
    await ledger.stop().catch(() => undefined);
    await logNc.close().catch(() => undefined);
    throw err;
  }

  const started = stratum;
  const claim = prefix;
  const shareStats = (timeoutMs?: number) =>
    rt.ask<ShareStats>(
      rt.address('share', cfg.nodeId),
      { type: 'share.stats' },
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  const blocks = (timeoutMs?: number) =>
    rt.ask<FoundBlock[]>(
      blockAddress,
      { type: 'block.list' },
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  let metrics: MetricsServer | null = null;
  const store = ledger.replica.store;
  const status = (): Promise<NodeStatus> =>
    gatherStatus({
      fixed: {
        node: cfg.nodeId,
        cluster: cfg.cluster,
        coin: cfg.coin,
        version: VERSION,
        startedAtMs,
        stratumPort: started.port,
      },
      metricsPort: () => metrics?.port ?? null,
      draining: () => rt.draining,
      connections: () => started.connections,
      shareStats,
      blocks,
      logStats: () => appender.stats,
      ledger: () => ({ lastApplied: store.lastApplied(), shares: store.counters().shares }),
    });
  // `colliery status` asks every node this over NATS.
  rt.spawn('status', cfg.nodeId, () => ({ receive: () => status() }), {
    validate: validateStatusMessage,
  });
  if (cfg.metrics !== null) {
    try {
      metrics = await startMetricsServer(
        { status, actors: () => rt.stats(), ledger: () => store },
        () => rt.draining,
        cfg.metrics.host,
        cfg.metrics.port,
        (err) => log.warn({ err }, 'metrics scrape failed'),
      );
      log.info({ host: cfg.metrics.host, port: metrics.port }, 'metrics on /metrics and /health');
    } catch (err) {
      // A node that cannot serve metrics still mines; the operator hears why once.
      log.error({ err, metrics: cfg.metrics }, 'metrics server did not start');
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    runtime: rt,
    ledger: ledger.replica,
    stratumPort: started.port,
    metricsPort: metrics?.port ?? null,
    log,
    connections: () => started.connections,
    shareStats,
    blocks,
    status,
    stop: () =>
      (stopping ??= (async () => {
        await rt.drain({ timeoutMs: 20_000 });
        await metrics?.close().catch(() => undefined);
        await started.stop();
        await appender.close();
        await blockLog.settled(30_000);
        await ledger.stop();
        await claim.release().catch(() => undefined);
        await logNc.drain().catch(() => undefined);
        await deps.hasher.close?.();
        for (const n of nodes) n.close();
      })()),
  };
}

/** This package's version (dist/topology/node.js → package.json), for colliery_node_info. */
const VERSION = (() => {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return String((JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
})();

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
