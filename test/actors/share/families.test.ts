// share families - the two PoW strategies of the one Share actor: both bound their batches by
// the verifier's threads; the hash family hashes on the event loop only where the hasher can;
// the prime family judges duplicates per job, weighs shares by chain length and keeps
// per-worker statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ShareSubmission } from '../../../actors/connection/index.js';
import type { JobWork } from '../../../actors/job/index.js';
import { hashFamily } from '../../../actors/share/hash-family.js';
import { primeFamily, type PrimeChecked } from '../../../actors/share/prime-family.js';
import { wordOfLength } from '../../../actors/shared/prime-share-value.js';
import type { ItemResult, PrimeShareResult } from '../../../native/index.js';

const hashes = () => Promise.resolve([]);
const primes = () => Promise.resolve([]);
const prime = (threads?: number) =>
  primeFamily({
    verifier: threads === undefined ? { primeShares: primes } : { primeShares: primes, threads },
    model: { stepRatio: 10, baseLength: 2 },
    minLength: 2,
    subsidySats: () => 50n,
    stats: { continuation: 0.1, minEvidence: 3 },
    statsLogEvery: 2,
  });

test('share families - both keep at most two batches per verifier thread; hash shares go inline only where the hasher can', () => {
  assert.equal(
    hashFamily({ hasher: { hashSubmits: hashes, threads: 3 }, subsidySats: () => 1n }).verifier
      .threads,
    3,
  );
  const bare = hashFamily({ hasher: { hashSubmits: hashes }, subsidySats: () => 1n });
  assert.equal(bare.verifier.threads, Infinity, 'no thread count: no limit');
  assert.equal(bare.verifier.verifyNow, undefined, 'no hashSubmitsNow: always the pool');
  const now = hashFamily({
    hasher: { hashSubmits: hashes, hashSubmitsNow: (inputs) => inputs.map(() => null) },
    subsidySats: () => 1n,
  });
  assert.deepEqual(now.verifier.verifyNow?.([]), []);
  assert.equal(prime(2).verifier.threads, 2, 'the prime family is bounded too');
  assert.equal(prime().verifier.threads, Infinity);
});

const work: JobWork = {
  id: 'p1',
  height: 5,
  prevHash: '11'.repeat(32),
  prevHashStratum: '22'.repeat(32),
  coinb1: '01',
  coinb2: '02',
  coinb2Pieces: { head: '', extraOutputs: '', extraCount: 0, lockTime: 0 },
  merkleBranch: [],
  version: 2,
  bits: '04000000',
  ntime: 1_000,
  mintime: 900,
  cleanJobs: true,
  networkTarget: 'ff'.repeat(32),
  extranonce1Size: 4,
  extranonce2Size: 4,
  segwit: false,
  coinbaseValueSats: 60n,
  createdAtMs: 0,
};

const share: ShareSubmission = {
  requestId: 1,
  jobId: 'p1',
  worker: { account: 'acct', worker: 'rig' } as ShareSubmission['worker'],
  extranonce1: '01000000',
  extranonce2: '00000000',
  ntime: 1_000,
  nonce: 7,
  extra: '05',
  chainClaim: null,
  versionMask: 0,
  difficulty: 3,
  payoutScript: null,
};

function result(length: number, blockOk = false): ItemResult<PrimeShareResult> {
  const value: PrimeShareResult = {
    headerHash: new Uint8Array(32).fill(3),
    blockHash: new Uint8Array(32).fill(4),
    chain: null,
    type: '1CC',
    length,
    shareOk: true,
    shareError: null,
    blockOk,
    blockError: null,
  };
  return { value, error: null };
}

test('share families - prime: checks before the verifier, duplicates per job, weight by chain length', () => {
  const family = prime(1);
  const job = family.job(work);
  assert.deepEqual(
    [job.bits, job.logged.netWeight > 0n, job.logged.subsidySats, job.logged.rewardSats],
    [0x04000000, true, 50n, 60n],
  );
  const refused = (extra: Partial<ShareSubmission>) =>
    (family.check(job, { ...share, ...extra }, 1_000) as { refused?: string }).refused;
  assert.equal(refused({ extra: '80' }), 'bad-multiplier', 'a negative multiplier');
  assert.equal(refused({ ntime: 800 }), 'bad-ntime', "before the job's mintime");
  const checked = family.check(job, share, 1_000) as PrimeChecked;
  assert.equal(checked.shareTarget, wordOfLength(3));
  assert.equal(checked.item.header.length, 80, 'the header is built on the event loop');
  const first = family.judge(job, share, checked, result(wordOfLength(3.5), true), false);
  assert.deepEqual(
    [first.kind, first.blockCandidate, first.note],
    ['accepted', true, { chain: '1CC03.800000' }],
  );
  assert.ok(first.weight > 0);
  const again = family.judge(job, share, checked, result(wordOfLength(3.5)), false);
  assert.deepEqual([again.kind, again.blockCandidate, again.weight], ['duplicate', false, 0]);
  const longer = family.judge(
    job,
    { ...share, nonce: 8 },
    checked,
    result(wordOfLength(3.9)),
    false,
  );
  assert.equal(longer.kind, 'duplicate', 'the same block hash (the double here) is a duplicate');
  const failed = family.judge(
    job,
    share,
    checked,
    { value: null, error: { code: 'NATIVE_BAD_INPUT', message: 'bad' } },
    false,
  );
  assert.deepEqual([failed.kind, failed.reason], ['invalid', 'bad']);
  assert.equal(family.stats?.().prime?.workers[0]?.shares, 1, 'per-worker statistics');
});

test('share families - prime: every few accepted shares a worker gets a statistics line', () => {
  const family = prime(1);
  const job = family.job(work);
  const checked = family.check(job, share, 1_000) as PrimeChecked;
  const judged = [0, 1, 2, 3].map((i) => {
    const r = result(wordOfLength(3.2));
    if (r.value) r.value.blockHash = new Uint8Array(32).fill(10 + i);
    return family.judge(job, share, checked, r, false);
  });
  assert.deepEqual(
    judged.map((j) => j.log?.msg ?? null),
    [null, 'worker chain statistics', null, 'worker chain statistics'],
  );
});

test('share families - hash: a share the verifier could not hash is answered busy', () => {
  const family = hashFamily({ hasher: { hashSubmits: hashes }, subsidySats: () => 1n });
  const job = family.job(work);
  const judged = family.judge(
    job,
    share,
    family.check(job, { ...share, extra: null }, 1_000) as never,
    null,
    false,
  );
  assert.deepEqual(
    [judged.kind, judged.reason, judged.blockCandidate],
    ['server-busy', 'verification failed', false],
  );
});
