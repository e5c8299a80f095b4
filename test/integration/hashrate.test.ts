// Hashrate end to end: a real miner hashes against a node at a fixed share difficulty until
// 2,000 of its shares are accepted, and the pool API's hashrate for it (derived from the share
// log by the ledger replica's statistics) is within 10 % of the hashes the miner counted over the
// same time.
// Refused shares (a duplicate, an unknown job) reach the statistics through the log too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { until } from '../helpers/until.js';
import { pinnedDifficulty, startTestPool, TEST_ADDRESS } from '../helpers/pool.js';

/** 2^16 hashes a share (the ledger's finest weight, and the pool's default lowest difficulty). */
const SHARE_DIFFICULTY = 2 ** -16;
/**
 * Shares drawn before the check. Shares come as a Poisson process, one per 2^16 hashes on
 * average, so the API's figure (accepted work / time) differs from the miner's own count by a
 * relative standard deviation of 1/√N: 2.24 % at N = 2,000. 10 % is then 4.5 standard deviations
 * (a correct pool fails fewer than one run in 100,000), and a figure 20 % too high or too low
 * passes fewer than one in 10,000 (its 10 % bound is 3.7 of its standard deviations away). The
 * miner is not throttled: the hashes (2,000 × 2^16) are the cost, however fast they are done.
 */
const SHARES = 2_000;

async function getJson<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface MinerStats {
  performance: { workers: Record<string, { hashrate: number; sharesPerSecond: number }> } | null;
}

test('hashrate - the API reports within 10 % of what the miner hashed; refusals are counted', async (t) => {
  const pool = await startTestPool(
    // Network difficulty 1: no block in the window at this rate.
    { bits: bitsFromTarget(shareTargetFromDifficulty(1)), txsPerBlock: 1 },
    {
      nodeId: 'n1',
      cluster: 'hashrate',
      ...pinnedDifficulty(SHARE_DIFFICULTY),
      metrics: { host: '127.0.0.1', port: 0 },
    },
  );
  const { node } = pool;
  const port = node.metricsPort;
  assert.ok(port !== null);
  const miner = new StratumMiner({
    host: '127.0.0.1',
    port: node.stratumPort,
    username: `${TEST_ADDRESS}.rig1`,
    hashHeaders,
  });
  after(async () => {
    await miner.stop();
    await pool.stop();
  });
  await miner.start();
  const startedAt = Date.now();
  await until(
    `${SHARES} shares accepted`,
    () => miner.stats.accepted >= SHARES || undefined,
    300_000,
    20,
  );
  const hashes = miner.stats.hashes;
  const minedFor = (Date.now() - startedAt) / 1000;
  const reported = hashes / minedFor;
  const stats = await getJson<MinerStats>(
    port,
    `/api/pools/bitcoin-regtest/miners/${TEST_ADDRESS}`,
  );
  const worker = stats.performance?.workers.rig1;
  assert.ok(worker, `rig1 in ${JSON.stringify(stats.performance)}`);
  const ratio = worker.hashrate / reported;
  assert.ok(
    Math.abs(ratio - 1) <= 0.1,
    `API ${worker.hashrate.toFixed(0)} H/s vs the miner's ${reported.toFixed(0)} H/s ` +
      `(${hashes} hashes, ${miner.stats.accepted} accepted shares)`,
  );
  assert.ok(miner.stats.accepted >= SHARES, `accepted ${miner.stats.accepted}`);
  t.diagnostic(
    `API/miner ${ratio.toFixed(4)} over ${miner.stats.accepted} shares in ${minedFor.toFixed(1)} s`,
  );

  // Refusals: a duplicate and an unknown job from another connection of the same account.
  const refusals = await sendRefusals(node.stratumPort, `${TEST_ADDRESS}.rig2`);
  // The first share (nonce 0) is almost surely below the share target (23), then a duplicate
  // (22) and an unknown job (21).
  assert.deepEqual(refusals.slice(1), [22, 21]);
  const lowDifficulty = refusals[0] === 23 ? 1 : 0;
  const account = await until(
    'the refusals in the statistics (they ride the next record)',
    async () => {
      const a = await getJson<{
        workers: { worker: string; stale24h: number; invalid24h: number }[];
      }>(port, `/api/colliery/pools/bitcoin-regtest/miners/${TEST_ADDRESS}`);
      const rig2 = a.workers.find((w) => w.worker === 'rig2');
      return rig2 && rig2.stale24h + rig2.invalid24h >= 2 + lowDifficulty ? rig2 : undefined;
    },
  );
  assert.equal(account.stale24h, 1);
  assert.equal(account.invalid24h, 1 + lowDifficulty);
});

/** Opens a Stratum session, submits one share twice and one on an unknown job; the error codes. */
async function sendRefusals(port: number, user: string): Promise<number[]> {
  const socket = connect({ host: '127.0.0.1', port });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  const answer = (id: number) => until(`answer ${id}`, () => lines.find((l) => l.id === id));
  const send = (o: unknown) => socket.write(`${JSON.stringify(o)}\n`);
  try {
    send({ id: 1, method: 'mining.subscribe', params: ['refuser/1'] });
    const sub = (await answer(1)) as { result: [unknown, string, number] };
    const en2 = '00'.repeat(sub.result[2]);
    send({ id: 2, method: 'mining.authorize', params: [user, 'x'] });
    await answer(2);
    const notify = await until('a job', () => lines.find((l) => l.method === 'mining.notify'));
    const [jobId, , , , , , , ntime] = (notify as { params: string[] }).params;
    const submit = (id: number, job: string) =>
      send({ id, method: 'mining.submit', params: [user, job, en2, ntime, '00000000'] });
    submit(3, jobId as string); // accepted or low difficulty: either way its nonce is now seen
    submit(4, jobId as string); // the same share again: duplicate (22)
    submit(5, 'ffffffff'); // no such job: stale (21)
    const codes: number[] = [];
    for (const id of [3, 4, 5]) {
      const a = (await answer(id)) as { error: [number, string] | null };
      codes.push(a.error?.[0] ?? 0);
    }
    return codes;
  } finally {
    socket.destroy();
  }
}
