// `colliery demo --coin primecoin-devnet`: the whole prime path on one machine — its own
// nats-server (demo-harness.ts), the prime devnet (blocks of chain length 4 judged by the
// native consensus check), one node, and N prime demo miners (sieve + native Fermat tests).
// Prints a summary line every second, read like the hash demo's (chain tests a second in place
// of hashrate), until Ctrl-C, then drains and exits 0.
import type { NodeHandle } from './node.js';
import { scriptToAddress } from '../actors/shared/address.js';
import { PRIME_NETWORKS } from '../actors/shared/network.js';
import { loadConfig, parseFlags } from './config.js';
import {
  credited,
  demoHttp,
  demoPlaces,
  runDemoUntilSignal,
  startDemoNodes,
} from './demo-harness.js';
import { coins } from './commands/ledger.js';
import { PRIME_DEVNET_BITS, startDevnet } from './devnet/index.js';
import { PrimeStratumMiner } from './miner/prime-miner.js';

/** A devnet address (testnet version byte 111) for a fixed 20-byte key hash. */
export const PRIME_DEMO_ADDRESS = scriptToAddress(
  Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x42), 0x88, 0xac),
  PRIME_NETWORKS['primecoin-devnet'],
) as string;

export async function runPrimeDemo(args: string[], miners: number, nodeCount = 1): Promise<number> {
  const { raw } = parseFlags(args);
  const label = 'colliery demo (primecoin-devnet)';
  const places = await demoPlaces(raw, label, 'demo-prime');
  const { dataDir, natsUrl, log } = places;
  const devnet = await startDevnet({ family: 'prime', bits: PRIME_DEVNET_BITS, txsPerBlock: 3 });
  const cfg = loadConfig([raw], {
    nodeId: 'demo-prime-1',
    cluster: places.cluster,
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
    ...(await demoHttp(raw)),
  });
  const nodes = await startDemoNodes(cfg, nodeCount, log);
  const node = nodes[0] as NodeHandle;
  const rigs = Array.from(
    { length: miners },
    (_, i) =>
      new PrimeStratumMiner({
        host: '127.0.0.1',
        port: (nodes[i % nodes.length] as NodeHandle).stratumPort,
        username: `${PRIME_DEMO_ADDRESS}.prime${i + 1}`,
        maxCandidatesPerSec: 5_000,
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
    minerHint: `user: a devnet address + .worker, e.g. ${PRIME_DEMO_ADDRESS}.rig; password d=<length> sets the start chain length; \`colliery miner --coin primecoin-devnet\` mines here`,
    // Reads like the hash demo's line; chains/s (chain tests a second) is the prime hashrate.
    summary: ({ accepted, rejected, rejectedBy, blocks, height }) => {
      const tested = rigs.reduce((n, r) => n + r.stats.candidates, 0);
      const secs = (Date.now() - startedAt) / 1000;
      const line =
        `miners ${nodes.reduce((n, x) => n + x.connections(), 0)} | shares/s ${accepted - lastAccepted} | accepted ${accepted} ` +
        `rejected ${rejected}${rejectedBy ? ` (${rejectedBy})` : ''} | blocks found ${blocks} | ` +
        `chain height ${height} | ${(tested / secs / 1e3).toFixed(2)}k chains/s | ` +
        `ledger seq ${node.ledger.store.lastApplied()}, credited ${coins(credited(node))}`;
      lastAccepted = accepted;
      return line;
    },
  });
}
