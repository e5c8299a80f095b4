// `colliery demo --coin primecoin-devnet`: the whole prime path on one machine — a local
// nats-server when none answers, the prime devnet (blocks of chain length 4 judged by the
// native consensus check), one node, and N prime demo miners (sieve + native Fermat tests).
// Prints a summary line every second (shares, blocks, chain height, and each worker's share
// lengths with its estimated sieve target) until Ctrl-C, then drains and exits 0.
import type { WorkerPrimeStats } from '../actors/share/prime-stats.js';
import { scriptToAddress } from '../actors/shared/address.js';
import { PRIME_NETWORKS } from '../actors/shared/network.js';
import { loadConfig, parseFlags } from './config.js';
import { demoPlaces, runDemoUntilSignal, startDemoNode } from './demo-harness.js';
import { PRIME_DEVNET_BITS, startDevnet } from './devnet/index.js';
import { PrimeStratumMiner } from './miner/prime-miner.js';

/** A devnet address (testnet version byte 111) for a fixed 20-byte key hash. */
export const PRIME_DEMO_ADDRESS = scriptToAddress(
  Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x42), 0x88, 0xac),
  PRIME_NETWORKS['primecoin-devnet'],
) as string;

/** One line per worker: shares by chain length, asked vs estimated sieve target. */
export function formatPrimeWorkers(workers: readonly WorkerPrimeStats[]): string {
  return workers
    .map((w) => {
      const lengths = Object.entries(w.byLength)
        .map(([L, n]) => `${L}:${n}`)
        .join(' ');
      const est = w.estimatedLength === null ? `>=${w.askedLength}?` : String(w.estimatedLength);
      return `${w.worker} [${lengths}] sieves ${est} (asked ${w.askedLength})${w.flagged ? ' FLAGGED' : ''}`;
    })
    .join(' | ');
}

export async function runPrimeDemo(args: string[], miners: number): Promise<number> {
  const { raw } = parseFlags(args);
  const places = await demoPlaces(raw);
  const { dataDir, natsUrl, log } = places;
  const devnet = await startDevnet({ family: 'prime', bits: PRIME_DEVNET_BITS, txsPerBlock: 3 });
  const cfg = loadConfig([raw], {
    nodeId: 'demo-prime-1',
    cluster: 'demo-prime',
    natsUrls: [natsUrl],
    dataDir,
    coin: 'primecoin-devnet',
    rpc: [{ url: devnet.url }],
    poolAddress: PRIME_DEMO_ADDRESS,
    stratumHost: typeof raw.stratumHost === 'string' ? raw.stratumHost : '127.0.0.1:3334',
    startDifficulty: 3,
    minDifficulty: 2,
    targetShareSeconds: 2,
    refreshSeconds: 10,
    maxConnections: 10_000,
  });
  const node = await startDemoNode(cfg, log);
  const rigs = Array.from(
    { length: miners },
    (_, i) =>
      new PrimeStratumMiner({
        host: '127.0.0.1',
        port: node.stratumPort,
        username: `${PRIME_DEMO_ADDRESS}.prime${i + 1}`,
        maxCandidatesPerSec: 5_000,
      }),
  );
  return runDemoUntilSignal({
    label: 'colliery demo (primecoin-devnet)',
    node,
    rigs,
    devnet,
    places,
    tracePaths: cfg.tracePaths,
    summary: async ({ accepted, rejected, blocks, height }) => {
      const tested = rigs.reduce((n, r) => n + r.stats.candidates, 0);
      const stats = await node.shareStats().catch(() => null);
      return (
        `miners ${node.connections()} | accepted ${accepted} rejected ${rejected} | blocks found ${blocks} | ` +
        `chain height ${height} | candidates ${tested} | ${formatPrimeWorkers(stats?.prime?.workers ?? [])}`
      );
    },
  });
}
