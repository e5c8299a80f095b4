// Failure drills, larger than the tests (`npm run drill`): a mining node with a few miners, a
// devnet finding blocks every few seconds, and its nats-server killed (kill -9) for each of
// COLLIERY_DRILL_OUTAGES seconds (default 15,60,300); then one server of a three-server NATS
// cluster killed under the same load. Prints one row per drill: outage length, blocks found
// during it (journaled) / that reached the coin node / credited by the ledger afterwards,
// shares the miners heard accepted / in the log / in the ledger, refused as busy, the time a
// new miner waited for its first accepted share after the bus came back, and the longest gap
// between two accepted shares. Measured, never asserted: a drill reports; tests judge.
import { CoinRpc } from '../../actors/job/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import type { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { localMiner, startWhenListening } from '../helpers/miners.js';
import { startNatsCluster } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const MINERS = 3;
const RATE = 200_000; // hashes/s per miner
const BLOCK_SECONDS = 5;
const SHARE_DIFFICULTY = 2 ** -12;

interface Row {
  readonly drill: string;
  readonly found: number;
  readonly reached: number;
  readonly credited: number;
  readonly heard: number;
  readonly logged: number;
  readonly ledger: number;
  readonly busy: number;
  readonly serveAgainMs: number | null;
  readonly longestGapMs: number;
}

/** The longest time between two accepted shares of any miner, sampled every 50 ms. */
function gapMeter(miners: readonly StratumMiner[]): { stop(): number } {
  let last = miners.reduce((n, m) => n + m.stats.accepted, 0);
  let lastAt = Date.now();
  let longest = 0;
  const t = setInterval(() => {
    const n = miners.reduce((s, m) => s + m.stats.accepted, 0);
    const now = Date.now();
    if (n !== last) {
      longest = Math.max(longest, now - lastAt);
      last = n;
      lastAt = now;
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(longest, Date.now() - lastAt);
    },
  };
}

const networkBits = () =>
  bitsFromTarget(shareTargetFromDifficulty((MINERS * RATE * BLOCK_SECONDS) / 2 ** 32));

async function outageDrill(seconds: number): Promise<Row> {
  const pool = await startTestPool(
    { bits: networkBits(), txsPerBlock: 2 },
    { nodeId: 'd1', cluster: `drill${seconds}`, ...pinnedDifficulty(SHARE_DIFFICULTY) },
    { followMs: 500 },
  );
  const rpc = new CoinRpc({ url: pool.devnet.url });
  const miners = Array.from({ length: MINERS }, (_, i) =>
    localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.d${i}`, RATE),
  );
  try {
    await Promise.all(miners.map((m) => m.start()));
    await new Promise((r) => setTimeout(r, 5_000));
    const before = await pool.node.status();
    const height0 = await rpc.call<number>('getblockcount');
    const gaps = gapMeter(miners);
    await pool.nats.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const heightDuring = await rpc.call<number>('getblockcount');
    const journaled =
      (await pool.node.status()).blockJournal.journaled - before.blockJournal.journaled;
    await pool.nats.restart();
    const back = Date.now();
    const late = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.late`, RATE);
    // As a real miner does: connect again until the node admits it (it admits none while its
    // prefix claim is not confirmed), then wait for the first accepted share.
    const serveAgainMs = await startWhenListening([late], 120_000, 250)
      .then(() =>
        until(
          'a new miner is served',
          () => (late.stats.accepted > 0 ? Date.now() - back : undefined),
          120_000,
        ),
      )
      .catch(() => null);
    await late.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    const longestGapMs = gaps.stop();
    await Promise.all(miners.map((m) => m.stop()));
    const st = await until(
      'the log and the ledger to settle',
      async () => {
        const s = await pool.node.status();
        const accepted = s.shares?.verdicts['accepted'];
        return accepted !== undefined &&
          s.log.spoolDepth === 0 &&
          s.blockJournal.pending === 0 &&
          pool.node.ledger.store.counters().shares === s.log.shares
          ? s
          : undefined;
      },
      300_000,
    );
    const credited = pool.node.ledger.store.blocks().filter((b) => b.status !== 'orphaned').length;
    return {
      drill: `NATS down ${seconds} s`,
      found: journaled,
      reached: heightDuring - height0,
      credited,
      heard: miners.reduce((n, m) => n + m.stats.accepted, 0) + late.stats.accepted,
      logged: st.log.shares,
      ledger: pool.node.ledger.store.counters().shares,
      busy: miners.reduce((n, m) => n + (m.stats.rejectedBy['busy'] ?? 0), 0),
      serveAgainMs,
      longestGapMs,
    };
  } finally {
    await Promise.all(miners.map((m) => m.stop()));
    await pool.stop();
  }
}

