// A whole Colliery cluster as child processes, for drills, benches and the larger tests: a
// JetStream cluster of `natsServers` nats-servers (test/helpers/nats-server.ts), the devnet coin
// node in a child (startDevnetChild, at network difficulty 1 by default: a hashless load harness
// finds no block), `nodes` pool nodes (`colliery start --ledger off`, the share log replicated
// `logReplicas` times, share difficulty pinned) and one ledger node (`colliery ledger run`). A
// pool node keeps its port, node id and data folder across stop()/kill() and start(), as a
// restarted server would; the share log is read from this process (shares counted, each record
// once by its id) and the ledger through the CLI (`colliery ledger balances|verify --json`).
//   const c = await startPoolCluster({ nodes: 3 });
//   c.targets                         → [{ host, port }] of every pool node, for startLoadFleet
//   await c.nodes[0].kill();          kill -9;   await c.nodes[0].start();   same port, id, data
//   await c.nodes[1].stop();          SIGTERM: the node drains (SIGKILL after graceMs, 60 s)
//   await c.logShares();              { shares, records, lastSeq } in the log so far
//   await c.settleLedger();           waits until the ledger node applied the coin's whole log
//   await c.verifyLedger();           `colliery ledger verify --json` on the ledger node's data
//   await c.stop();
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';
import {
  decodeRecord,
  lastCoinSeq,
  logStreamName,
  logSubject,
} from '../../actors/shared/log-stream.js';
import { runCli } from './cli.js';
import type { HarnessTarget } from './load-harness.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { freePort, startNatsCluster, type NatsCluster, type NatsServer } from './nats-server.js';
import { testDataDir } from './paths.js';
import {
  CLI,
  isRunning,
  processTree,
  spawnChild,
  startDevnetChild,
  type Child,
} from './processes.js';
import { LoadClient, newLoadStats } from './stratum-load.js';

export const CLUSTER_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const COIN = 'bitcoin-regtest';
/** The lowest share difficulty the config accepts: all but 1 hash in 65,536 is a share. */
export const MIN_SHARE_DIFFICULTY = 2 ** -32;

export interface PoolClusterOptions {
  /** Pool nodes (`colliery start` children), p1 … pN. */
  readonly nodes: number;
  /** The cluster's name (default 'drill'). */
  readonly cluster?: string;
  /** nats-servers in the JetStream cluster (default 3). */
  readonly natsServers?: number;
  /** Share log replicas (default: min(3, natsServers)). */
  readonly logReplicas?: number;
  /** --max-connections of each pool node (default 19,000: the open-file limit here less 5 %). */
  readonly maxConnections?: number;
  /**
   * The pool nodes' open-file limit (soft and hard, by prlimit; see canGiveOpenFiles), as a
   * systemd unit's LimitNOFILE would set it. Default: this process's.
   */
  readonly openFiles?: number;
  /** Processes per pool node (`--processes`, topology/processes.ts; default 1). */
  readonly processes?: number;
  /** Share difficulty, pinned (start = min = max; default 2^-32). */
  readonly shareDifficulty?: number;
  /** The devnet's fixed network difficulty (default 1, bits 1d00ffff: no block at 2^-32 shares). */
  readonly networkDifficulty?: number;
  /** Start the ledger node L1 (default true). */
  readonly ledgerNode?: boolean;
  /** More `colliery start` flags for every pool node. */
  readonly nodeFlags?: readonly string[];
  /** More `colliery ledger run` flags. */
  readonly ledgerFlags?: readonly string[];
  /** Node flags before the CLI of pool nodes (--cpu-prof …). */
  readonly nodeArgs?: readonly string[];
}

export interface PoolNodeChild {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  /** Where the load harness reaches it. */
  readonly target: HarnessTarget;
  /** The running process's pid (the supervisor of a node of several), or null while it is down. */
  pid(): number | null;
  /** Every process of the node now: the pid and, for a node of several, its processes. */
  pids(): number[];
  running(): boolean;
  /** The current (or last) process's output, its last 20 KB. */
  log(): string;
  /** Starts it (again) on its port, node id and data folder; resolves once a client gets a job. */
  start(): Promise<void>;
  /** SIGTERM (the node drains), SIGKILL after graceMs (default 60 s); resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9 of every process of the node at once; resolves once they all exited. */
  kill(): Promise<void>;
}

export interface LedgerVerify {
  readonly ok: boolean;
  readonly lastApplied: number;
  readonly logEnd: number;
  readonly shares: number;
  readonly quarantined: number;
  readonly differences: readonly unknown[];
}

export interface LedgerNodeChild {
  readonly id: string;
  readonly dataDir: string;
  pid(): number | null;
  log(): string;
  /** The log sequence its replica applied (`colliery ledger balances --json`), 0 before any. */
  applied(): Promise<number>;
  stop(): Promise<void>;
}

