// One machine's node as several processes (`colliery start --processes N`): a node's event loop
// is one core (framing, sessions, the Share actor's batching, the log), so a machine with more
// cores runs more of them. A thin supervisor (node:cluster's primary) owns the Stratum listening
// sockets and deals accepted connections to its processes in turn; each process is a whole
// node on the bus with its own id, extranonce prefix, registry entry and Share actor, so the
// cluster sees N nodes, as if N machines had been started. Process 0 is the node as configured
// (its id, ledger replica, /metrics and --http); process k ≥ 1 is `<id>-p<k>` with no ledger
// replica (`--ledger off`: process 0 or the cluster's ledger nodes keep it), /metrics on the
// metrics port + k, and no --http. The supervisor forwards SIGTERM/SIGINT (every process
// drains), restarts a process that dies, and exits when all have drained.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { NodeConfig } from './config.js';

/** The environment variable that tells a forked process its index. */
export const PROCESS_ENV = 'COLLIERY_PROCESS';

/** A process that dies this soon after it started is restarted after a growing pause. */
const HEALTHY_MS = 30_000;
const MAX_RESTART_PAUSE_MS = 30_000;

/** How many processes `cfg` asks for (0: one per core). */
export function processCount(cfg: Pick<NodeConfig, 'processes'>): number {
  return cfg.processes === 0 ? availableParallelism() : cfg.processes;
}

/** This process's index when a supervisor forked it; null in a node of one process. */
export function processIndex(env: NodeJS.ProcessEnv = process.env): number | null {
  const v = env[PROCESS_ENV];
  if (v === undefined || !cluster.isWorker) return null;
  const k = Number(v);
  return Number.isInteger(k) && k >= 0 ? k : null;
}

/** The node that process `k` of `cfg`'s machine runs. */
export function processConfig(cfg: NodeConfig, k: number): NodeConfig {
  // Verifier threads by default share the cores the processes' event loops leave (at least one
  // each): one per core but one would put N × (cores − 1) threads on the machine.
  const n = processCount(cfg);
  const verifierThreads =
    cfg.verifierThreads === 0
      ? Math.max(1, Math.floor((availableParallelism() - n) / n))
      : cfg.verifierThreads;
  if (k === 0) return { ...cfg, verifierThreads };
  return {
    ...cfg,
    verifierThreads,
    nodeId: `${cfg.nodeId}-p${k}`,
    ledger: 'off',
    http: null,
    metrics:
      cfg.metrics === null
        ? null
        : { host: cfg.metrics.host, port: cfg.metrics.port === 0 ? 0 : cfg.metrics.port + k },
  };
}

/**
 * The supervisor: forks the processes, restarts those that die, and on SIGTERM/SIGINT has every
 * process drain; resolves with 0 once all exited 0 after the signal (1 if any did not).
 */
export function superviseProcesses(cfg: NodeConfig, log: Logger): Promise<number> {
  const n = processCount(cfg);
  const workers = new Map<number, { worker: Worker; startedAtMs: number }>();
  const pauses = new Map<number, number>();
  let stopping: NodeJS.Signals | null = null;
  let failed = false;
  log.info({ processes: n, node: cfg.nodeId }, 'starting the node as several processes');

  return new Promise((resolve) => {
    const fork = (k: number): void => {
      const worker = cluster.fork({ [PROCESS_ENV]: String(k) });
      workers.set(k, { worker, startedAtMs: Date.now() });
      worker.on('exit', (code, signal) => {
        const started = workers.get(k);
        workers.delete(k);
        if (stopping !== null) {
          if (code !== 0) {
            failed = true;
            log.error({ process: k, code, signal }, 'a process ended its drain badly');
          }
          if (workers.size === 0) resolve(failed ? 1 : 0);
          return;
        }
        const ranMs = Date.now() - (started?.startedAtMs ?? Date.now());
        const pause =
          ranMs >= HEALTHY_MS
            ? 0
            : Math.min(MAX_RESTART_PAUSE_MS, Math.max(1_000, (pauses.get(k) ?? 0) * 2));
        pauses.set(k, pause);
        log.error(
          { process: k, code, signal, restartInMs: pause },
          'a process of this node died; starting it again',
        );
        setTimeout(() => {
          if (stopping === null) fork(k);
        }, pause).unref();
      });
    };
    for (let k = 0; k < n; k++) fork(k);

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping !== null) {
        // A second signal: the processes take it too (theirs exit at once on a repeat).
        for (const { worker } of workers.values()) worker.process.kill(signal);
        return;
      }
      stopping = signal;
      log.info({ signal, processes: workers.size }, 'draining every process');
      if (workers.size === 0) return resolve(0);
      for (const { worker } of workers.values()) worker.process.kill(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
