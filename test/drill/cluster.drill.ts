// A cluster at scale under failure (issue #20; `npm run drill -- cluster`): a three-server NATS
// cluster, the share log replicated three times, the devnet coin node, NODES pool nodes
// (`colliery start --ledger off`, share difficulty pinned at 2^-32, as many processes each as
// the open-file limit needs: see Capacity)
// and a ledger node (`colliery ledger run`), all child processes (test/helpers/cluster.ts);
// COLLIERY_DRILL_MINERS load-harness miners (default 100,000: a fleet of C++ processes, each
// under the 20,000 open files a process may hold here) spread over every node, submitting
// COLLIERY_DRILL_RATE shares/s in all (default 5,000: this 2-core VM, every process of the
// cluster on it, accepts ~15,000/s from 100,000 miners with no CPU to spare and 10,000/s at
// ~95 % of both cores; 5,000 leaves room for the work of moving miners). Then, under that load:
//   A. kill -9 of the node holding the most miners: how long until every miner is served again
//      (authorized with a job) on the other nodes, and how many are served 10 s after the kill;
//   B. a rolling restart: each node in turn SIGTERM-drained (its miners sent to siblings with
//      room by client.reconnect) and started again on its port, id and data, the next once
//      every miner is served again; the work each miner lost on average;
//   C. kill -9 of the nats-server leading the share log's stream: the longest pause in
//      acceptance (the fleet's accepted count sampled every 100 ms).
// After each, the load stops until every submit is answered, and the shares in the log are
// counted against the shares the miners heard "accepted" (a share whose answer died with its
// node may be logged and never heard, so logged ≥ heard; fewer would be a lost share). At the
// end the ledger node has applied the whole log and `colliery ledger verify` runs on its data.
// Measured and printed, never asserted: a drill reports; tests judge
// (test/integration/cluster-drill.test.ts is the scaled-down test).
//
// Capacity: five pool nodes (COLLIERY_DRILL_NODES), 20,000 miners each for 100,000, and the four
// left take a killed node's 20,000. A process holds its open-file limit less its 5 % reserve:
// the pool nodes run under the limit the systemd unit gives them (LimitNOFILE=131072 in
// deploy/systemd/colliery.service, set with prlimit, which raising a hard limit needs
// CAP_SYS_RESOURCE for; COLLIERY_DRILL_OPEN_FILES, 0 for the machine's own), and where children
// cannot be given it (this VM: root without CAP_SYS_RESOURCE, hard limit 20,000) a process holds
// 19,000 and each node runs as several processes (`colliery start --processes`,
// COLLIERY_DRILL_PROCESSES; 2 for 100,000), so that four nodes hold every miner. A node's kill
// -9 kills all of its processes at once.
// COLLIERY_DRILL_ONLY=A,C runs only those drills. About 6 minutes here with the defaults.
//
// Drain pace (COLLIERY_DRILL_DRAIN_RATE, default 500: the nodes' --drain-rate): a draining
// node tells its miners to move at this many a second. Every process of the cluster shares two
// cores here, and under the 5,000 shares/s load the siblings have about 0.2 cores to spare, so
// they authorize ~700-1,000 newcomers a second between them; told faster than that (the
// default 2,000 a second, for siblings on their own machines), miners queue for their
// handshake and the queue is work lost (a 20,000-miner probe: 1.29 s per move at 2,000/s,
// 0.99 s at 1,000/s, 0.30 s at 500/s).
//
// "Work lost per miner" (drill B, and A): ∫ (miners − ready(t)) dt / miners over the drill, with
// ready(t) = connections authorized and holding a job (sampled every 100 ms): the seconds an
// average miner could not submit. Not the dip in accepted shares/s: the harness deals its rate
// over whichever connections are ready, so the others make up the missing ones' shares.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPoolCluster, CLUSTER_ADDRESS, type PoolCluster } from '../helpers/cluster.js';
import { startLoadFleet, type HarnessStats, type LoadHarness } from '../helpers/load-harness.js';
import { canGiveOpenFiles, cpuSince, openFiles, rssKb } from '../helpers/processes.js';
import { repoRoot } from '../helpers/paths.js';
import { fdReserve } from '../../topology/fd-limit.js';
import { until } from '../helpers/until.js';
import { listenOverflows } from '../helpers/kernel.js';
import { acceptQueueCap, acceptQueueWanted } from '../../topology/accept-queue.js';

