// Pool statistics kept beside the ledger (actors/ledger/stats): hashrate from accepted work,
// refusals from the log, effort per block, the same figures however the log is batched, across
// a clean restart and a crash (the replica reads again from resumeSeq), and 30-day pruning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  BUCKET_MS,
  DAY_MS,
  HASH_WORK_PER_WEIGHT,
  WEIGHT_ONE,
  openLedger,
  type LedgerStore,
  type LogEntry,
  type StatsView,
} from '../../../actors/ledger/index.js';
import { COIN, LogBuilder, batches, hashOf, tempDir } from './log.js';
import { statsConfig, statsLog, T0 } from './stats-log.js';

const K = HASH_WORK_PER_WEIGHT;

function open(dir: string, flushMs = 0): LedgerStore {
  return openLedger(dir, statsConfig, { stats: { workPerWeight: K, flushMs } });
}

function statsOf(store: LedgerStore): StatsView {
  const s = store.stats();
  assert.ok(s, 'the store keeps statistics');
  return s;
}

/** Everything a view answers at `now`, for comparing replicas. */
function figures(v: StatsView, now: number): unknown {
  return {
    pool: v.pool(now),
    alice: v.account('alice', now),
    bob: v.account('bob', now),
    ranking: v.ranking(now, '24h', 0, 10),
    series: v.poolSeries(now - DAY_MS, now, 3_600_000),
    aliceSeries: v.accountSeries('alice', now - 3_600_000, now, BUCKET_MS),
    effort: v.blockEffort(hashOf('block-1')),
  };
}

test('stats - hashrate is accepted difficulty × 2^32 over the window, refusals and effort come from the log', async () => {
  const { dir, remove } = tempDir();
  const store = open(dir);
  try {
    const entries = statsLog();
    store.applyBatch(entries);
    const v = statsOf(store);
    const now = T0 + 20 * 60_000; // 20 minutes in: the window is the last 10-15 minutes
    const alice = v.account('alice', now);
    assert.ok(alice);
    // alice: one diff-4 share every 10 s for 20 minutes → 4 × 2^32 / 10 H/s.
    const expected = (4 * 2 ** 32) / 10;
    assert.ok(
      Math.abs(alice.hashrate - expected) / expected < 0.02,
      `alice ${alice.hashrate} vs ${expected}`,
    );
    assert.equal(alice.workers.length, 2);
    const rig = alice.workers.find((w) => w.worker === 'rig1');
    assert.ok(rig?.online);
    assert.equal(rig.stale24h, 3);
    assert.equal(rig.invalid24h, 5);
    assert.equal(alice.stale24h, 3);
    assert.equal(alice.invalid24h, 5 + 2);
    assert.equal(alice.accepted24h, 120);
    // bob started 5 minutes ago at diff 1 every 2 s: his rate is over his 5 minutes, not 10.
    const bob = v.account('bob', now);
    assert.ok(bob);
    const bobRate = 2 ** 32 / 2;
    assert.ok(Math.abs(bob.hashrate - bobRate) / bobRate < 0.02, `bob ${bob.hashrate}`);
    const pool = v.pool(now);
    assert.equal(pool.minersOnline, 2);
    assert.equal(pool.workersOnline, 3);
    assert.equal(pool.network?.height, 101);
    assert.equal(pool.network?.difficulty, 1_000_000 / WEIGHT_ONE);
    // The pool has mined all 10 minutes: alice's 60 diff-4 shares and bob's 150 over them.
    const poolRate = ((60 * 4 + 150) * 2 ** 32) / 600;
    assert.ok(Math.abs(pool.hashrate - poolRate) / poolRate < 0.02, `pool ${pool.hashrate}`);
    // The block closed a round of every share before it: 60 of alice's diff-4 shares.
    const effort = v.blockEffort(hashOf('block-1'));
    assert.equal(effort?.effort, (60 * 4 * WEIGHT_ONE) / 1_000_000);
    assert.equal(pool.currentEffort, ((60 * 4 + 150) * WEIGHT_ONE) / 1_000_000);
    assert.deepEqual(pool.luck, {
      blocks: 1,
      averageEffort: effort?.effort,
      luck: 1 / (effort?.effort ?? NaN),
    });
    const ranking = v.ranking(now, 'current', 0, 1);
    assert.equal(ranking.total, 2);
    // bob's 0.5 × 2^32 H/s over his 5 minutes beats alice's 0.4 × 2^32.
    assert.deepEqual(
      ranking.rows.map((r) => r.account),
      ['bob'],
    );
    assert.deepEqual(
      v.ranking(now, 'current', 1, 1).rows.map((r) => r.account),
      ['alice'],
      'page 1',
    );
    // Past the window nobody is online and the current rate is zero.
    const later = now + 30 * 60_000;
    assert.equal(v.pool(later).workersOnline, 0);
    assert.equal(v.account('alice', later)?.hashrate, 0);
    const times = v.payoutTimes('payout-1');
    assert.deepEqual(times, { plannedMs: T0 + 60_000, sentMs: T0 + 61_000 });
  } finally {
    await store.close();
    remove();
  }
});

