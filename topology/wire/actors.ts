// Spawns a pool node's Share actor and block submitter (per node) and its Job and Block
// singletons (every node is a candidate; one holds each lease), each from the config's settings
// and tunables.
import type { RecordTrust } from '../../actors/ledger/index.js';
import { join } from 'node:path';
import type { Address, Runtime, Topic } from '../../runtime/index.js';
import {
  blockActor,
  blockSubmitter,
  BlockJournal,
  type BlockLog,
  type SubmitterStats,
  validateBlockMessage,
  validateSubmitterMessage,
  openBlocks,
} from '../../actors/block/index.js';
import {
  defaultCoinbaseLayout,
  jobActor,
  validateJobRequest,
  type CoinNodesListener,
  type Job,
  type JobActorConfig,
} from '../../actors/job/index.js';
import {
  hashFamily,
  shareActor,
  validateShareMessage,
  type LogAppender,
  type ShareSink,
  type SubmitHasher,
} from '../../actors/share/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NodeConfig } from '../config.js';
import type { CoinParts } from './coin.js';
import type { NodeLedger } from './ledger.js';

/** Longest a submit waits for verification before it is answered busy (overload). */
const MAX_SHARE_WAIT_MS = 2_000;

export interface NodeAddresses {
  readonly jobsTopic: Topic;
  /** Full jobs (with transactions), kept by every node's block submitter. */
  readonly fullJobsTopic: Topic;
  readonly job: Address;
  readonly block: Address;
  /** This node's block submitter (local only), where its Share actor sends candidates. */
  readonly submitter: Address;
}

export function nodeAddresses(rt: Runtime, cfg: NodeConfig): NodeAddresses {
  return {
    jobsTopic: rt.topic('jobs', cfg.coin),
    fullJobsTopic: rt.topic('jobs-full', cfg.coin),
    job: rt.address('job', cfg.coin),
    block: rt.address('block', cfg.coin),
    submitter: rt.address('submitter', cfg.nodeId),
  };
}

export function blockJournalDir(
  cfg: Pick<NodeConfig, 'dataDir' | 'cluster' | 'coin' | 'nodeId'>,
): string {
  return join(cfg.dataDir, 'blocks', cfg.cluster, cfg.coin, cfg.nodeId);
}

export interface NodeSubmitter {
  readonly journal: BlockJournal;
  readonly stats: SubmitterStats;
  /** The full jobs it keeps, oldest first: what a Job actor starting on this node carries on. */
  jobs(): readonly Job[];
}

/**
 * This node's block submitter, subscribed to the full jobs, with its journal under
 * <data>/blocks/<cluster>/<coin>/<node>: entries a killed process left are submitted and logged
 * as it starts.
 */
export function spawnSubmitter(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  at: NodeAddresses,
  w: { appender: LogAppender; ledger: NodeLedger },
): NodeSubmitter {
  const t = cfg.tuning;
  const journal = BlockJournal.open(blockJournalDir(cfg));
  const stats: SubmitterStats = { journaled: 0, pending: 0, withoutLease: 0, recovered: 0 };
  const jobs = new Map<string, Job>();
  const submitter = rt.spawn(
    'submitter',
    cfg.nodeId,
    blockSubmitter({
      coin: cfg.coin,
      nodes: [...coin.nodes],
      job: at.job,
      block: at.block,
      keepJobs: t.keepJobs,
      rpcTimeoutMs: t.rpcTimeoutSeconds * 1000,
      subsidySats: coin.subsidySats,
      journal,
      appendRecord: (record) => w.appender.appendRecord('blocks', record),
      holdsLease: () => rt.statsOf(at.block) !== undefined,
      onFound: (b) => w.ledger.noteFound(b.hash, b.coinbasePaid),
      stats,
      jobs,
    }),
    { validate: validateSubmitterMessage, remote: false },
  );
  rt.subscribe(at.fullJobsTopic, submitter);
  return { journal, stats, jobs: () => [...jobs.values()] };
}

/**
 * This node's Share actor, subscribed to the coin's jobs: one shell for either PoW family, the
 * family (hash: the node's hasher; prime: the verifier pool's prime-share task) its strategy.
 */
