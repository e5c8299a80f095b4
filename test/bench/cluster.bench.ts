// A cluster on one machine, against baselines measured in the same run (`npm run bench --
// cluster`): a three-server NATS cluster (the share log replicated three times), six pool nodes
// as `colliery start` children keeping no ledger (--ledger off), one ledger node (`colliery
// ledger run`), the devnet in a child, and 100,000 Stratum miners played by the C++ load
// harness (test/bench/load-harness.cc: six processes of at most 19,000 sockets each — the
// open-file hard limit here is 20,000 per process and cannot be raised, which is also why six
// nodes and not five hold 100,000). Difficulty is pinned at 2^-32, so any nonce is a share and
// the harness needs no hashing. Prints:
//   1. memory per idle miner across the cluster (Σ node RSS after a full GC, at half the miners
//      and at all: what each more miner costs, apart from what a node grows once) — goal ≤ 5 KB;
//   2. new-block fan-out to every miner, p50/p99 from the trigger, beside a C++ write loop
//      (test/bench/write-loop.cc) writing a line to the same number of sockets, read by the
//      notify reader on the same cores — goal p99 ≤ 1.3× that floor;
//   3. accepted shares/s of the whole cluster at a steady submit load, beside one node alone
//      (the same miners, 12,000 by default, and the same load) on the same cores, in windows
//      taken in turn (both are up at once, each idle while the other is measured), judged on
//      the median pair — goal ≥ 90 %;
//   4. NATS messages and bytes per accepted share (the three servers' /varz), so the cost at
//      more machines can be computed.
// COLLIERY_BENCH_CLUSTER_MINERS (default 100,000), COLLIERY_BENCH_CLUSTER_NODES (6),
// COLLIERY_BENCH_CLUSTER_RATE (shares/s asked of the harness, default 12,000: a load one node
// sustains here, so the windows compare scale-out and not overload),
// COLLIERY_BENCH_CLUSTER_SHARE_MINERS (12,000), COLLIERY_BENCH_CLUSTER_PAIRS (3);
// COLLIERY_BENCH_ONLY=fanout,shares runs only
// those parts (default both); COLLIERY_BENCH_PROF=DIR has the pool nodes write --cpu-prof
// profiles there (on their graceful exit, for MISS analysis). Memory and fan-out run against a devnet at
// regtest difficulty (generatetoaddress makes the blocks; the miners are idle), the shares
// against one at difficulty 1 (no share is a block). Never fails.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { acceptQueueCap } from '../../topology/accept-queue.js';
import { sendBackend } from '../../native/index.js';
import { DEFAULTS } from '../../topology/config.js';
import { compileCc, quitCc, spawnCc } from '../helpers/cc-child.js';
import {
  fleetOf,
  startLoadFleet,
  type HarnessStats,
  type LoadHarness,
} from '../helpers/load-harness.js';
import { listenOverflows } from '../helpers/kernel.js';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-server.js';
import { startNotifyReader, type NotifyReader } from '../helpers/notify-reader.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import {
  CLI,
  cpuSince,
  machineCpuSeconds,
  rssKb,
  spawnChild,
  startDevnetChild,
  startNodeChild,
  type Child,
} from '../helpers/processes.js';

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const MIN_DIFFICULTY = String(2 ** -32);
const MINERS = Number(process.env['COLLIERY_BENCH_CLUSTER_MINERS'] ?? 100_000);
const NODES = Number(process.env['COLLIERY_BENCH_CLUSTER_NODES'] ?? 6);
const RATE = Number(process.env['COLLIERY_BENCH_CLUSTER_RATE'] ?? 12_000);
/** Miners of the shares runs (both of them: one node alone holds them all). */
const SHARE_MINERS = Number(process.env['COLLIERY_BENCH_CLUSTER_SHARE_MINERS'] ?? 12_000);
const PER_NODE_CAP = 19_000;
const SOURCES = Array.from({ length: 32 }, (_, i) => `127.0.0.${i + 2}`);
const FANOUT_ROUNDS = 3;
/** Blocks before the counted rounds: one past what fills every session's job list. */
const WARMUP_ROUNDS = DEFAULTS.tuning.jobsPerConnection;
const ONLY = new Set((process.env['COLLIERY_BENCH_ONLY'] ?? 'fanout,shares').split(','));
const PROF_DIR = process.env['COLLIERY_BENCH_PROF'];
const WARMUP_MS = 5_000;
const STEADY_MS = 15_000;
/** Windows of one node alone and of the cluster, taken in turn (COLLIERY_BENCH_CLUSTER_PAIRS). */
const SHARE_PAIRS = Number(process.env['COLLIERY_BENCH_CLUSTER_PAIRS'] ?? 3);
/** Preload for node children whose memory is sampled: SIGWINCH → full GC. */
const GC_ON_SIGNAL = [
  '--expose-gc',
  '--require',
  join(repoRoot, 'test', 'bench', 'gc-on-signal.cjs'),
];

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => n.toFixed(n < 10 ? 2 : 1);
const row = (name: string, measured: string, target = '', pass?: boolean): void =>
  console.log(
    `  ${name.padEnd(60)} ${measured.padEnd(40)} ${target.padEnd(12)} ${pass === undefined ? '' : pass ? 'PASS' : 'MISS'}`,
  );