async function clusterDrill(): Promise<Row> {
  const cluster = await startNatsCluster({ size: 3 });
  const devnet = await startDevnet({ bits: networkBits(), txsPerBlock: 2 });
  const { node, stop } = await startTestNode(cluster.servers[0]!, devnet.url, {
    nodeId: 'c1',
    cluster: 'drillcluster',
    natsUrls: cluster.urls,
    logReplicas: 3,
    ...pinnedDifficulty(SHARE_DIFFICULTY),
  });
  const miners = Array.from({ length: MINERS }, (_, i) =>
    localMiner(node.stratumPort, `${TEST_ADDRESS}.c${i}`, RATE),
  );
  try {
    await Promise.all(miners.map((m) => m.start()));
    await new Promise((r) => setTimeout(r, 5_000));
    const gaps = gapMeter(miners);
    const port = Number(node.runtime.nc.getServer().split(':').pop());
    await cluster.servers.find((s) => s.port === port)?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 30_000));
    const longestGapMs = gaps.stop();
    await Promise.all(miners.map((m) => m.stop()));
    const st = await until(
      'the log and the ledger to settle',
      async () => {
        const s = await node.status();
        return s.log.spoolDepth === 0 && node.ledger.store.counters().shares === s.log.shares
          ? s
          : undefined;
      },
      300_000,
    );
    return {
      drill: '1 of 3 NATS servers killed',
      found: st.blockJournal.journaled,
      reached: await new CoinRpc({ url: devnet.url }).call<number>('getblockcount'),
      credited: node.ledger.store.blocks().length,
      heard: miners.reduce((n, m) => n + m.stats.accepted, 0),
      logged: st.log.shares,
      ledger: node.ledger.store.counters().shares,
      busy: miners.reduce((n, m) => n + (m.stats.rejectedBy['busy'] ?? 0), 0),
      serveAgainMs: null,
      longestGapMs,
    };
  } finally {
    await Promise.all(miners.map((m) => m.stop()));
    await stop();
    await devnet.close();
    await cluster.stop();
  }
}

// COLLIERY_DRILL_OUTAGES=none: the cluster drill alone.
const outages = (process.env.COLLIERY_DRILL_OUTAGES ?? '15,60,300')
  .split(',')
  .map(Number)
  .filter((s) => s > 0);
const rows: Row[] = [];
for (const s of outages) {
  console.log(`drill: NATS down ${s} s …`);
  rows.push(await outageDrill(s));
}
console.log('drill: one server of a three-server NATS cluster killed …');
rows.push(await clusterDrill());

const head = [
  'drill',
  'blocks found',
  'reached coin node',
  'credited',
  'shares heard',
  'logged',
  'in ledger',
  'busy',
  'served again',
  'longest gap',
];
const table = rows.map((r) => [
  r.drill,
  String(r.found),
  String(r.reached),
  String(r.credited),
  String(r.heard),
  String(r.logged),
  String(r.ledger),
  String(r.busy),
  r.serveAgainMs === null ? '—' : `${(r.serveAgainMs / 1000).toFixed(1)} s`,
  `${(r.longestGapMs / 1000).toFixed(1)} s`,
]);
const width = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
for (const line of [head, ...table])
  console.log(line.map((c, i) => c.padEnd(width[i]!)).join('  '));
process.exit(0);
