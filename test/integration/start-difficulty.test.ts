// Issue #14: `d=<diff>` in the password sets a connection's start difficulty, down as well as
// up. A node left at its default start difficulty (1), the pool's own hashing miner authorizing
// with `-p d=0.001` as cpuminer does: it is told 0.001 and its shares are judged, logged and
// credited at 0.001 (at difficulty 1 a throttled CPU miner finds one share in minutes).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from '@nats-io/transport-node';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';
import { hashShareWeight } from '../../actors/shared/share-weight.js';
import { hashHeaders } from '../../native/index.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const ASKED = 0.001;
const SHARES = 4;

test('start difficulty - a miner authorizing with d=0.001 on a default node mines and is credited at 0.001', async () => {
  // Network difficulty 1: no blocks; nothing pins the share difficulty.
  const pool = await startTestPool({ bits: 0x1d00ffff }, { nodeId: 'sd1', cluster: 'startdiff' });
  // ~4.3M hashes a share at 0.001: one every ~1.4 s at this rate, too few for vardiff to move.
  const miner = new StratumMiner({
    host: '127.0.0.1',
    port: pool.node.stratumPort,
    username: `${TEST_ADDRESS}.cpu`,
    password: `d=${ASKED}`,
    hashHeaders,
    maxHashesPerSec: 3_000_000,
  });
  const nc = await connect({ servers: pool.nats.url });
  after(async () => {
    await miner.stop();
    await nc.close();
    await pool.stop();
  });
  assert.ok(
    pool.cfg.startDifficulty > ASKED && pool.cfg.minDifficulty <= ASKED,
    `the node's defaults: start ${pool.cfg.startDifficulty}, min ${pool.cfg.minDifficulty}`,
  );

  const acked: string[] = [];
  miner.on('accepted', (hash: string | undefined) => hash !== undefined && acked.push(hash));
  const firstJob = once(miner, 'job');
  await miner.start();
  await firstJob;
  assert.equal(miner.difficulty, ASKED, 'set_difficulty before the first notify');

  await until(`${SHARES} accepted shares`, () => acked.length >= SHARES || undefined);
  await miner.stop();
  assert.equal(miner.stats.rejected, 0, JSON.stringify(miner.stats.rejectCodes));

  // The node's accounting: every share the miner heard "accepted" for is in the share log,
  // weighted at the difficulty it asked for.
  const logged = await until('the accepted shares in the share log', async () => {
    const weights = new Map<string, number>();
    for await (const batch of readLog(nc, {
      cluster: pool.cfg.cluster,
      coin: pool.cfg.coin,
      kind: 'shares',
      fromSeq: 1,
      until: 'end',
      maxBatch: 100,
    })) {
      for (const e of batch)
        for (const s of (e.record as ShareBatchRecord).shares) weights.set(s.hash, s.weight);
    }
    return acked.every((h) => weights.has(h)) ? weights : undefined;
  });
  for (const [hash, weight] of logged)
    assert.equal(weight, hashShareWeight(ASKED), `share ${hash} credited at 0.001`);
  assert.ok(logged.size >= SHARES);
});
