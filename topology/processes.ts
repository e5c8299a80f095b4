// One machine's node as several processes (`colliery start --processes N`): a node's event loop
// is one core (framing, sessions, the Share actor's batching, the log), so a machine with more
// cores runs more of them. A thin supervisor forks them; each binds the Stratum port itself with
// SO_REUSEPORT (native bindReusePort), and the kernel spreads new connections over their
// listeners by a hash of the connection's addresses, so no process hands sockets to another (a
// node:cluster primary accepting and passing every socket over IPC halved the handshakes a
// cluster answered in a reconnect storm). Each process is a whole node on the bus with its own
// id, extranonce prefix, registry entry and Share actor, so the cluster sees N nodes, as if N
// machines had been started. Process 0 is the node as configured (its id, ledger replica,
// /metrics and --http); process k ≥ 1 is `<id>-p<k>` with no ledger replica (`--ledger off`:
// process 0 or the cluster's ledger nodes keep it), /metrics on the metrics port + k, and no
// --http. The supervisor forwards SIGTERM/SIGINT (every process drains), restarts a process that
// dies, and exits when all have drained; a process whose supervisor is gone drains and exits.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { bindReusePort } from '../native/index.js';
import type { NodeConfig } from './config.js';

/** The environment variable that tells a forked process its index. */
export const PROCESS_ENV = 'COLLIERY_PROCESS';
/** The Stratum ports (plain, TLS; 0: none) the supervisor holds, for a configured port 0. */
export const PORTS_ENV = 'COLLIERY_PROCESS_PORTS';

/** A process that dies this soon after it started is restarted after a growing pause. */
const HEALTHY_MS = 30_000;
const MAX_RESTART_PAUSE_MS = 30_000;

/** How many processes `cfg` asks for (0: one per core). */
export function processCount(cfg: Pick<NodeConfig, 'processes'>): number {
  return cfg.processes === 0 ? availableParallelism() : cfg.processes;
}

/**
 * Whether `cfg`'s node runs as several processes under a supervisor, each binding the Stratum
 * port with SO_REUSEPORT (one process on one core with `--processes 0`: no supervisor, no option).
 */
export function severalProcesses(cfg: Pick<NodeConfig, 'processes'>): boolean {
  return processCount(cfg) > 1;
}

/** This process's index when a supervisor forked it (with an IPC channel); null otherwise. */
export function processIndex(
  env: NodeJS.ProcessEnv = process.env,
  forked = typeof process.send === 'function',
): number | null {
  const v = env[PROCESS_ENV];
  if (v === undefined || !forked) return null;
  const k = Number(v);
  return Number.isInteger(k) && k >= 0 ? k : null;
}

/** The node that process `k` of `cfg`'s machine runs (`env`: what its supervisor set). */
export function processConfig(
  cfg: NodeConfig,
  k: number,
  env: NodeJS.ProcessEnv = process.env,
): NodeConfig {
  // Verifier threads by default share the cores the processes' event loops leave (at least one
  // each): one per core but one would put N × (cores − 1) threads on the machine.
  const n = processCount(cfg);
  const verifierThreads =
    cfg.verifierThreads === 0
      ? Math.max(1, Math.floor((availableParallelism() - n) / n))
      : cfg.verifierThreads;
  const [plain, tls] = (env[PORTS_ENV] ?? '').split(',').map(Number);
  const ports: Partial<NodeConfig> = {
    ...(cfg.stratumPort === 0 && plain ? { stratumPort: plain } : {}),
    ...(cfg.stratumTls?.port === 0 && tls ? { stratumTls: { ...cfg.stratumTls, port: tls } } : {}),
  };
  // --drain-rate is the node's pace: each process tells its own miners to move, at its share.
  const tuning = { ...cfg.tuning, drainRate: cfg.tuning.drainRate / n };
  if (k === 0) return { ...cfg, ...ports, verifierThreads, tuning };
  return {
    ...cfg,
    ...ports,
    verifierThreads,
    tuning,
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
 * process drain; resolves with 0 once all exited 0 after the signal (1 if any did not). First it
 * holds the Stratum ports (holdPorts): a port another program listens on is refused here, once,
 * rather than by every process in turn, restarted forever.
 */
export async function superviseProcesses(cfg: NodeConfig, log: Logger): Promise<number> {
  const n = processCount(cfg);
  const ports = await holdPorts(cfg);
  const workers = new Map<number, { child: ChildProcess; startedAtMs: number }>();
  const pauses = new Map<number, number>();
  let stopping: NodeJS.Signals | null = null;
  let failed = false;
  log.info(
    { processes: n, node: cfg.nodeId, ports: ports.env },
    'starting the node as several processes',
  );

  return new Promise((resolve) => {
    const start = (k: number): void => {
      const child = fork(process.argv[1] as string, process.argv.slice(2), {
        env: {
          ...process.env,
          [PROCESS_ENV]: String(k),
          [PORTS_ENV]: ports.env,
        },
        execArgv: process.execArgv,
      });
      workers.set(k, { child, startedAtMs: Date.now() });
      child.on('exit', (code, signal) => {
        const started = workers.get(k);
        workers.delete(k);
        if (stopping !== null) {
          if (code !== 0) {
            failed = true;
            log.error({ process: k, code, signal }, 'a process ended its drain badly');
          }
          if (workers.size === 0) {
            ports.close();
            resolve(failed ? 1 : 0);
          }
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
          if (stopping === null) start(k);
        }, pause).unref();
      });
    };
    for (let k = 0; k < n; k++) start(k);

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping !== null) {
        // A second signal: the processes take it too (theirs exit at once on a repeat).
        for (const { child } of workers.values()) child.kill(signal);
        return;
      }
      stopping = signal;
      log.info({ signal, processes: workers.size }, 'draining every process');
      if (workers.size === 0) {
        ports.close();
        return resolve(0);
      }
      for (const { child } of workers.values()) child.kill(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * The node's Stratum ports, held by the supervisor for its life: bound with SO_REUSEPORT but not
 * listening (so no connection waits on it), which its processes bind beside it. A port
 * configured as 0 is chosen here, once. A port some other program listens on already is refused
 * (with SO_REUSEPORT on both sides, another node of several processes would otherwise share it
 * without a word).
 */
async function holdPorts(cfg: NodeConfig): Promise<{ env: string; close(): void }> {
  const held: number[] = [];
  const close = (): void => {
    for (const fd of held.splice(0)) closeSync(fd);
  };
  const hold = async (host: string, port: number): Promise<number> => {
    const numeric = numericHost(host);
    if (port !== 0) await assertFree(numeric, port);
    const bound = bindReusePort(numeric, port, false, 0);
    held.push(bound.fd);
    return bound.port;
  };
  try {
    const plain = await hold(cfg.stratumHost, cfg.stratumPort);
    const tls = cfg.stratumTls ? await hold(cfg.stratumTls.host, cfg.stratumTls.port) : 0;
    return { env: `${plain},${tls}`, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** Throws when something listens on host:port already (a listener of our own is tried). */
async function assertFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    throw new Error(`Stratum port ${host}:${port} is taken (${code}): is another node on it?`);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** A listen host as bindReusePort takes it: numeric (`localhost` is the IPv4 loopback). */
export function numericHost(host: string): string {
  if (isIP(host) !== 0) return host;
  if (host === 'localhost') return '127.0.0.1';
  throw new Error(
    `--processes needs a numeric Stratum listen address (each process binds it): not ${host}`,
  );
}
