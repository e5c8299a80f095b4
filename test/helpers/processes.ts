// Node processes for benches and drills: a child `node` process whose output is kept (the last
// 20 KB), stopped with SIGTERM (SIGKILL after 15 s) and killed when this process exits however
// it exits; `colliery start` as such a child, ready once a Stratum client gets its first job;
// the devnet in a child (test/bench/devnet-child.ts); and a process's RSS and CPU seconds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './nats-server.js';
import { repoRoot, testDataDir } from './paths.js';
import { LoadClient, newLoadStats } from './stratum-load.js';

export const CLI = join(repoRoot, 'dist', 'topology', 'cli.js');
const DEVNET_CHILD = join(repoRoot, 'dist', 'test', 'bench', 'devnet-child.js');
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface Child {
  readonly child: ChildProcess;
  readonly pid: number;
  log(): string;
  /** SIGTERM (a node drains), SIGKILL after 15 s; resolves once it exited. */
  stop(): Promise<void>;
  /** kill -9, and resolves once it exited. */
  kill(): Promise<void>;
}

/**
 * `node args` as a child. With `openFiles`, it runs under that open-file limit (soft and hard,
 * set by util-linux's prlimit, which then execs node: same pid); see canGiveOpenFiles.
 */
export function spawnChild(
  args: string[],
  stdin: 'ignore' | 'pipe' = 'ignore',
  openFiles?: number,
): Child {
  const [command, argv] =
    openFiles === undefined
      ? [process.execPath, args]
      : ['prlimit', [`--nofile=${openFiles}:${openFiles}`, '--', process.execPath, ...args]];
  const child = spawn(command, argv, { stdio: [stdin, 'pipe', 'pipe'], cwd: repoRoot });
  children.add(child);
  let out = '';
  const keep = (d: Buffer): void => void (out = (out + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => (children.delete(child), r())));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid as number,
    log: () => out,
    stop: async () => {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Whether children can be given `openFiles` (spawnChild): tried, since raising a hard limit
 * takes CAP_SYS_RESOURCE, which root in a container may lack.
 */
export function canGiveOpenFiles(openFiles: number): boolean {
  try {
    execFileSync('prlimit', [`--nofile=${openFiles}:${openFiles}`, '--', 'true'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` runs (not gone, not a zombie waiting for its reaper). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** How many files `pid` has open (its sockets among them), or NaN once it is gone. */
export function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}

/**
 * CPU seconds each group of processes uses from now on: the returned function gives, per
 * group, what its processes used since this call (a process gone meanwhile counts as 0).
 */
export function cpuSince<K extends string>(
  groups: Readonly<Record<K, readonly number[]>>,
): () => Record<K, number> {
  const keys = Object.keys(groups) as K[];
  const at = keys.map((k) => cpuSecondsOf(groups[k]));
  return () => {
    const used = keys.map((k, i) => [k, cpuSecondsOf(groups[k]) - at[i]!]);
    return Object.fromEntries(used) as Record<K, number>;
  };
}

/** CPU seconds the whole machine has been busy (every busy state of /proc/stat's cpu line). */
export function machineCpuSeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const t = line.trim().split(/\s+/).slice(1).map(Number); // user nice system idle iowait irq …
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (t[i] ?? 0), 0);
  return busy / CLK_TCK;
}

/** `pid` and its children (a node of several processes, say), by parent pid. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid)
        tree.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return tree;
}

/** CPU seconds of `pid` and its children now (children that exited are not counted). */
export function treeCpuSeconds(pid: number): number {
  return cpuSecondsOf(processTree(pid));
}

/** CPU seconds of `pids` now, together (a process that exited counts as 0). */
function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((t, pid) => {
    try {
      return t + cpuSeconds(pid);
    } catch {
      return t;
    }
  }, 0);
}

export interface NodeChildOptions {
  readonly natsUrls: readonly string[];
  readonly rpcUrl: string;
  readonly cluster: string;
  readonly nodeId: string;
  readonly poolAddress: string;
  /** Default: a fresh folder under the test data dir. */
  readonly dataDir?: string;
  /** More `colliery start` flags. */
  readonly flags?: readonly string[];
  /** Node flags before the CLI (--cpu-prof, --import …). */
  readonly nodeFlags?: readonly string[];
  /** Connect from this address for the readiness probe (default 127.0.0.1). */
  readonly probeFrom?: string;
}

/** `colliery start` in a child process; resolves once a Stratum client gets its first job. */
export async function startNodeChild(o: NodeChildOptions): Promise<Child & { port: number }> {
  const port = await freePort();
  const node = spawnChild([
    ...(o.nodeFlags ?? []),
    CLI,
    'start',
    ...['--coin', 'bitcoin-regtest', '--rpc', o.rpcUrl, '--pool-address', o.poolAddress],
    ...['--nats', o.natsUrls.join(','), '--cluster', o.cluster, '--node-id', o.nodeId],
    ...['--data', o.dataDir ?? testDataDir()],
    ...['--stratum', `127.0.0.1:${port}`, '--verifier-threads', '1'],
    ...['--max-connections-per-ip', '100000', '--log-level', 'warn', ...(o.flags ?? [])],
  ]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (node.child.exitCode !== null) throw new Error(`node ${o.nodeId} exited:\n${node.log()}`);
    try {
      const probe = await LoadClient.open({
        host: '127.0.0.1',
        port,
        username: `${o.poolAddress}.probe`,
        stats: newLoadStats(),
        handshakeTimeoutMs: 5_000,
      });
      probe.close();
      return { ...node, port };
    } catch {
      if (Date.now() > deadline)
        throw new Error(`node ${o.nodeId} never served a job:\n${node.log()}`);
      await sleep(250);
    }
  }
}

/** Moves a process to SCHED_BATCH (util-linux chrt): its wakeups do not preempt the node's. */
export function batchScheduled(pid: number): boolean {
  try {
    execFileSync('chrt', ['--all-tasks', '--batch', '--pid', '0', String(pid)], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The devnet in a child process (test/bench/devnet-child.ts; regtest difficulty unless `bits`); resolves with
 * its RPC URL and the CLOCK_MONOTONIC times (ns) at which its submitblock requests arrived.
 */
export async function startDevnetChild(
  /** Network bits (default regtest's 0x207fffff). */
  bits?: number,
): Promise<Child & { url: string; arrivals: bigint[]; batch: boolean }> {
  const port = await freePort();
  const child = spawnChild([
    DEVNET_CHILD,
    String(port),
    ...(bits === undefined ? [] : [bits.toString(16)]),
  ]);
  const arrivals: bigint[] = [];
  let tail = '';
  child.child.stdout?.on('data', (d: Buffer) => {
    const lines = (tail + d.toString()).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^submitblock (\d+)$/.exec(line);
      if (m) arrivals.push(BigInt(m[1] as string));
    }
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /devnet listening: (\S+)/.exec(child.log());
    if (m) return { ...child, url: m[1] as string, arrivals, batch: batchScheduled(child.pid) };
    if (child.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`devnet did not start:\n${child.log()}`);
    await sleep(50);
  }
}
