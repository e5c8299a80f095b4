// `colliery status` against a real two-node cluster: both nodes found by their prefix claims and
// answering for themselves, one holder per lease, the share log stream; a node that stopped
// drops out; a cluster that never ran is an error (exit 1) naming --cluster.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { clusterStatus, formatClusterStatus } from '../../topology/commands/status.js';
import type { NodeStatus } from '../../topology/status.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestNode, startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { repoRoot } from '../helpers/paths.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const pinned = pinnedDifficulty(2 ** -16);

test('status - two nodes, their leases and the share log, then one leaves', async () => {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) },
    { nodeId: 's1', cluster: 'stat', ...pinned },
  );
  const second = await startTestNode(pool.nats, pool.devnet.url, {
    nodeId: 's2',
    cluster: 'stat',
    ...pinned,
  });
  let secondStopped = false;
  const miner = localMiner(second.node.stratumPort, `${TEST_ADDRESS}.rig`, 500_000);
  after(async () => {
    await miner.stop();
    if (!secondStopped) await second.stop();
    await pool.stop();
  });
  await miner.start();
  await until('shares in the ledger', () =>
    pool.node.ledger.store.counters().shares >= 3 ? true : undefined,
  );

  const s = await clusterStatus([pool.nats.url], 'stat');
  assert.deepEqual(
    s.nodes.map((n) => n.node),
    ['s1', 's2'],
  );
  const [n1, n2] = s.nodes as NodeStatus[];
  assert.equal(n1!.connections, 0);
  assert.equal(n2!.connections, 1, 'the miner is on s2');
  assert.ok((n2!.shares?.verdicts['accepted'] ?? 0) >= 3);
  assert.equal(n1!.shares?.verdicts['accepted'] ?? 0, 0);
  assert.ok(n2!.log.records >= 1);
  assert.ok((n1?.ledger?.lastApplied ?? 0) >= 1, 'every node follows the log');
  assert.equal(n1!.draining, false);
  const kinds = s.leases.map((l) => l.lease);
  assert.deepEqual(kinds, [
    'block.bitcoin-regtest',
    'job.bitcoin-regtest',
    'ledger.bitcoin-regtest',
  ]);
  for (const l of s.leases) {
    assert.ok(l.node === 's1' || l.node === 's2', l.node);
    assert.equal(l.expired, false);
  }
  assert.equal(s.log?.stream, 'COLLIERY_LOG_stat');
  assert.ok((s.log?.lastSeq ?? 0) >= 1);
  const text = formatClusterStatus(s);
  assert.match(text, /^cluster stat · nats /);
  assert.match(
    text,
    /^ {2}s2 {2}bitcoin-regtest .* · stratum 127\.0\.0\.1:\d+ · 1\/[\d,]+ connections · shares \d+ accepted, 0 rejected · /m,
  );

  // A node's stop() releases its prefix claim (before its NATS connections close): it is out
  // of the list at once, not after the claim's 30 s TTL.
  await miner.stop();
  await second.stop();
  secondStopped = true;
  const after2 = await clusterStatus([pool.nats.url], 'stat');
  assert.deepEqual(
    after2.nodes.map((n) => n.node),
    ['s1'],
  );
  for (const l of after2.leases.filter((x) => !x.expired)) assert.equal(l.node, 's1');
  assert.deepEqual(
    after2.registry.map((e) => e.node),
    ['s1'],
    'its registry entry is gone too',
  );

  // The CLI: JSON output, and a cluster that never ran is an error naming --cluster.
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [
    cli,
    'status',
    '--nats',
    pool.nats.url,
    '--cluster',
    'stat',
    '--json',
  ]);
  assert.equal((JSON.parse(stdout) as { cluster: string }).cluster, 'stat');
  await assert.rejects(
    run(process.execPath, [cli, 'status', '--nats', pool.nats.url, '--cluster', 'never']),
    (err: { code?: number; stderr?: string }) =>
      err.code === 1 && /NO_CLUSTER.*'never'.*--cluster/.test(err.stderr ?? ''),
  );
});