test('stats - the same log in different batches and across a clean restart gives the same figures', async () => {
  const entries = statsLog();
  const now = T0 + 20 * 60_000;
  const a = tempDir();
  const b = tempDir();
  let one: unknown;
  const first = open(a.dir);
  try {
    first.applyBatch(entries);
    one = figures(statsOf(first), now);
  } finally {
    await first.close();
  }
  const reopened = open(a.dir);
  try {
    assert.deepEqual(figures(statsOf(reopened), now), one, 'after a restart');
  } finally {
    await reopened.close();
    a.remove();
  }
  const split = open(b.dir, 10_000_000);
  try {
    for (const part of batches(entries, [1, 2, 7, 30, 31])) await split.applyBatchAsync(part);
    assert.deepEqual(figures(statsOf(split), now), one, 'in other batches, written later');
  } finally {
    await split.close();
    b.remove();
  }
});

test('stats - after a crash the replica reads the log again from resumeSeq and counts each entry once', async () => {
  const entries = statsLog();
  const now = T0 + 20 * 60_000;
  const ref = tempDir();
  const crashed = tempDir();
  const reference = open(ref.dir);
  let want: unknown;
  try {
    reference.applyBatch(entries);
    want = figures(statsOf(reference), now);
  } finally {
    await reference.close();
    ref.remove();
  }
  // A child applies the log one entry per batch with statistics that never come due, and is
  // killed: the ledger is on disk, the statistics' deltas are not.
  const child = spawn(process.execPath, [
    fileURLToPath(new URL('./stats-child.js', import.meta.url)),
    crashed.dir,
  ]);
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (line === 'done') break;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const store = open(crashed.dir);
  try {
    assert.equal(store.lastApplied(), entries.at(-1)?.seq);
    assert.ok(store.resumeSeq() < store.lastApplied(), 'the statistics are behind the ledger');
    const digest = store.digest();
    // What a replica does: read from resumeSeq + 1.
    store.applyBatch(entries.filter((e) => e.seq > store.resumeSeq()));
    assert.equal(store.resumeSeq(), store.lastApplied());
    assert.equal(store.digest(), digest, 'the ledger applied nothing twice');
    assert.deepEqual(figures(statsOf(store), now), want);
  } finally {
    await store.close();
    crashed.remove();
  }
});

test('stats - buckets older than 30 days of log time are pruned, and silent accounts go', async () => {
  const { dir, remove } = tempDir();
  const store = open(dir);
  try {
    const log = new LogBuilder();
    const at = (ms: number, account: string) =>
      log.push({
        type: 'shares',
        v: 1,
        id: `n:b:${ms}:${account}`,
        coin: COIN,
        node: 'n',
        jobs: [
          {
            id: 'j',
            height: 1,
            netWeight: 1_000_000n,
            subsidySats: 1n,
            rewardSats: 1n,
          },
        ],
        shares: [
          { job: 0, account, worker: 'w', weight: WEIGHT_ONE, hash: hashOf(`${ms}`), atMs: ms },
        ],
      });
    store.applyBatch([at(T0, 'gone'), at(T0, 'stays')]);
    const v = statsOf(store);
    assert.equal(v.poolSeries(T0, T0 + BUCKET_MS, BUCKET_MS)[0]?.accepted, 2);
    store.applyBatch([at(T0 + 20 * DAY_MS, 'stays')]);
    store.applyBatch([at(T0 + 31 * DAY_MS, 'stays')]);
    const now = T0 + 31 * DAY_MS;
    assert.equal(v.account('gone', now), undefined, 'silent for 30 days: gone');
    assert.ok(v.account('stays', now));
    assert.equal(v.poolSeries(T0, T0 + BUCKET_MS, BUCKET_MS)[0]?.accepted, 0, 'old buckets pruned');
    assert.equal(v.poolSeries(T0 + 20 * DAY_MS, T0 + 20 * DAY_MS, BUCKET_MS)[0]?.accepted, 1);
  } finally {
    await store.close();
    remove();
  }
});

test('stats - a replica without statistics keeps none and resumes at lastApplied', async () => {
  const { dir, remove } = tempDir();
  const store = openLedger(dir, statsConfig);
  try {
    const entries: LogEntry[] = statsLog();
    store.applyBatch(entries);
    assert.equal(store.stats(), null);
    assert.equal(store.resumeSeq(), store.lastApplied());
  } finally {
    await store.close();
    remove();
  }
});
