// A Job leader failover on an unchanged tip sends miners nothing (actors/job/schedule.ts
// adoptJobs): the node that takes the Job lease carries on the jobs its block submitter heard
// from the old leader, so its first template is no new job, miners keep the work they have (no
// clean job that makes every miner in the cluster drop it, no fan-out to all of them while moved
// miners wait for their handshakes), and a job lookup for the old leader's job is answered by
// the new one. Also when the coin node's mempool changed meanwhile, as a real one's always has:
// a change on the same tip waits for the refresh (newTipOnly). (That a new tip still gets a clean job, under the new leader's id prefix, is the
// schedule test's: this devnet finds no block in the test's time.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, JobAnnouncement } from '../../actors/job/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { localMiner } from '../helpers/miners.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const COIN = 'bitcoin-regtest';

test(
  'job failover - the new Job leader carries on the jobs miners have: no new work on the same tip',
  { timeout: 120_000 },
  async () => {
    const nats = await startNatsServer();
    let templates = 0;
    // Network difficulty 16: no block in the test's time; shares at 2^-16 come several a second.
    const devnet = await startDevnet({
      bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)),
      onCall: (method) => {
        if (method === 'getblocktemplate') templates++;
      },
    });
    const node = (nodeId: string) =>
      startTestNode(
        nats,
        devnet.url,
        // No periodic refresh in the test's time: every job after the first is the failover's.
        { nodeId, cluster: 'jobfailover', refreshSeconds: 3_600, ...pinnedDifficulty(2 ** -16) },
        { leaseTtlMs: 1_000 },
      );
    const a = await node('jf1');
    const b = await node('jf2');
    const jobAt = (n: typeof a) => n.node.runtime.address('job', COIN);
    const holdsJob = (n: typeof a) => n.node.runtime.statsOf(jobAt(n)) !== undefined;
    await until('jf1 holds the Job lease', () => holdsJob(a) || undefined);
    assert.equal(holdsJob(b), false);

    const miner = localMiner(b.node.stratumPort, `${TEST_ADDRESS}.jf`, 500_000);
    const jobs: string[] = [];
    miner.on('job', (id: string) => jobs.push(id));
    let aStopped = false;
    after(async () => {
      await miner.stop();
      if (!aStopped) await a.stop();
      await b.stop();
      await devnet.close();
      await nats.stop();
    });
    await miner.start();
    await until('shares accepted on jf2', () => (miner.stats.accepted >= 3 ? true : undefined));
    const current = jobs.at(-1);
    assert.ok(current !== undefined);
    const jobsBefore = jobs.length;

    // Transactions reach the coin node's mempool: a template now has more of them and more fees.
    const txsOf = () => (devnet.chain.template().transactions as unknown[]).length;
    const txsBefore = txsOf();
    devnet.chain.addMempoolTransactions(2);
    assert.equal(txsOf(), txsBefore + 2);
    // The leader's node stops (a rolling restart); jf2 takes the lease.
    const templatesBefore = templates;
    aStopped = true;
    await a.stop();
    await until('jf2 holds the Job lease', () => holdsJob(b) || undefined, 30_000);
    // It fetched its first template and is in its longpoll: the first template was judged.
    await until(
      'the new leader fetched templates',
      () => (templates >= templatesBefore + 2 ? true : undefined),
      30_000,
    );
    const acceptedAfter = miner.stats.accepted;
    await until(
      'shares accepted on the same job after the failover',
      () => (miner.stats.accepted >= acceptedAfter + 3 ? true : undefined),
      30_000,
    );
    assert.deepEqual(jobs.slice(jobsBefore), [], 'no new work for the miner on the same tip');
    const rt = b.node.runtime;
    const announced = await rt.ask<JobAnnouncement | null>(jobAt(b), { type: 'job.current' });
    assert.equal(announced?.work.id, current, 'the new leader names the job miners have');
    const full = await rt.ask<Job | null>(jobAt(b), { type: 'job.full', id: current });
    assert.equal(full?.id, current, "the new leader answers for the old leader's job");
    assert.ok((full?.transactions.length ?? 0) > 0, 'with its transactions');
  },
);
