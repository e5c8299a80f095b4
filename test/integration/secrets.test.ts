// Issue #18, secrets out of sight: a node given its coin node's password (in the --rpc URL, from
// its config file) and its NATS password (from the environment) never writes either to its
// logs, its /api or its status, and the command line it runs with need not hold them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../topology/config.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { startNode } from '../../topology/node.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { testDataDir } from '../helpers/paths.js';
import { TEST_ADDRESS } from '../helpers/pool.js';
import { localMiner } from '../helpers/miners.js';
import { until } from '../helpers/until.js';

const RPC_SECRET = 'rpc-Secr3t-4f9a';
const NATS_SECRET = 'nats-Secr3t-77c1';

test('secrets - the coin node and NATS passwords appear in no log line, /api answer or status', async () => {
  const nats = await startNatsServer(
    'secrets',
    `authorization { user: pool, password: "${NATS_SECRET}" }`,
  );
  const devnet = await startDevnet({ password: RPC_SECRET });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  // As from a config file and COLLIERY_NATS_PASSWORD: nothing on a command line.
  const cfg = loadConfig([], {
    nodeId: 's1',
    cluster: 'secrets',
    dataDir: testDataDir(),
    natsUrls: [nats.url],
    natsUser: 'pool',
    natsPassword: NATS_SECRET,
    coin: 'bitcoin-regtest',
    rpc: [{ url: devnet.url }],
    poolAddress: TEST_ADDRESS,
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    startDifficulty: 2 ** -12,
    minDifficulty: 2 ** -16,
    targetShareSeconds: 1,
    metrics: { host: '127.0.0.1', port: 0 },
    logLevel: 'debug',
  } as never);
  const node = await startNode(cfg, {
    hasher: createPoolHasher(1),
    log: pino({ level: 'debug' }, sink),
    leaseTtlMs: 2_000,
  });
  const miner = localMiner(node.stratumPort, `${TEST_ADDRESS}.s`, 200_000);
  try {
    assert.ok(devnet.url.includes(RPC_SECRET), 'the node was given it');
    await miner.start();
    await until('shares', () => (miner.stats.accepted >= 3 ? true : undefined));
    const base = `http://127.0.0.1:${node.metricsPort}`;
    const answers = await Promise.all(
      ['/api/status', '/metrics', '/health', '/api/blocks'].map(async (p) =>
        (await fetch(base + p)).text(),
      ),
    );
    const status = JSON.stringify(await node.status());
    for (const text of [...lines, ...answers, status]) {
      assert.ok(
        !text.includes(RPC_SECRET),
        `the coin node's password leaked: ${text.slice(0, 300)}`,
      );
      assert.ok(!text.includes(NATS_SECRET), `the NATS password leaked: ${text.slice(0, 300)}`);
    }
    assert.ok(lines.length > 10, 'the node did log');
  } finally {
    await miner.stop();
    await node.stop();
    await devnet.close();
    await nats.stop();
  }
});
