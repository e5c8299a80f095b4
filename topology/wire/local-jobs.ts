// While the bus is away, a node keeps its miners on fresh work by itself: a Job actor of its own
// (local, not the cluster's singleton) fetches templates from this node's coin-node connections
// and hands jobs to this node's Share actor, Stratum sessions and block submitter only (the
// runtime's local fan-out, no NATS). Its job ids start with `l`, which no leader's take, and the
// extranonce space is the node's own prefix, so no other node's work is repeated. It starts a
// few seconds into an outage and stops when the bus is back, when the leader's jobs take over.
// It carries on the leader's jobs this node heard (its block submitter keeps them): on an
// unchanged tip its miners keep the work they have instead of a clean job.
import type { Address, Runtime } from '../../runtime/index.js';
import { jobActor, validateJobRequest } from '../../actors/job/index.js';
import type { CoinNodesListener, Job } from '../../actors/job/index.js';
import type { NodeConfig } from '../config.js';
import type { NodeAddresses } from './actors.js';
import { jobConfig } from './actors.js';
import type { CoinParts } from './coin.js';
import type { NodeLedger } from './ledger.js';

/** An outage shorter than this is ridden out on the jobs miners have. */
const GRACE_MS = 3_000;

export interface LocalJobs {
  busDown(): void;
  busUp(): void;
  /** Stops the fallback if it runs (the node stops). */
  stop(): Promise<void>;
}

export function localJobs(
  rt: Runtime,
  cfg: NodeConfig,
  coin: CoinParts,
  at: NodeAddresses,
  ledger: NodeLedger,
  onCoinNodes: CoinNodesListener,
  adopt: () => readonly Job[],
): LocalJobs {
  let running: Address | null = null;
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    if (running !== null || rt.draining) return;
    const idPrefix = `l${Date.now().toString(36)}x`;
    running = rt.spawn(
      'job-local',
      cfg.nodeId,
      jobActor(
        jobConfig(cfg, coin, ledger, {
          idPrefix,
          onCoinNodes,
          adopt,
          publish: (a) => rt.publishLocal(at.jobsTopic, a),
          toBlock: (job) => rt.publishLocal(at.fullJobsTopic, { type: 'job.full', job }),
        }),
      ),
      { validate: validateJobRequest, remote: false },
    );
    rt.log.warn({ idPrefix }, 'bus away: this node makes its own jobs from its coin nodes');
  };
  const stop = async (): Promise<void> => {
    clearTimeout(timer);
    const address = running;
    running = null;
    if (address === null) return;
    await rt.stop(address);
    rt.log.warn("bus back: the cluster's Job leader makes the jobs again");
  };
  return {
    busDown: () => {
      clearTimeout(timer);
      timer = setTimeout(start, GRACE_MS);
      timer.unref();
    },
    busUp: () => void stop(),
    stop,
  };
}
