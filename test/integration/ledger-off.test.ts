// A pool node without a ledger (--ledger off) beside a ledger node (`colliery ledger run
// --http`): the pool node mines and keeps no LMDB, the ledger node applies the log, answers the
// pool API and serves the dashboard, and the pool node's coinbases pay miners from the balances
// the Ledger actor gives it. The pool node's /api says where the API is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { loadConfig } from '../../topology/config.js';
import { startLedgerNode } from '../../topology/ledger-node.js';
import { ledgerDir } from '../../topology/wire/ledger.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { localMiner } from '../helpers/miners.js';
import { httpGet } from '../helpers/http-get.js';
import { startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

test(
  'ledger off - a pool node without a ledger mines; a ledger node answers the API and the coinbase pays from its balances',
  { timeout: 300_000 },
  async () => {
    const nats = await startNatsServer('ledger-off');
    // Network difficulty 2^-10: the miner finds a block every few seconds.
    const devnet = await startDevnet({
      bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -10)),
      txsPerBlock: 2,
    });
    const common = {
      cluster: 'ledgeroff',
      payouts: 'coinbase' as const,
      minPayoutSats: 10_000n,
      startDifficulty: 2 ** -12,
      minDifficulty: 2 ** -16,
      targetShareSeconds: 1,
    };
    const pool = await startTestNode(
      nats,
      devnet.url,
      { ...common, nodeId: 'p1', ledger: 'off', metrics: { host: '127.0.0.1', port: 0 } },
      { followMs: 200, maturity: 5 },
    );
    const ledgerData = mkdtempSync(join(tmpdir(), 'colliery-ledger-node-'));
    const ledgerCfg = loadConfig([], {
      ...common,
      nodeId: 'l1',
      dataDir: ledgerData,
      natsUrls: [nats.url],
      coin: 'bitcoin-regtest',
      rpc: [{ url: devnet.url }],
      poolAddress: TEST_ADDRESS,
      logLevel: 'error',
      http: { host: '127.0.0.1', port: 0 },
    });
    const ledger = await startLedgerNode(ledgerCfg, { leaseTtlMs: 2_000 });
    const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.rig`, 1_000_000);
    after(async () => {
      await miner.stop();
      await pool.stop();
      await ledger.stop();
      rmSync(ledgerData, { recursive: true, force: true });
      await devnet.close();
      await nats.stop();
    });

    assert.throws(() => pool.node.ledger, /keeps no ledger \(--ledger off\)/);
    assert.equal(existsSync(ledgerDir(pool.cfg)), false, 'no LMDB on the pool node');
    const metricsPort = pool.node.metricsPort;
    assert.ok(metricsPort !== null);
    const refused = await httpGet(metricsPort, '/api/pools');
    assert.equal(refused.status, 503);
    assert.match(refused.body, /colliery ledger run --http/);
    assert.equal((await httpGet(metricsPort, '/')).status, 404, 'no dashboard without a ledger');
    const metrics = await httpGet(metricsPort, '/metrics');
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.body, /^colliery_ledger_applied_seq /m);

    await miner.start();
    const store = ledger.replica.store;
    // Blocks mature after 5 confirmations; then the balance is payable and the pool node's next
    // coinbase pays it, from what the Ledger actor (on the ledger node) answered.
    const paying = await until(
      'a block whose coinbase pays the miner, from the ledger node',
      () =>
        store
          .blocks()
          .map((b) => store.bill(b.hash))
          .find((bill) => bill?.coinbasePaid.some((p) => p.account === TEST_ADDRESS)),
      240_000,
    );
    assert.equal(paying.finder.node, 'p1');
    const port = ledger.httpPort;
    assert.ok(port !== null);
    const answer = await httpGet(port, '/api/pools/bitcoin-regtest');
    assert.equal(answer.status, 200);
    const body = JSON.parse(answer.body) as {
      pool: { poolStats: { poolHashrate: number }; totalBlocks: number; ports: object };
    };
    assert.ok(body.pool.poolStats.poolHashrate > 0, 'the ledger node computes the hashrate');
    assert.ok(body.pool.totalBlocks >= 1);
    assert.equal((await httpGet(port, '/')).status, 200, 'the ledger node serves the dashboard');
    // The pool's Stratum addresses come from the cluster registry: the pool node's.
    await until('the ledger node names the pool node\'s Stratum port', async () => {
      const ports = (
        JSON.parse((await httpGet(port, '/api/pools/bitcoin-regtest')).body) as {
          pool: { ports: Record<string, unknown> };
        }
      ).pool.ports;
      return String(pool.node.stratumPort) in ports ? true : undefined;
    });
  },
);