const note = (text: string): void => console.log(`    · ${text}`);
const section = (title: string): void => console.log(`\n${title}`);

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] as number;
}

/** Σ RSS of the pids after each had a full GC (SIGWINCH, see gc-on-signal.cjs), KB. */
async function settledRss(pids: readonly number[]): Promise<number> {
  for (const pid of pids) process.kill(pid, 'SIGWINCH');
  await sleep(1_500);
  return pids.reduce((n, pid) => n + rssKb(pid), 0);
}

/** CPU spent from now on, by process group, in µs per `per` (notified sockets, shares): who paid. */
function cpuMeter(
  parts: Record<string, readonly number[]>,
): (per: number) => { text: string; us: Record<string, number> } {
  const since = cpuSince(parts);
  const machine = machineCpuSeconds();
  return (per) => {
    const used = Object.entries(since());
    const all = machineCpuSeconds() - machine;
    const rest = all - used.reduce((t, [, v]) => t + v, 0);
    const us = Object.fromEntries(
      [...used, ['rest', rest] as const, ['all', all] as const].map(([k, v]) => [
        k,
        (v * 1e6) / per,
      ]),
    );
    const text = Object.entries(us)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(' · ');
    return { text, us };
  };
}

interface Varz {
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
}

async function natsTraffic(nats: NatsCluster): Promise<Varz> {
  const all = await Promise.all(
    nats.servers.map(async (s) => (await (await fetch(`${s.monitorUrl}/varz`)).json()) as Varz),
  );
  const sum = (k: keyof Varz) => all.reduce((n, v) => n + v[k], 0);
  return {
    in_msgs: sum('in_msgs'),
    out_msgs: sum('out_msgs'),
    in_bytes: sum('in_bytes'),
    out_bytes: sum('out_bytes'),
  };
}

interface Cluster {
  readonly nodes: (Child & { port: number })[];
  readonly ledger: Child;
  stop(): Promise<void>;
}

