// `colliery demo`: the whole pool on one machine with embedded defaults — a local nats-server
// (started when none answers at --nats), LMDB and NATS data under ./data (or --data), the
// devnet coin node, one node with every actor, and a few demo miners that really hash.
// Prints a one-line summary every second until Ctrl-C, then drains and exits 0.
import type { NodeHandle } from '../node.js';
import { stdout } from 'node:process';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { hashHeaders } from '../../native/index.js';
import { loadConfig, parseFlags } from '../config.js';
import { startDevnet } from '../devnet/index.js';
import { StratumMiner } from '../miner/stratum-miner.js';
import { runPrimeDemo } from '../prime-demo.js';
import { coins } from './ledger.js';
import {
  credited,
  demoHttp,
  demoPlaces,
  runDemoUntilSignal,
  startDemoNodes,
} from '../demo-harness.js';

export const DEMO_HELP = `usage: colliery demo [--coin bitcoin-regtest|primecoin-devnet] [--data DIR] [--nats URL] [--stratum HOST:PORT] [--metrics HOST:PORT] [--http HOST:PORT] [--miners N] [--nodes N] [--block-seconds S] [--trace-paths]

Runs the pool on embedded defaults, in a world of its own: a nats-server started here on a
free port (store and log under DIR/nats), a new devnet chain, one node and N demo miners
(default 3) that really hash. Data lives under --data (default ./data); an earlier run's share
log and ledger move to DIR/previous, since their blocks were on a chain that is gone.
DIR/colliery.json names this run's cluster, coin, node and bus, so \`colliery status\`,
\`colliery ledger balances\` and \`colliery trace\` run in this folder need no flags.

  --nats URL         use this NATS server instead (the run gets a cluster name of its own)
  --stratum H:P      where miners connect (default 127.0.0.1:3333, another port if taken)
  --metrics H:P      Prometheus /metrics, /health, the pool API and the dashboard
                     (default 127.0.0.1:9464, another port if taken)
  --http H:P         the dashboard and the pool API on their own address (no /metrics)
  --nodes N          a cluster of N pool nodes in this process (default 1, at most 16): the
                     next Stratum ports, the miners spread over them, the dashboard on the
                     first; Ctrl-C drains them all
  --coin primecoin-devnet   the prime path instead (prime devnet, prime demo miners)
  --trace-paths      print one share's path (socket → Share actor → share log → ledger) every 5 s

Real miners may connect to the printed port too (\`colliery miner\`, cpuminer, ...).
Ctrl-C drains (miners are told to reconnect, shares in flight are answered) and exits 0.
`;

/** A regtest address the demo pays (BIP173's test key); demo coins are worthless anyway. */
const DEMO_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const MINER_HASHES_PER_SEC = 250_000;

export async function runDemo(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(DEMO_HELP);
    return 0;
  }
  const own = takeNumber(args, '--miners', 3);
  const nodesArg = takeNumber(own.rest, '--nodes', 1);
  const blockSeconds = takeNumber(nodesArg.rest, '--block-seconds', 15);
  const nodeCount = Math.min(16, Math.floor(nodesArg.value));
  const { raw } = parseFlags(blockSeconds.rest);
  if (raw.coin === 'primecoin-devnet') return runPrimeDemo(blockSeconds.rest, own.value, nodeCount);
  const label = 'colliery demo';
  const places = await demoPlaces(raw, label, 'demo');
  const { dataDir, natsUrl, log } = places;
  const miners = own.value;
  // Difficulty so the demo miners together find a block every `blockSeconds` on average.
  const hashesPerBlock = Math.max(1, miners) * MINER_HASHES_PER_SEC * blockSeconds.value;
  const networkDifficulty = hashesPerBlock / 2 ** 32;
  const devnet = await startDevnet({
    bits: bitsFromTarget(shareTargetFromDifficulty(networkDifficulty)),
    txsPerBlock: 4,
  });
  const cfg = loadConfig([raw], {
    nodeId: 'demo-1',
    cluster: places.cluster,
    natsUrls: [natsUrl],
    dataDir,
    coin: 'bitcoin-regtest',
    rpc: [{ url: devnet.url }],
    poolAddress: DEMO_ADDRESS,
    stratumHost: typeof raw.stratumHost === 'string' ? raw.stratumHost : '127.0.0.1:3333',
    // Not below 2^-16: the ledger's finest weight (a share below it is paid and counted as 2^-16).
    startDifficulty: Math.max(networkDifficulty / 64, 2 ** -16),
    minDifficulty: 2 ** -16,
    targetShareSeconds: 2,
    refreshSeconds: 10,
    maxConnections: 10_000,
    ...(await demoHttp(raw)),
  });
  const nodes = await startDemoNodes(cfg, nodeCount, log);
  const node = nodes[0] as NodeHandle;
  const rigs = Array.from(
    { length: miners },
    (_, i) =>
      new StratumMiner({
        host: '127.0.0.1',
        port: (nodes[i % nodes.length] as NodeHandle).stratumPort,
        username: `${DEMO_ADDRESS}.demo${i + 1}`,
        hashHeaders,
        maxHashesPerSec: MINER_HASHES_PER_SEC,
        versionRolling: i % 2 === 0,
      }),
  );
  const startedAt = Date.now();
  let lastAccepted = 0;
  return runDemoUntilSignal({
    label,
    cfg,
    node,
    nodes,
    rigs,
    devnet,
    places,
    minerHint: `user: any regtest address + .worker, e.g. ${DEMO_ADDRESS}.rig; password d=<diff> sets the start difficulty`,
    summary: ({ accepted, rejected, rejectedBy, blocks, height }) => {
      const hashes = rigs.reduce((n, r) => n + r.stats.hashes, 0);
      const secs = (Date.now() - startedAt) / 1000;
      const line =
        `miners ${nodes.reduce((n, x) => n + x.connections(), 0)} | shares/s ${(accepted - lastAccepted).toFixed(0)} | accepted ${accepted} ` +
        `rejected ${rejected}${rejectedBy ? ` (${rejectedBy})` : ''} | blocks found ${blocks} | chain height ${height} | ${(hashes / secs / 1e6).toFixed(2)} MH/s` +
        ` | ledger seq ${node.ledger.store.lastApplied()}, credited ${coins(credited(node))}`;
      lastAccepted = accepted;
      return line;
    },
  });
}

function takeNumber(
  args: string[],
  flag: string,
  fallback: number,
): { value: number; rest: string[] } {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return { value: fallback, rest: args };
  const inline = args[i]?.includes('=') ? args[i]?.split('=')[1] : undefined;
  const text = inline ?? args[i + 1];
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw Object.assign(new Error(`${flag} needs a positive number, got ${text}`), {
      code: 'CONFIG_INVALID',
    });
  return { value, rest: [...args.slice(0, i), ...args.slice(i + (inline === undefined ? 2 : 1))] };
}