const UNIT_OPEN_FILES = Number(
  /^LimitNOFILE=(\d+)/m.exec(
    readFileSync(join(repoRoot, 'deploy', 'systemd', 'colliery.service'), 'utf8'),
  )?.[1],
);
const WANTED_OPEN_FILES = Number(process.env['COLLIERY_DRILL_OPEN_FILES'] ?? UNIT_OPEN_FILES);
const OPEN_FILES =
  WANTED_OPEN_FILES > 0 && canGiveOpenFiles(WANTED_OPEN_FILES) ? WANTED_OPEN_FILES : undefined;
/** Miners a process holds: its open-file limit less the reserve it keeps (topology/fd-limit.ts). */
const PER_PROCESS = OPEN_FILES === undefined ? 19_000 : OPEN_FILES - fdReserve(OPEN_FILES);
const MINERS = Number(process.env['COLLIERY_DRILL_MINERS'] ?? 100_000);
const NODES = Number(process.env['COLLIERY_DRILL_NODES'] ?? 5);
/** Processes per node: enough that the nodes left after one is lost hold every miner. */
const PROCESSES = Number(
  process.env['COLLIERY_DRILL_PROCESSES'] ?? Math.ceil(MINERS / (NODES - 1) / PER_PROCESS),
);
const PER_NODE = PROCESSES * PER_PROCESS;
const RATE = Number(process.env['COLLIERY_DRILL_RATE'] ?? 5_000);
const DRAIN_RATE = Number(process.env['COLLIERY_DRILL_DRAIN_RATE'] ?? 500);
/**
 * A draining node's spread is at most half of this: long enough for the most miners it can hold
 * at --drain-rate (its processes each drain their own at their share of the rate), since a
 * rolling restart piles miners onto the nodes restarted last.
 */
const DRAIN_SECONDS = Math.max(60, Math.ceil((2 * Math.min(PER_NODE, MINERS)) / DRAIN_RATE) + 10);
/** COLLIERY_DRILL_ONLY=A,C: only these drills. */
const ONLY = new Set((process.env['COLLIERY_DRILL_ONLY'] ?? 'A,B,C').split(','));
const SOURCES = Array.from({ length: 64 }, (_, i) => `127.0.0.${i + 1}`);
const SAMPLE_MS = 100;
const STEADY_MS = 10_000;
/** Drill C: how long one NATS server stays down, then how long after it rejoins. */
const NATS_DOWN_MS = 20_000;
const NATS_BACK_MS = 5_000;
/** Load before each drill, after the previous one's checkpoint. */
const LEAD_MS = 3_000;
const key = (t: { host: string; port: number }): string => `${t.host}:${t.port}`;
const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const note = (text: string): void => console.log(`  · ${text}`);

/**
 * The nodes' warnings about their extranonce prefix (suspended, moved, keep-alive late) since
 * each last started: a moved prefix sends its node's miners elsewhere, which the drill's lost
 * work then counts, so it is named where it happened.
 */
function notePrefixEvents(c: PoolCluster): void {
  for (const node of c.nodes) {
    const lines = node
      .log()
      .split('\n')
      .filter((l) => l.includes('extranonce prefix'));
    for (const l of lines.slice(-6))
      note(`${node.id} (${lines.length} prefix warnings): ${l.slice(0, 300)}`);
  }
}

interface Sample {
  readonly t: number; // performance.now()
  readonly s: HarnessStats;
}