export function spawnShare(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  at: NodeAddresses,
  hasher: SubmitHasher,
  sink: ShareSink,
): Address {
  const t = cfg.tuning;
  const deps = {
    coin: cfg.coin,
    block: at.submitter,
    sink,
    keepJobs: t.keepJobs,
    // A batch that held a block candidate waits for the Block actor's answer, which comes once
    // the coin nodes answered submitblock (each call fails after the RPC timeout).
    blockAnswerMs: t.rpcTimeoutSeconds * 1000,
    // Past this a submit waiting for the verifier is answered busy unverified: 2 s, or a third
    // of the Connection's verdict timeout if less, so every verdict the node sends still finds
    // its submit waiting and the backlog under overload is at most 2 s of submits.
    maxWaitMs: Math.min(MAX_SHARE_WAIT_MS, (t.verdictTimeoutSeconds * 1000) / 3),
    send: rt,
  };
  const prime = coin.prime;
  const factory = prime
    ? shareActor({ ...deps, maxBatch: t.primeShareBatch, family: () => prime.shareFamily() })
    : shareActor({
        ...deps,
        maxBatch: t.shareBatch,
        family: () => hashFamily({ hasher, subsidySats: coin.subsidySats }),
      });
  const share = rt.spawn('share', cfg.nodeId, factory, {
    validate: validateShareMessage,
    remote: false,
    mailbox: { capacity: t.shareMailbox },
  });
  rt.subscribe(at.jobsTopic, share);
  return share;
}

export function startJob(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  at: NodeAddresses,
  ledger: NodeLedger,
  leaseTtlMs: number,
  onCoinNodes: CoinNodesListener,
  adopt: () => readonly Job[],
): Promise<Address> {
  return rt.singleton(
    'job',
    cfg.coin,
    jobActor(
      jobConfig(cfg, coin, ledger, {
        onCoinNodes,
        adopt,
        publish: (a) => rt.publish(at.jobsTopic, a),
        toBlock: (job) => {
          // Every node's submitter keeps the full jobs, so a candidate never waits for the bus.
          // The Block leader only follows found blocks: it is not sent every job (a candidate
          // an older node still sends it asks the Job actor for its job).
          try {
            rt.publish(at.fullJobsTopic, { type: 'job.full', job });
          } catch (err) {
            rt.log.warn({ err }, 'full job not published to the block submitters');
          }
        },
      }),
    ),
    { validate: validateJobRequest, leaseTtlMs },
  );
}

/** The Job actor's settings from the config, with where its jobs go. */
export function jobConfig(
  cfg: NodeConfig,
  coin: CoinParts,
  ledger: NodeLedger,
  sends: Pick<JobActorConfig, 'publish' | 'toBlock' | 'onCoinNodes' | 'adopt'> & {
    readonly idPrefix?: string;
  },
): JobActorConfig {
  const t = cfg.tuning;
  return {
    coin: cfg.coin,
    family: coin.family,
    nodes: [...coin.nodes],
    job: {
      extranonce1Size: 4,
      extranonce2Size: cfg.extranonce2Size,
      coinbase: defaultCoinbaseLayout(cfg.poolTag),
      lockTime: 'height-minus-one',
      versionRollingMask: coin.prime ? 0 : cfg.versionMask,
      ...(coin.prime ? { prime: coin.prime.jobRules } : {}),
    },
    outputs: (value) => ledger.outputs(value),
    refreshMs: cfg.refreshSeconds * 1000,
    pollMs: cfg.pollMs,
    longpollMs: t.longpollSeconds * 1000,
    rpcTimeoutMs: t.rpcTimeoutSeconds * 1000,
    keepJobs: t.keepJobs,
    rules: coin.prime ? [] : ['segwit'],
    ...sends,
  };
}

export function startBlock(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  at: NodeAddresses,
  w: {
    nc: NatsConnection;
    ledger: NodeLedger;
    blockLog: BlockLog;
    leaseTtlMs: number;
    followMs: number;
    maturity: number;
    /** The node keys the cluster trusts: block records not signed by one are not followed. */
    trust: RecordTrust;
  },
): Promise<Address> {
  const t = cfg.tuning;
  return rt.singleton(
    'block',
    cfg.coin,
    blockActor({
      coin: cfg.coin,
      nodes: [...coin.nodes],
      job: at.job,
      keepJobs: t.keepJobs,
      keepBlocks: t.keepBlocks,
      followMs: w.followMs,
      maturity: w.maturity,
      rpcTimeoutMs: t.rpcTimeoutSeconds * 1000,
      subsidySats: coin.subsidySats,
      restore: () => openBlocks(w.nc, cfg.cluster, cfg.coin, w.trust),
      onEvent: (e) => {
        if (e.kind === 'found') w.ledger.noteFound(e.block.hash, e.block.coinbasePaid);
        w.blockLog.record(e);
      },
    }),
    { validate: validateBlockMessage, leaseTtlMs: w.leaseTtlMs },
  );
}
