// A node started into a running cluster serves work at once. It has had no job broadcast yet (the
// leader broadcasts on new templates and every --refresh-seconds, here an hour), so it asks the
// Job leader for the current job: its miners, connected before and after that answer, get it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestNode, startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';

test('late node - a node joining a running cluster gives its miners work without waiting for a broadcast', async () => {
  const settings = {
    cluster: 'late',
    refreshSeconds: 3600,
    ...pinnedDifficulty(2 ** -16),
  };
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 20)) }, // no block in this test
    { nodeId: 'l1', ...settings },
  );
  const first = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.first`, 100_000);
  await first.start();
  await until('the leader has served a job', () => (first.stats.accepted > 0 ? true : undefined));
  const late = await startTestNode(pool.nats, pool.devnet.url, { nodeId: 'l2', ...settings });
  const miner = localMiner(late.node.stratumPort, `${TEST_ADDRESS}.late`, 100_000);
  after(async () => {
    await first.stop();
    await miner.stop();
    await late.stop();
    await pool.stop();
  });
  await miner.start();
  await until('a share accepted on the late node', () =>
    miner.stats.accepted > 0 ? true : undefined,
  );
  const stats = await late.node.shareStats();
  assert.ok(stats.verdicts.accepted > 0, 'judged by the late node itself');
  assert.equal(stats.jobs, 1, 'the one job it was given, no broadcast since');
});