/** The fleet's stats every SAMPLE_MS, kept in order, until stop(). */
function sampler(fleet: LoadHarness): {
  readonly samples: Sample[];
  latest(): HarnessStats;
  /** Resolves with the first sample from now on that `pred` holds for, or null after timeoutMs. */
  when(pred: (s: HarnessStats) => boolean, timeoutMs: number): Promise<Sample | null>;
  stop(): Promise<void>;
} {
  const samples: Sample[] = [];
  let running = true;
  let latest: HarnessStats | null = null;
  const loop = (async () => {
    while (running) {
      const asked = performance.now();
      const s = await fleet.stats();
      samples.push({ t: performance.now(), s });
      latest = s;
      await sleep(Math.max(0, SAMPLE_MS - (performance.now() - asked)));
    }
  })();
  return {
    samples,
    latest: () => {
      if (latest === null) throw new Error('no sample yet');
      return latest;
    },
    async when(pred, timeoutMs) {
      const from = samples.length;
      const deadline = performance.now() + timeoutMs;
      for (let i = from; ;) {
        for (; i < samples.length; i++) if (pred(samples[i]!.s)) return samples[i]!;
        if (performance.now() > deadline) return null;
        await sleep(SAMPLE_MS / 2);
      }
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Samples with t in [from, to]. */
const between = (samples: readonly Sample[], from: number, to: number): Sample[] =>
  samples.filter((x) => x.t >= from && x.t <= to);

/** The longest time the accepted count stood still (from its last rise to its next one). */
function longestGap(samples: readonly Sample[]): number {
  let longest = 0;
  let lastRise = samples[0]?.t ?? 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.s.accepted > a.s.accepted) {
      longest = Math.max(longest, a.t - lastRise);
      lastRise = b.t;
    }
  }
  const end = samples.at(-1);
  return end ? Math.max(longest, end.t - lastRise) : 0;
}

/** ∫ (miners − ready) dt / miners in seconds: what an average miner could not submit. */
function lostPerMiner(samples: readonly Sample[], miners: number): number {
  let missing = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const gone = (Math.max(0, miners - a.s.ready) + Math.max(0, miners - b.s.ready)) / 2;
    missing += (gone * (b.t - a.t)) / 1000;
  }
  return missing / miners;
}

interface Row {
  readonly drill: string;
  readonly moved: string;
  readonly servedAgain: string;
  readonly at10s: string;
  readonly lostWork: string;
  readonly gap: string;
  readonly rate: string;
  readonly heard: number;
  readonly logged: number;
  readonly unanswered: number;
  readonly rejected: string;
  /** Handshakes the kernel dropped from full accept queues since the row before. */
  readonly overflows: string;
}