export interface LoggedCount {
  /** Shares in the share log (each record counted once, by its id). */
  readonly shares: number;
  /** Share records. */
  readonly records: number;
  /** The last sequence read. */
  readonly lastSeq: number;
}

export interface PoolCluster {
  readonly name: string;
  readonly nats: NatsCluster;
  /** The devnet child (test/bench/devnet-child.ts via startDevnetChild). */
  readonly devnet: Child & { url: string };
  readonly nodes: readonly PoolNodeChild[];
  readonly ledger: LedgerNodeChild | null;
  readonly targets: readonly HarnessTarget[];
  /** The coin's newest record in the log (what the ledger must apply). */
  logEnd(): Promise<number>;
  /** Shares in the log so far; reads only what is new since the last call. */
  logShares(): Promise<LoggedCount>;
  /** Waits until the ledger node applied the coin's whole log; resolves with its sequence. */
  settleLedger(timeoutMs?: number): Promise<number>;
  /** `colliery ledger verify --json` on the ledger node's data (it keeps running). */
  verifyLedger(): Promise<LedgerVerify>;
  /** The nats-server leading the share log stream now (JetStream's stream leader). */
  logLeader(): Promise<NatsServer | undefined>;
  /** Stops every process it started (pool nodes drain briefly), removes the NATS stores. */
  stop(): Promise<void>;
}

