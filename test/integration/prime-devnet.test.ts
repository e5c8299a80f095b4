// Prime mining end to end: a prime devnet (blocks judged by the native consensus check), two
// pool nodes on one NATS, our prime miner on each over real TCP, shares verified in the
// worker pool, weighted by their chain length and recorded for the ledger, blocks found,
// submitted and accepted by the devnet.
import { testDataDir } from '../helpers/paths.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { AcceptedShare } from '../../actors/share/actor.js';
import { scriptToAddress } from '../../actors/shared/address.js';
import { PRIME_NETWORKS } from '../../actors/shared/network.js';
import { primeNetWeight } from '../../actors/shared/prime-share-value.js';
import { targetMint } from '../../native/index.js';
import { loadConfig } from '../../topology/config.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { PrimeStratumMiner } from '../../topology/miner/prime-miner.js';
import { startNode, type NodeHandle } from '../../topology/node.js';
import { PRIME_COIN_PARAMS } from '../../topology/prime-coin.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';

const NETWORK = PRIME_NETWORKS['primecoin-devnet'];
const ADDRESS = scriptToAddress(
  Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x11), 0x88, 0xac),
  NETWORK,
) as string;
const BITS = 0x04000000;

test(
  'prime pool - miners on two nodes, shares weighted by chain length, devnet blocks accepted',
  { timeout: 240_000 },
  async () => {
    const nats = await startNatsServer();
    const devnet = await startDevnet({ family: 'prime', bits: BITS, txsPerBlock: 2 });
    const recorded: AcceptedShare[] = [];
    const sink = { append: async (s: readonly AcceptedShare[]) => void recorded.push(...s) };
    const nodes: NodeHandle[] = [];
    const miners: PrimeStratumMiner[] = [];
    after(async () => {
      await Promise.all(miners.map((m) => m.stop()));
      for (const n of nodes) await n.stop();
      await devnet.close();
      await nats.stop();
    });
    for (const id of ['p1', 'p2']) {
      const cfg = loadConfig([], {
        nodeId: id,
        cluster: 'prime',
        natsUrls: [nats.url],
        dataDir: testDataDir(),
        coin: 'primecoin-devnet',
        rpc: [{ url: devnet.url }],
        poolAddress: ADDRESS,
        stratumHost: '127.0.0.1',
        stratumPort: 0,
        startDifficulty: 3,
        minDifficulty: 2,
        targetShareSeconds: 1,
        logLevel: 'error',
      });
      nodes.push(
        await startNode(cfg, {
          hasher: createPoolHasher(1),
          log: pino({ level: 'error' }),
          sink,
          leaseTtlMs: 2_000,
        }),
      );
    }
    const rpc = new CoinRpc({ url: devnet.url });
    const startHeight = await rpc.call<number>('getblockcount');
    for (const [i, node] of nodes.entries()) {
      const miner = new PrimeStratumMiner({
        host: '127.0.0.1',
        port: node.stratumPort,
        username: `${ADDRESS}.rig${i + 1}`,
        maxCandidatesPerSec: 4000,
      });
      miners.push(miner);
      await miner.start();
    }
    await until(
      '5 accepted shares per miner',
      () => miners.every((m) => m.stats.accepted >= 5) || undefined,
      120_000,
    );
    await until(
      'a block on the devnet',
      async () => ((await rpc.call<number>('getblockcount')) > startHeight ? true : undefined),
      150_000,
    );
    const found = await until('the Block actor to record it', async () => {
      const lists = await Promise.all(nodes.map((n) => n.blocks().catch(() => [])));
      const b = lists.flat().filter((x) => x.status === 'submitted');
      return b.length > 0 ? b : undefined;
    });
    // Valid blocks: on the devnet's chain (null), or beside it when both miners found a block
    // on the same parent ('inconclusive': stored, not active). At least one is on the chain.
    for (const b of found) {
      const answer = Object.values(b.results)[0];
      assert.ok(answer === null || answer === 'inconclusive', `devnet took ${b.hash}: ${answer}`);
      const info = await rpc.call<{ confirmations: number; height: number }>('getblock', [
        b.hash,
        1,
      ]);
      if (answer === null) assert.ok(info.confirmations >= 1);
      assert.equal(info.height, b.height);
    }
    assert.ok(found.some((b) => Object.values(b.results)[0] === null));
    for (const m of miners)
      assert.equal(m.stats.rejectCodes['20'] ?? 0, 0, JSON.stringify(m.stats.rejectCodes));

    // Ledger-ready records: prime weight, the job's prime net weight, mint subsidy, reward.
    const model = { stepRatio: PRIME_COIN_PARAMS['primecoin-devnet']!.stepRatio, baseLength: 2 };
    assert.ok(recorded.length >= 10);
    const mint = targetMint(BITS, 2).mintSats;
    for (const s of recorded) {
      assert.ok(Number.isSafeInteger(s.weight) && s.weight >= 1, `weight ${s.weight}`);
      assert.equal(s.job.netWeight, primeNetWeight(BITS, model));
      assert.equal(s.job.subsidySats, mint);
      assert.ok(s.job.rewardSats > mint, 'coinbasevalue = mint + fees');
      assert.match(s.hash, /^[0-9a-f]{64}$/);
      assert.ok(BigInt(s.weight) < s.job.netWeight);
    }
    assert.equal(new Set(recorded.map((s) => s.hash)).size, recorded.length);
    assert.ok(new Set(recorded.map((s) => s.worker)).size === 2);
    const stats = await Promise.all(nodes.map((n) => n.shareStats()));
    const workers = stats.flatMap((s) => s.prime?.workers ?? []);
    assert.equal(workers.length, 2);
    for (const w of workers) {
      assert.ok(w.shares >= 5);
      assert.equal(w.askedLength, 4);
    }
  },
);