const rows: Row[] = [];
let overflowMark = listenOverflows();
/** ListenOverflows since the last call (every listener of this machine: the cluster's). */
function overflowsSince(): string {
  const now = listenOverflows();
  const d = now === null || overflowMark === null ? null : now - overflowMark;
  overflowMark = now;
  return d === null ? '?' : fmt(d);
}
const rejectText = (a: HarnessStats | null, b: HarnessStats): string => {
  const out = Object.entries(b.rejects)
    .map(([code, n]) => [code, n - (a?.rejects[code] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${code}:${n}`);
  return out.length ? out.join(' ') : '0';
};

function printTable(): void {
  const head = [
    'drill',
    'miners moved',
    'served again',
    'served at +10 s',
    'lost work/miner',
    'longest accept gap',
    'accepted/s',
    'heard accepted',
    'in log',
    'log − heard',
    'unanswered',
    'rejected (code:n)',
    'accept overflows',
  ];
  const table = rows.map((r) => [
    r.drill,
    r.moved,
    r.servedAgain,
    r.at10s,
    r.lostWork,
    r.gap,
    r.rate,
    fmt(r.heard),
    fmt(r.logged),
    `${r.logged >= r.heard ? '' : 'LOST '}${fmt(r.logged - r.heard)}`,
    fmt(r.unanswered),
    r.rejected,
    r.overflows,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  console.log('');
  for (const line of [head, ...table])
    console.log(line.map((c, i) => c.padEnd(width[i]!)).join('  '));
}

const t00 = performance.now();
console.log(
  `drill: ${fmt(MINERS)} miners on ${NODES} pool nodes (at most ${fmt(PER_NODE)} each: ` +
    `${PROCESSES === 1 ? 'one process' : `${PROCESSES} processes`} of ${fmt(PER_PROCESS)}, ` +
    `${OPEN_FILES === undefined ? "this machine's open-file limit" : `open-file limit ${fmt(OPEN_FILES)}`}), ` +
    `${fmt(RATE)} shares/s, 3 NATS servers, log replicas 3, a ledger node, --drain-rate ${fmt(DRAIN_RATE)}`,
);
const acceptQueue = acceptQueueCap();
if (acceptQueue !== null && acceptQueue < acceptQueueWanted(PER_PROCESS))
  note(
    `net.core.somaxconn is ${fmt(acceptQueue)}: no accept queue holds more, and handshakes past ` +
      `it in a reconnect storm wait for SYN retransmits (1, 3, 7 s; the "accept overflows" ` +
      `column). Deployments install deploy/sysctl/90-colliery.conf (as root: ` +
      `sysctl -p deploy/sysctl/90-colliery.conf)`,
  );
if ((NODES - 1) * PER_NODE < MINERS)
  note(
    `${NODES - 1} nodes hold at most ${fmt((NODES - 1) * PER_NODE)}: with one node down, ` +
      `${fmt(MINERS - (NODES - 1) * PER_NODE)} miners cannot be served anywhere`,
  );

let cluster: PoolCluster | undefined;
let fleet: LoadHarness | undefined;
let sampling: ReturnType<typeof sampler> | undefined;
try {
  let t = performance.now();
  const c = (cluster = await startPoolCluster({
    nodes: NODES,
    cluster: 'clusterdrill',
    maxConnections: PER_PROCESS,
    processes: PROCESSES,
    ...(OPEN_FILES === undefined ? {} : { openFiles: OPEN_FILES }),
    // The spread (at most half of --drain-seconds) keeps the pace for the most miners a node
    // holds in a rolling restart: its share with one node down.
    nodeFlags: ['--drain-rate', String(DRAIN_RATE), '--drain-seconds', String(DRAIN_SECONDS)],
  }));
  note(
    `cluster up in ${s1(performance.now() - t)} (nodes ${c.nodes.map((n) => n.port).join(', ')})`,
  );
  t = performance.now();
  const h = (fleet = await startLoadFleet({
    targets: c.targets,
    n: MINERS,
    userPrefix: `${CLUSTER_ADDRESS}.w`,
    sources: SOURCES,
    setupSeconds: 300,
  }));
  const ready = await h.ready();
  note(
    `${fmt(ready.authorized)} of ${fmt(MINERS)} miners authorized with a job in ` +
      `${s1(performance.now() - t)} (${h.pids.length} harness processes)`,
  );
  const sam = (sampling = sampler(h));
  await sam.when(() => true, 5_000);

  // Quiesce: no more submits, every one answered (or lost with its socket); then the log.
  let lastCheck: HarnessStats | null = null;
  const checkpoint = async (): Promise<{ s: HarnessStats; logged: number; ms: number }> => {
    await h.setRate(0);
    const s = await until(
      'every submit answered',
      async () => {
        const st = await h.stats();
        return st.inflight === 0 ? st : undefined;
      },
      120_000,
      200,
    );
    const t0 = performance.now();
    const logged = (await c.logShares()).shares;
    const ms = performance.now() - t0;
    return { s, logged, ms };
  };
  const served = (s: HarnessStats): boolean => s.ready >= MINERS;
  /** Waits until every miner is served (or timeoutMs), saying where they are every 5 s. */
  const progress = async (t0: number, timeoutMs: number): Promise<Sample | null> => {
    const step = 2_500;
    for (let next = t0 + step * Math.ceil((performance.now() - t0 + 1) / step); ; next += step) {
      const got = await sam.when(served, Math.max(0, next - performance.now()));
      if (got) return got;
      const st = sam.latest();
      const where = c.nodes.map((n) => `${n.id} ${fmt(st.byTarget[key(n.target)] ?? 0)}`);
      note(
        `+${s1(performance.now() - t0)}: ${fmt(st.ready)} ready (${where.join(', ')}); ` +
          `${fmt(st.connected)} connected, ${fmt(st.authorized)} authorized, ` +
          `${fmt(st.notifies)} notifies so far; ` +
          `drops ${fmt(st.drops)}, connect failures ${fmt(st.connectFailures)}`,
      );
      if (performance.now() - t0 > timeoutMs) return null;
    }
  };
  const rateOver = (from: number, to: number): string => {
    const w = between(sam.samples, from, to);
    if (w.length < 2) return '—';
    const a = w[0]!;
    const b = w.at(-1)!;
    return fmt(((b.s.accepted - a.s.accepted) * 1000) / (b.t - a.t));
  };

  // Steady state.
  await h.setRate(RATE);
  await sleep(LEAD_MS);
  const cpuPids = {
    nodes: c.nodes.flatMap((n) => n.pids()),
    nats: c.nats.servers.map((s) => s.pid).filter((p): p is number => p !== undefined),
    ledger: [c.ledger?.pid()].filter((p): p is number => typeof p === 'number'),
    harness: [...h.pids],
    devnet: [c.devnet.pid],
  };
  const cpu = cpuSince(cpuPids);
  const steady0 = performance.now();
  const selfCpu0 = process.cpuUsage();
  await sleep(STEADY_MS);
  const steady1 = performance.now();
  const used = cpu();
  const selfCpu = process.cpuUsage(selfCpu0);
  const secs = (steady1 - steady0) / 1000;
  note(
    `steady: ${rateOver(steady0, steady1)} accepted/s of ${fmt(RATE)} asked; CPU in cores: ` +
      Object.entries(used)
        .map(([k, v]) => `${k} ${(v / secs).toFixed(2)}`)
        .join(', ') +
      `, drill ${((selfCpu.user + selfCpu.system) / 1e6 / secs).toFixed(2)}`,
  );
  if (PROCESSES > 1)
    note(
      `open files per node process (its miners and ~100 more): ` +
        c.nodes.map((n) => n.pids().slice(1).map(openFiles).join('+')).join(', '),
    );
  note(
    `RSS: pool nodes ${cpuPids.nodes.map((p) => `${Math.round(rssKb(p) / 1024)}`).join('/')} MB, ` +
      `ledger ${cpuPids.ledger.map((p) => Math.round(rssKb(p) / 1024)).join('')} MB; ` +
      `ledger applied ${fmt(await c.ledger!.applied())} of log ${fmt(await c.logEnd())}`,
  );
  {
    const st = sam.latest();
    rows.push({
      overflows: overflowsSince(),
      drill: 'steady',
      moved: '—',
      servedAgain: '—',
      at10s: `${fmt(st.ready)}`,
      lostWork: '—',
      gap: s1(longestGap(between(sam.samples, steady0, steady1))),
      rate: rateOver(steady0, steady1),
      heard: st.accepted,
      logged: NaN,
      unanswered: st.lost,
      rejected: rejectText(null, st),
    });
  }
  const cp0 = await checkpoint();
  rows[rows.length - 1] = { ...rows.at(-1)!, heard: cp0.s.accepted, logged: cp0.logged };
  note(`log counted in ${s1(cp0.ms)}`);
  lastCheck = cp0.s;

  // A. kill -9 of the node holding the most miners.
  if (ONLY.has('A')) {
    console.log('drill A: kill -9 of a pool node …');
    await h.setRate(RATE);
    await sleep(LEAD_MS);
    const before = sam.latest();
    const victim = c.nodes.reduce((a, b) =>
      (before.byTarget[key(b.target)] ?? 0) > (before.byTarget[key(a.target)] ?? 0) ? b : a,
    );
    const held = before.byTarget[key(victim.target)] ?? 0;
    const t0 = performance.now();
    await victim.kill();
    // From when the harness saw the drops: a sample taken before them says everyone is served.
    await sam.when((x) => x.ready < MINERS, 10_000);
    const back = await progress(t0, 120_000);
    await sleep(Math.max(0, t0 + 10_000 - performance.now()));
    const at10 = between(sam.samples, t0, t0 + 10_000).at(-1)?.s;
    await sleep(LEAD_MS);
    const t1 = performance.now();
    const restart0 = performance.now();
    await victim.start();
    // From the fewest ready (the harness saw the drops) to the first sample back at a share.
    const after = between(sam.samples, t0, t1);
    const low = after.reduce((m, y, i) => (y.s.ready < after[m]!.s.ready ? i : m), 0);
    const firstAt = (share: number): string => {
      const x = after.slice(low).find((y) => y.s.ready >= MINERS * share);
      return x ? s1(x.t - t0) : 'never';
    };
    note(
      `${victim.id} held ${fmt(held)}; 99 % of miners served again after ${firstAt(0.99)}, ` +
        `99.9 % after ${firstAt(0.999)}, all after ${back ? s1(back.t - t0) : 'never (120 s)'}; ` +
        `restarted on its port in ${s1(performance.now() - restart0)}`,
    );
    notePrefixEvents(c);
    const w = between(sam.samples, t0, back?.t ?? t1);
    const cp = await checkpoint();
    rows.push({
      overflows: overflowsSince(),
      drill: `A: kill -9 ${victim.id}`,
      moved: fmt(held),
      servedAgain: back ? s1(back.t - t0) : `no: ${fmt(sam.latest().ready)}`,
      at10s: at10 ? fmt(at10.ready) : '—',
      lostWork: `${lostPerMiner(w, MINERS).toFixed(2)} s (${(lostPerMiner(w, MINERS) * (MINERS / Math.max(1, held))).toFixed(1)} s/moved)`,
      gap: s1(longestGap(between(sam.samples, t0, t1))),
      rate: rateOver(t0, t1),
      heard: cp.s.accepted,
      logged: cp.logged,
      unanswered: cp.s.lost - (lastCheck?.lost ?? 0),
      rejected: rejectText(lastCheck, cp.s),
    });
    lastCheck = cp.s;
  }

  // B. a rolling restart.
  if (ONLY.has('B')) {
    console.log('drill B: rolling restart of every pool node …');
    await h.setRate(RATE);
    await sleep(LEAD_MS);
    const before = sam.latest();
    const t0 = performance.now();
    let moved = 0;
    for (const node of c.nodes) {
      const held = sam.latest().byTarget[key(node.target)] ?? 0;
      moved += held;
      const a = performance.now();
      await node.stop((DRAIN_SECONDS + 30) * 1_000); // its drain, not a SIGKILL at 60 s
      const b = performance.now();
      await node.start();
      const d = performance.now();
      const back = await progress(a, 120_000);
      note(
        `${node.id}: ${fmt(held)} miners; drained and exited in ${s1(b - a)}, serving again ` +
          `${s1(d - b)} later; every miner served ${back ? s1(back.t - a) : 'never (120 s)'} after its SIGTERM`,
      );
    }
    const back = await sam.when(served, 120_000);
    const t1 = performance.now();
    const w = between(sam.samples, t0, back?.t ?? t1);
    const mid = sam.latest();
    const cp = await checkpoint();
    rows.push({
      overflows: overflowsSince(),
      drill: `B: rolling restart (${c.nodes.length})`,
      moved: fmt(moved),
      servedAgain: back ? s1(back.t - t0) : 'no',
      at10s: '—',
      lostWork: `${lostPerMiner(w, MINERS).toFixed(2)} s (${(lostPerMiner(w, MINERS) * (MINERS / Math.max(1, moved))).toFixed(2)} s/moved)`,
      gap: s1(longestGap(between(sam.samples, t0, t1))),
      rate: rateOver(t0, t1),
      heard: cp.s.accepted,
      logged: cp.logged,
      unanswered: cp.s.lost - (lastCheck?.lost ?? 0),
      rejected: rejectText(lastCheck, cp.s),
    });
    note(
      `reconnects followed: ${fmt(mid.reconnects - before.reconnects)}, drops ${fmt(mid.drops - before.drops)}`,
    );
    notePrefixEvents(c);
    lastCheck = cp.s;
  }

  // C. kill -9 of the share log's stream leader (one NATS server of three).
  if (ONLY.has('C')) {
    console.log('drill C: kill -9 of the share log leader, one NATS server of three …');
    await h.setRate(RATE);
    await sleep(LEAD_MS);
    const leader = (await c.logLeader()) ?? c.nats.servers[0]!;
    const t0 = performance.now();
    await leader.kill('SIGKILL');
    await sleep(NATS_DOWN_MS);
    const t1 = performance.now();
    await leader.restart();
    await sleep(NATS_BACK_MS);
    const t2 = performance.now();
    const cp = await checkpoint();
    note(
      `longest accept gap after ${leader.name} rejoined: ${s1(longestGap(between(sam.samples, t1, t2)))}`,
    );
    rows.push({
      overflows: overflowsSince(),
      drill: `C: kill -9 NATS ${leader.name} (log leader)`,
      moved: '—',
      servedAgain: '—',
      at10s: fmt(between(sam.samples, t0, t0 + 10_000).at(-1)?.s.ready ?? NaN),
      lostWork: `${lostPerMiner(between(sam.samples, t0, t1), MINERS).toFixed(2)} s`,
      gap: s1(longestGap(between(sam.samples, t0, t1))),
      rate: rateOver(t0, t1),
      heard: cp.s.accepted,
      logged: cp.logged,
      unanswered: cp.s.lost - (lastCheck?.lost ?? 0),
      rejected: rejectText(lastCheck, cp.s),
    });
    lastCheck = cp.s;
  }

  // The ledger: the whole log applied, then verified.
  await sampling.stop();
  const heard = (await h.close())?.accepted ?? lastCheck.accepted;
  fleet = undefined;
  t = performance.now();
  const applied = await c.settleLedger(600_000);
  note(
    `ledger node applied the log to ${fmt(applied)} (${s1(performance.now() - t)} after the load stopped)`,
  );
  t = performance.now();
  const v = await c.verifyLedger();
  const logged = (await c.logShares()).shares;
  note(
    `colliery ledger verify: ${v.ok ? 'passed' : `FAILED (${v.differences.length} differences)`} in ` +
      `${s1(performance.now() - t)}; ledger shares ${fmt(v.shares)}, log ${fmt(logged)}, ` +
      `heard accepted ${fmt(heard)}, quarantined ${v.quarantined}`,
  );
  if (!v.ok) console.log(JSON.stringify(v.differences.slice(0, 5)));
  rows.push({
    overflows: overflowsSince(),
    drill: `ledger verify: ${v.ok ? 'passed' : 'FAILED'}`,
    moved: '—',
    servedAgain: '—',
    at10s: '—',
    lostWork: '—',
    gap: '—',
    rate: '—',
    heard,
    logged: v.shares,
    unanswered: 0,
    rejected: '—',
  });
} finally {
  await sampling?.stop();
  await fleet?.close();
  await cluster?.stop();
  printTable();
  console.log(`\ndrill took ${s1(performance.now() - t00)}`);
}
process.exit(0);