/** SIGTERM, SIGKILL after graceMs; resolves once the child exited. */
async function stopChild(child: Child, graceMs: number): Promise<void> {
  const c = child.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Waits until a Stratum client on host:port gets its first job (the node serves). */
async function untilServing(
  child: Child,
  port: number,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.child.exitCode !== null || child.child.signalCode !== null)
      throw new Error(`${what} exited:\n${child.log()}`);
    try {
      const probe = await LoadClient.open({
        host: '127.0.0.1',
        port,
        username: `${CLUSTER_ADDRESS}.probe`,
        stats: newLoadStats(),
        handshakeTimeoutMs: 5_000,
      });
      probe.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} never served a job:\n${child.log()}`);
      await sleep(250);
    }
  }
}

function poolNode(
  id: string,
  port: number,
  common: readonly string[],
  o: PoolClusterOptions,
): PoolNodeChild {
  const dataDir = testDataDir();
  const d = String(o.shareDifficulty ?? MIN_SHARE_DIFFICULTY);
  const args = [
    ...(o.nodeArgs ?? []),
    CLI,
    'start',
    ...common,
    ...['--node-id', id, '--data', dataDir, '--stratum', `127.0.0.1:${port}`],
    ...['--ledger', 'off', '--verifier-threads', '1'],
    ...['--max-connections', String(o.maxConnections ?? 19_000)],
    ...['--max-connections-per-ip', '1000000'],
    ...(o.processes !== undefined && o.processes > 1 ? ['--processes', String(o.processes)] : []),
    ...['--start-difficulty', d, '--min-difficulty', d, '--max-difficulty', d],
    ...(o.nodeFlags ?? []),
  ];
  let child: Child | null = null;
  const up = (): boolean =>
    child !== null && child.child.exitCode === null && child.child.signalCode === null;
  return {
    id,
    port,
    dataDir,
    target: { host: '127.0.0.1', port },
    pid: () => (up() ? (child as Child).pid : null),
    pids: () => (up() ? processTree((child as Child).pid) : []),
    running: up,
    log: () => child?.log() ?? '',
    async start() {
      if (up()) throw new Error(`pool node ${id} is running`);
      const c = spawnChild(args, 'ignore', o.openFiles);
      child = c;
      await untilServing(c, port, `pool node ${id}`);
    },
    stop: (graceMs = 60_000) => (child === null ? Promise.resolve() : stopChild(child, graceMs)),
    async kill() {
      if (!up()) return;
      // All at once, as a machine or a cgroup dies: a node's processes would otherwise exit
      // by themselves when their supervisor is gone, after running their exit hooks.
      const tree = processTree((child as Child).pid);
      for (const pid of tree.slice(1)) process.kill(pid, 'SIGKILL');
      await (child as Child).kill();
      while (tree.slice(1).some(isRunning)) await sleep(20);
    },
  };
}

export async function startPoolCluster(o: PoolClusterOptions): Promise<PoolCluster> {
  const name = o.cluster ?? 'drill';
  const natsServers = o.natsServers ?? 3;
  const replicas = o.logReplicas ?? Math.min(3, natsServers);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const nats = await startNatsCluster({ size: natsServers });
    started.push(nats);
    const devnet = await startDevnetChild(
      bitsFromTarget(shareTargetFromDifficulty(o.networkDifficulty ?? 1)),
    );
    started.push({ stop: () => stopChild(devnet, 10_000) });
    const devnetUrl = devnet.url;
    const common = [
      ...['--coin', COIN, '--rpc', devnetUrl, '--pool-address', CLUSTER_ADDRESS],
      ...['--nats', nats.urls.join(','), '--cluster', name, '--log-replicas', String(replicas)],
      ...['--log-level', 'warn'],
    ];
    const nodes: PoolNodeChild[] = [];
    for (let i = 1; i <= o.nodes; i++) nodes.push(poolNode(`p${i}`, await freePort(), common, o));
    started.push({ stop: () => Promise.all(nodes.map((n) => n.stop(20_000))).then(() => {}) });
    // The first node creates the log stream (replicated), then the rest start side by side.
    await nodes[0]?.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));

    let ledger: LedgerNodeChild | null = null;
    const ledgerData = testDataDir();
    const ledgerArgs = [...common, '--node-id', 'L1', '--data', ledgerData];
    if (o.ledgerNode ?? true) {
      const child = spawnChild([CLI, 'ledger', 'run', ...ledgerArgs, ...(o.ledgerFlags ?? [])]);
      started.push({ stop: () => stopChild(child, 30_000) });
      const applied = async (): Promise<number> => {
        const r = await runCli(['ledger', 'balances', '--json', ...ledgerArgs]);
        return r.status === 0 ? (JSON.parse(r.stdout) as { lastApplied: number }).lastApplied : 0;
      };
      ledger = {
        id: 'L1',
        dataDir: ledgerData,
        pid: () => (child.child.exitCode === null ? child.pid : null),
        log: () => child.log(),
        applied,
        stop: () => stopChild(child, 30_000),
      };
      for (const deadline = Date.now() + 60_000; ;) {
        const r = await runCli(['ledger', 'balances', '--json', ...ledgerArgs]);
        if (r.status === 0) break;
        if (child.child.exitCode !== null || Date.now() > deadline)
          throw new Error(`ledger node did not start:\n${child.log()}\n${r.stderr}`);
        await sleep(500);
      }
    }

    const nc: NatsConnection = await connect({ servers: nats.urls, name: 'cluster-helper' });
    started.push({ stop: () => nc.close() });
    const seen = new Set<string>();
    let count = { shares: 0, records: 0, lastSeq: 0 };
    const logEnd = () => lastCoinSeq(nc, name, COIN);
    const cluster: PoolCluster = {
      name,
      nats,
      devnet,
      nodes,
      ledger,
      targets: nodes.map((n) => n.target),
      logEnd,
      async logShares() {
        let { shares, records, lastSeq } = count;
        const endSeq = await lastCoinSeq(nc, name, COIN, ['shares']);
        if (endSeq <= lastSeq) return count;
        // Pulls bounded in bytes, not messages: a record of a busy node holds thousands of
        // shares (~170 KB), and 256 of them in one pull pass the server's 64 MB pending limit
        // for a client (it then cuts the connection as a slow consumer).
        const consumer = await jetstream(nc, { timeout: 10_000 }).consumers.get(
          logStreamName(name),
          {
            filter_subjects: logSubject(name, COIN, 'shares'),
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: lastSeq + 1,
          },
        );
        const messages = await consumer.consume({ max_bytes: 8 * 1024 * 1024, expires: 5_000 });
        try {
          for await (const m of messages) {
            lastSeq = m.seq;
            const r = decodeRecord(m.data) as ShareBatchRecord;
            if (!seen.has(r.id)) {
              seen.add(r.id);
              records++;
              shares += r.shares.length;
            }
            if (m.seq >= endSeq || m.info.pending === 0) break;
          }
        } finally {
          await messages.close();
        }
        count = { shares, records, lastSeq };
        return count;
      },
      async settleLedger(timeoutMs = 300_000) {
        if (ledger === null) throw new Error('no ledger node');
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const end = await logEnd();
          const at = await ledger.applied();
          if (at >= end) return at;
          if (Date.now() > deadline)
            throw new Error(`the ledger node applied ${at} of ${end}:\n${ledger.log()}`);
          await sleep(1_000);
        }
      },
      async verifyLedger() {
        if (ledger === null) throw new Error('no ledger node');
        const r = await runCli(['ledger', 'verify', '--json', ...ledgerArgs], 1_800_000);
        if (r.status !== 0 && r.status !== 1)
          throw new Error(`ledger verify exited ${r.status}: ${r.stderr}`);
        return JSON.parse(r.stdout) as LedgerVerify;
      },
      async logLeader() {
        const jsm = await jetstreamManager(nc);
        const leader = (await jsm.streams.info(logStreamName(name))).cluster?.leader;
        return nats.servers.find((s) => s.name === leader);
      },
      stop: stopAll,
    };
    return cluster;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
