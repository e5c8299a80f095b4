// One pool node in this process for integration tests: its own nats-server and devnet, a
// node on random loopback ports, the native verifier pool. stop() tears it all down.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNatsServer, type NatsServer } from './nats-server.js';
import { startDevnet, type Devnet, type DevnetOptions } from '../../topology/devnet/index.js';
import { loadConfig, type NodeConfig } from '../../topology/config.js';
import { startNode, type NodeDeps, type NodeHandle } from '../../topology/node.js';
import { createPoolHasher } from '../../topology/verifier.js';
import type { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { localMiner } from './miners.js';

export const TEST_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

export interface TestPool {
  readonly cfg: NodeConfig;
  readonly nats: NatsServer;
  readonly devnet: Devnet;
  readonly node: NodeHandle;
  stop(): Promise<void>;
}

export interface TestPoolDeps {
  /** A nats-server to reuse (left running by stop()); default: a new one. */
  readonly nats?: NatsServer;
  /** Default: the native verifier pool with one thread. */
  readonly hasher?: NodeDeps['hasher'];
  /** How often the Block actor follows found blocks (default 10 s). */
  readonly followMs?: number;
  /** Confirmations to maturity (default: the coin's 100). */
  readonly maturity?: number;
  /** Where accepted shares go (default: the node's JetStream share log). */
  readonly sink?: NodeDeps['sink'];
  /** Lease TTL of the Job/Block singletons (default 2 s here, so takeover tests are quick). */
  readonly leaseTtlMs?: number;
}

export async function startTestPool(
  devnetOptions: DevnetOptions,
  overrides: Partial<NodeConfig>,
  deps: TestPoolDeps = {},
): Promise<TestPool> {
  const nats = deps.nats ?? (await startNatsServer());
  const devnet = await startDevnet(devnetOptions);
  const { cfg, node, stop } = await startTestNode(nats, devnet.url, overrides, deps);
  return {
    cfg,
    nats,
    devnet,
    node,
    stop: async () => {
      await stop();
      await devnet.close();
      if (!deps.nats) await nats.stop();
    },
  };
}

/** A pool node in this process against the coin node at `rpcUrl`; stop() removes its data. */
export async function startTestNode(
  nats: NatsServer,
  rpcUrl: string,
  overrides: Partial<NodeConfig>,
  deps: Omit<TestPoolDeps, 'nats'> = {},
): Promise<{ cfg: NodeConfig; node: NodeHandle; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'colliery-pool-'));
  const cfg = loadConfig([], {
    dataDir,
    natsUrls: [nats.url],
    coin: 'bitcoin-regtest',
    rpc: [{ url: rpcUrl }],
    poolAddress: TEST_ADDRESS,
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    logLevel: 'error',
    ...overrides,
  });
  const node = await startNode(cfg, {
    hasher: deps.hasher ?? createPoolHasher(1),
    log: pino({ level: cfg.logLevel }),
    leaseTtlMs: deps.leaseTtlMs ?? 2_000,
    ...(deps.followMs !== undefined ? { followMs: deps.followMs } : {}),
    ...(deps.maturity !== undefined ? { maturity: deps.maturity } : {}),
    ...(deps.sink !== undefined ? { sink: deps.sink } : {}),
  });
  return {
    cfg,
    node,
    stop: async () => {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Share difficulty fixed at `d` (vardiff held still): tests that count shares need them steady. */
export function pinnedDifficulty(
  d: number,
): Pick<NodeConfig, 'startDifficulty' | 'minDifficulty' | 'maxDifficulty'> {
  return { startDifficulty: d, minDifficulty: d, maxDifficulty: d };
}

/**
 * A pool with its metrics server (random port) and our miner mining on it at diff 2^-16, network
 * difficulty 16 (no block in a test's time): what the metrics and ops-kit tests scrape. Stopped
 * after the test (miner, then pool).
 */
export async function startMeteredPool(
  nodeId: string,
  cluster: string,
): Promise<{ pool: TestPool; miner: StratumMiner; port: number }> {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) },
    { nodeId, cluster, metrics: { host: '127.0.0.1', port: 0 }, ...pinnedDifficulty(2 ** -16) },
  );
  const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.rig`, 500_000);
  after(async () => {
    await miner.stop();
    await pool.stop();
  });
  const port = pool.node.metricsPort;
  assert.ok(port !== null && port > 0, 'the metrics server listens');
  return { pool, miner, port };
}