async function startCluster(
  nats: NatsCluster,
  rpcUrl: string,
  name: string,
  count: number,
): Promise<Cluster> {
  const nodes: (Child & { port: number })[] = [];
  const flags = [
    ...['--start-difficulty', MIN_DIFFICULTY, '--min-difficulty', MIN_DIFFICULTY],
    ...['--max-difficulty', MIN_DIFFICULTY, '--log-replicas', '3', '--ledger', 'off'],
    ...['--max-connections', String(PER_NODE_CAP)],
    // No timed template refresh: each notify a fan-out round times is the new block's.
    ...(name === 'idle' ? ['--refresh-seconds', '3600'] : []),
  ];
  const ledger = spawnChild([
    CLI,
    'ledger',
    'run',
    ...['--nats', nats.urls.join(','), '--cluster', name, '--coin', 'bitcoin-regtest'],
    ...['--node-id', `${name}-ledger`, '--data', testDataDir(), '--pool-address', ADDRESS],
    ...['--rpc', rpcUrl, '--log-level', 'warn', '--log-replicas', '3'],
  ]);
  for (let i = 1; i <= count; i++) {
    nodes.push(
      await startNodeChild({
        natsUrls: nats.urls,
        rpcUrl,
        cluster: name,
        nodeId: `${name}-${i}`,
        poolAddress: ADDRESS,
        flags,
        nodeFlags: [
          ...GC_ON_SIGNAL,
          ...(PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`]),
        ],
      }),
    );
  }
  return {
    nodes,
    ledger,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await ledger.stop();
    },
  };
}

// --- 1 + 2: memory and fan-out --------------------------------------------------------------
async function memoryAndFanOut(
  cluster: Cluster,
  rpc: CoinRpc,
  others: { nats: readonly number[]; devnet: number },
): Promise<{ fleet: LoadHarness; p99: number; notifyLine: string }> {
  const pids = cluster.nodes.map((n) => n.pid);
  const before = await settledRss(pids);
  // In two halves, as the pool bench's two notify readers: from none to half the miners a node
  // also grows once (V8's young generation widens to its maximum under the first burst, pools
  // fill), which is per node, not per miner; from half to all is what each more miner costs.
  const half = Math.floor(MINERS / 2);
  const overflows0 = listenOverflows();
  const fleetPart = (n: number, firstIndex: number) =>
    startLoadFleet({
      targets: cluster.nodes.map((x) => ({ host: '127.0.0.1', port: x.port })),
      n,
      firstIndex,
      userPrefix: `${ADDRESS}.w`,
      sources: SOURCES,
      setupSeconds: 300,
    });
  const first = await fleetPart(half, 0);
  const readyHalf = await first.ready();
  const atHalf = await settledRss(pids);
  const second = await fleetPart(MINERS - half, half);
  const fleet = fleetOf([first, second]);
  const ready = await fleet.ready();
  row(
    'miners connected / authorized with a job',
    `${fmt(ready.connected)} / ${fmt(ready.authorized)}`,
  );
  row(
    'time to connect and authorize them (s; each half)',
    `${(readyHalf.ms / 1000).toFixed(1)} + ${((await second.ready()).ms / 1000).toFixed(1)}`,
  );
  const overflows1 = listenOverflows();
  row(
    `  handshakes dropped from full accept queues (net.core.somaxconn ${acceptQueueCap() ?? '?'})`,
    overflows0 === null || overflows1 === null ? '?' : fmt(overflows1 - overflows0),
  );
  const after = await settledRss(pids);
  const added = ready.authorized - readyHalf.authorized;
  const perMiner = ((after - atHalf) * 1024) / Math.max(1, added);
  row(
    `memory per idle miner across ${cluster.nodes.length} nodes (bytes, Σ RSS after GC, half → all)`,
    `${fmt(perMiner)} (Σ ${fmt(atHalf / 1024)} → ${fmt(after / 1024)} MB)`,
    '≤ 5,120',
    perMiner <= 5_120,
  );
  row(
    '  none → half: with what each node grows once (bytes per miner)',
    `${fmt(((atHalf - before) * 1024) / Math.max(1, readyHalf.authorized))} (Σ ${fmt(before / 1024)} → ${fmt(atHalf / 1024)} MB)`,
  );

  section(`2. new-block fan-out to ${fmt(ready.authorized)} miners, from the trigger`);
  const all: number[] = [];
  // The first rounds warm the path up and are not counted: a node in service has sent many jobs
  // before the block that matters, so each session's job list is full (jobs-per-connection) and
  // a new job takes the oldest one's place; until then every job grows 100,000 arrays (JIT and
  // first-time allocations aside).
  for (let round = 1 - WARMUP_ROUNDS; round <= FANOUT_ROUNDS; round++) {
    const { receipts } = await fleet.arm(30_000);
    const cpu = cpuMeter({
      nodes: pids,
      harness: fleet.pids,
      ledger: [cluster.ledger.pid],
      nats: others.nats,
      devnet: [others.devnet],
      bench: [process.pid],
    });
    const t0 = process.hrtime.bigint();
    await rpc.call('generatetoaddress', [1, ADDRESS]);
    const got = (await receipts).filter((r): r is bigint => r !== null);
    const lat = got.map((r) => Number(r - t0) / 1e6).sort((a, b) => a - b);
    if (round > 0) all.push(...lat);
    row(
      `${round <= 0 ? `warm-up ${round + WARMUP_ROUNDS} (not counted)` : `round ${round}`}: ${fmt(got.length)} notified, first / p50 / p99 / max (ms)`,
      `${ms(lat[0] ?? NaN)} / ${ms(quantile(lat, 0.5))} / ${ms(quantile(lat, 0.99))} / ${ms(lat.at(-1) ?? NaN)}`,
    );
    row('  CPU to the last receipt, µs per miner', cpu(got.length).text);
    await sleep(2_000);
  }
  all.sort((a, b) => a - b);
  // The line the floor writes: the pool's own notify, as one more miner gets it now.
  const probe = await startNotifyReader({
    host: '127.0.0.1',
    port: cluster.nodes[0]!.port,
    n: 1,
    userPrefix: `${ADDRESS}.probe`,
    handshake: true,
    sources: SOURCES,
  });
  const notifyLine = probe.notifyLine ?? '';
  await probe.close();
  return { fleet, p99: quantile(all, 0.99), notifyLine };
}

/** The floor: a C++ write loop per node's share of sockets, read by notify readers. */
async function writeLoopFloor(total: number, notifyLine: string): Promise<number> {
  const exe = await compileCc('write-loop');
  const line =
    notifyLine.replace(/\n$/, '') ||
    '{"id":null,"method":"mining.notify","params":["floor","00","00","00",[],"20000000","1d00ffff","00000000",true]}';
  const groups = Math.ceil(total / PER_NODE_CAP);
  const servers: {
    port: number;
    pid: number;
    write(): Promise<void>;
    quit(): Promise<void>;
  }[] = [];
  const readers: NotifyReader[] = [];
  try {
    for (let g = 0; g < groups; g++) {
      let portSeen: (p: number) => void = () => undefined;
      const port = new Promise<number>((r) => (portSeen = r));
      let wrote: () => void = () => undefined;
      const cc = spawnCc(exe, ['127.0.0.1'], (line) => {
        const m = /^port (\d+)$/.exec(line);
        if (m) portSeen(Number(m[1]));
        if (line.startsWith('wrote ')) wrote();
      });
      const p = await port;
      servers.push({
        port: p,
        pid: cc.child.pid as number,
        write: () =>
          new Promise<void>((r) => {
            wrote = r;
            cc.child.stdin.write(`write ${line}\n`);
          }),
        quit: () => quitCc(cc),
      });
      const n = Math.min(PER_NODE_CAP, total - g * PER_NODE_CAP);
      readers.push(
        await startNotifyReader({
          host: '127.0.0.1',
          port: p,
          n,
          userPrefix: 'floor',
          handshake: false,
          sources: SOURCES,
        }),
      );
    }
    const all: number[] = [];
    const cpuRows: string[] = [];
    for (let round = 0; round < FANOUT_ROUNDS; round++) {
      const armed = await Promise.all(readers.map((r) => r.arm()));
      const cpu = cpuMeter({
        writers: servers.map((s) => s.pid),
        readers: readers.map((r) => r.pid),
        bench: [process.pid],
      });
      const t0 = process.hrtime.bigint();
      await Promise.all(servers.map((s) => s.write()));
      const got = (await Promise.all(armed.map((a) => a.receipts))).flat();
      cpuRows.push(cpu(got.length).text);
      all.push(...got.map((r) => Number(r - t0) / 1e6));
      await sleep(500);
    }
    all.sort((a, b) => a - b);
    row(
      `C++ write loop to ${fmt(total)} sockets (${groups} processes), p50 / p99 (ms) — floor`,
      `${ms(quantile(all, 0.5))} / ${ms(quantile(all, 0.99))}`,
    );
    for (const c of cpuRows) row('  CPU to the last receipt, µs per socket', c);
    note(`the line written: the pool's own notify (${line.length + 1} bytes)`);
    return quantile(all, 0.99);
  } finally {
    await Promise.all(readers.map((r) => r.close().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.quit()));
  }
}

// --- 3 + 4: shares ------------------------------------------------------------------------
/** Accepted shares/s over a steady window at `rate` asked of the fleet. */
async function steadyShares(
  fleet: LoadHarness,
  rate: number,
  nats: NatsCluster,
  c: Cluster,
): Promise<{
  rate: number;
  accepted: number;
  traffic: Varz;
  rejects: string;
  cpu: string;
  /** The pool nodes' CPU per accepted share, µs. */
  nodeUs: number;
}> {
  await fleet.setRate(rate);
  await sleep(WARMUP_MS);
  const a: HarnessStats = await fleet.stats();
  const va = await natsTraffic(nats);
  const cpu = cpuMeter({
    nodes: c.nodes.map((n) => n.pid),
    harness: fleet.pids,
    ledger: [c.ledger.pid],
    nats: nats.servers.map((x) => x.pid ?? 0).filter((pid) => pid > 0),
  });
  const t = performance.now();
  await sleep(STEADY_MS);
  const b: HarnessStats = await fleet.stats();
  const vb = await natsTraffic(nats);
  const seconds = (performance.now() - t) / 1000;
  await fleet.setRate(0);
  const accepted = b.accepted - a.accepted;
  const used = cpu(accepted);
  const rejects = Object.entries(b.rejects)
    .map(([code, n]) => `${code}:${n - (a.rejects[code] ?? 0)}`)
    .filter((x) => !x.endsWith(':0'))
    .join(' ');
  return {
    rate: accepted / seconds,
    accepted,
    rejects,
    cpu: used.text,
    nodeUs: used.us['nodes'] ?? NaN,
    traffic: {
      in_msgs: vb.in_msgs - va.in_msgs,
      out_msgs: vb.out_msgs - va.out_msgs,
      in_bytes: vb.in_bytes - va.in_bytes,
      out_bytes: vb.out_bytes - va.out_bytes,
    },
  };
}

/** A cluster of `count` nodes with SHARE_MINERS miners over them, connected and idle. */
async function shareCluster(
  nats: NatsCluster,
  rpcUrl: string,
  name: string,
  count: number,
): Promise<{ cluster: Cluster; fleet: LoadHarness; stop(): Promise<void> }> {
  const cluster = await startCluster(nats, rpcUrl, name, count);
  let fleet: LoadHarness | undefined;
  try {
    fleet = await startLoadFleet({
      targets: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      n: SHARE_MINERS,
      userPrefix: `${ADDRESS}.${name}`,
      sources: SOURCES,
      setupSeconds: 300,
    });
    await fleet.ready();
  } catch (err) {
    await fleet?.close().catch(() => undefined);
    await cluster.stop();
    throw err;
  }
  const f = fleet;
  return { cluster, fleet: f, stop: async () => (await f.close(), await cluster.stop()) };
}

// --- main -----------------------------------------------------------------------------------
console.log(
  `node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · ` +
    `${fmt(MINERS)} miners over ${NODES} pool nodes, 3 NATS servers (log R3), 1 ledger node · ` +
    `nodes' socket sends ${sendBackend() ?? 'node'}`,
);
const started = performance.now();
let nats: NatsCluster | undefined;
let devnet: Awaited<ReturnType<typeof startDevnetChild>> | undefined;
let cluster: Cluster | undefined;
try {
  nats = await startNatsCluster({ size: 3 });
  if (ONLY.has('fanout')) {
    // Memory and fan-out: a devnet at regtest difficulty (a block per generatetoaddress); the
    // miners are idle, so none of their shares can be a block.
    devnet = await startDevnetChild();
    const rpc = new CoinRpc({ url: devnet.url });
    section(
      `1. the cluster: ${NODES} pool nodes (--ledger off), memory with ${fmt(MINERS)} idle miners`,
    );
    cluster = await startCluster(nats, devnet.url, 'idle', NODES);
    const fan = await memoryAndFanOut(cluster, rpc, {
      nats: nats.servers.map((x) => x.pid ?? 0).filter((pid) => pid > 0),
      devnet: devnet.pid,
    });
    await fan.fleet.close();
    await cluster.stop();
    cluster = undefined;
    await devnet.stop();
    section('2b. the fan-out floor (the same number of sockets, a C++ write loop)');
    const floor = await writeLoopFloor(MINERS, fan.notifyLine);
    row(
      'cluster fan-out p99 / floor p99',
      `${(fan.p99 / floor).toFixed(2)}× (${ms(fan.p99)} / ${ms(floor)} ms)`,
      '≤ 1.3×',
      fan.p99 <= 1.3 * floor,
    );
  }
  if (ONLY.has('shares')) {
    // Shares: network difficulty 1, so at share difficulty 2^-32 one share in 2^32 is a block.
    devnet = await startDevnetChild(0x1d00ffff);
    section(
      `3. accepted shares/s, ${fmt(SHARE_MINERS)} miners asked for ${fmt(RATE)}/s: one node alone and ${NODES} nodes, in turn`,
    );
    // Both up at once, each idle while the other is measured, in alternating windows: the
    // host's speed drifts by tens of percent within minutes, and drift falls on both sides of
    // a pair; the verdict is on the median pair.
    const alone = await shareCluster(nats, devnet.url, 'alone', 1);
    const many = await shareCluster(nats, devnet.url, 'shares', NODES).catch(async (err) => {
      await alone.stop();
      throw err;
    });
    const ratios: number[] = [];
    const costs: number[] = [];
    let all: Awaited<ReturnType<typeof steadyShares>> | undefined;
    try {
      for (let pair = 1; pair <= SHARE_PAIRS; pair++) {
        const one = await steadyShares(alone.fleet, RATE, nats, alone.cluster);
        all = await steadyShares(many.fleet, RATE, nats, many.cluster);
        // A window in which one node accepted nothing is no baseline (NaN sorts last: a MISS
        // unless the other pairs carry the median).
        ratios.push(one.rate > 0 ? all.rate / one.rate : NaN);
        costs.push(all.nodeUs / one.nodeUs);
        row(
          `pair ${pair}: one node · ${NODES} nodes (accepted/s)`,
          `${fmt(one.rate)} · ${fmt(all.rate)} (${(ratios.at(-1)! * 100).toFixed(1)} %)`,
        );
        row('  CPU per accepted share, one node (µs)', one.cpu);
        row(`  CPU per accepted share, ${NODES} nodes (µs)`, all.cpu);
        if (one.rejects) note(`rejects by code, one node: ${one.rejects}`);
        if (all.rejects) note(`rejects by code, ${NODES} nodes: ${all.rejects}`);
      }
    } finally {
      await Promise.all([alone.stop(), many.stop()]);
    }
    const sorted = ratios.filter((r) => !Number.isNaN(r)).sort((a, b) => a - b);
    const median = quantile([...sorted, ...ratios.filter((r) => Number.isNaN(r))], 0.5);
    row(
      `${NODES} nodes / one node, median of ${ratios.length} pairs`,
      `${(median * 100).toFixed(1)} %`,
      '≥ 90 %',
      median >= 0.9,
    );
    row(
      `  pool nodes' CPU per accepted share, ${NODES} nodes / one, median`,
      `${quantile(
        costs.filter((c) => Number.isFinite(c)).sort((a, b) => a - b),
        0.5,
      ).toFixed(
        2,
      )}× (what one more node costs per share; at a rate one node sustains, the accepted ratio shows only that both keep up)`,
    );
    if (ratios.some((r) => Number.isNaN(r)))
      note(
        'a window where one node accepted nothing: it was still working off the load of an earlier one',
      );
    if (all === undefined) throw new Error('no shares window ran');
    section(
      "4. NATS traffic per accepted share (the three servers' /varz, the cluster's last window)",
    );
    const per = (x: number) => (all.accepted > 0 ? x / all.accepted : NaN);
    row(
      'messages per accepted share (in / out, all servers)',
      `${per(all.traffic.in_msgs).toFixed(3)} / ${per(all.traffic.out_msgs).toFixed(3)}`,
    );
    row(
      'bytes per accepted share (in / out, all servers)',
      `${fmt(per(all.traffic.in_bytes))} / ${fmt(per(all.traffic.out_bytes))}`,
    );
    note(
      'summed over the three servers: a share batch published once is stored on three (R3) and ' +
        'read by the ledger node; route traffic between servers counts on both sides',
    );
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
} catch (err) {
  console.error('cluster bench crashed:', err);
  process.exitCode = 1;
} finally {
  await cluster?.stop().catch(() => undefined);
  await devnet?.stop().catch(() => undefined);
  await nats?.stop().catch(() => undefined);
}
process.exit(process.exitCode ?? 0);
