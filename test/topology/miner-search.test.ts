// Our miners' search loops and what they report, without a pool: every share a hash or prime
// search reports rebuilds, by the pool's own rules, into a header that meets the target it
// claims; searchers on one job take disjoint extranonce2 slices, in this thread or in worker
// threads; a new target keeps a searcher's place; rejections are counted by the pool's reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { hashSubmitReference, submitHeader } from '../../actors/shared/submit-hash.js';
import { shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { checkPrimeShare, decodeMultiplier, hashHeaders, primeChain } from '../../native/index.js';
import { HashSearch, type HashFound, type HashWork } from '../../topology/miner/hash-search.js';
import { PrimeSearch, type PrimeFound, type PrimeWork } from '../../topology/miner/prime-search.js';
import { rejectReason } from '../../topology/miner/reject-reasons.js';
import { formatAnswers } from '../../topology/miner/report.js';
import { IDLE, searchInThreads, type SearchEvents } from '../../topology/miner/search.js';
import { workFromNotify, type NotifiedWork } from '../../topology/miner/stratum-wire.js';
import { until } from '../helpers/until.js';

function job(id: string, nbits: string): NotifiedWork {
  return workFromNotify([
    id,
    '00000000'.repeat(7) + '0000abcd',
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff',
    'ffffffff0100f2052a010000001976a914000000000000000000000000000000000000000088ac00000000',
    ['11'.repeat(32)],
    '20000000',
    nbits,
    '65000000',
    true,
  ]);
}

const EXTRANONCE1 = hexToBytes('f000000d');

function collect<F>() {
  const found: F[] = [];
  const en2s: number[] = [];
  let units = 0;
  const events: SearchEvents<F> = {
    found: (f) => void found.push(f),
    progress: (n) => void (units += n),
    extranonce2: (en2) => void en2s.push(en2),
  };
  return { found, en2s, events, units: () => units };
}

/** The pool's header for a reported share. */
function headerOfFound(work: NotifiedWork, f: HashFound | PrimeFound) {
  return {
    coinbase1: work.coinb1,
    extranonce1: EXTRANONCE1,
    extranonce2: hexToBytes(f.extranonce2),
    coinbase2: work.coinb2,
    merkleBranches: work.merkleBranches,
    version: work.version,
    prevHash: work.prevHash,
    ntime: parseInt(f.ntime, 16),
    nbits: work.nbits,
    nonce: parseInt(f.nonce, 16),
  };
}

test('miner search - hash shares rebuild into headers under the target; slices are disjoint', () => {
  const target = shareTargetFromDifficulty('0.000000059604644775390625'); // 2^-24
  const work: HashWork = {
    job: job('h1', '1d00ffff'),
    extranonce1: EXTRANONCE1,
    extranonce2Size: 4,
    en2Start: 7,
    target,
    versionMask: 0,
  };
  const searchers = [0, 1].map((index) => {
    const c = collect<HashFound>();
    const s = new HashSearch(hashHeaders, { index, stride: 2 }, { batchSize: 1024 }, c.events);
    s.setWork(work);
    return { s, c };
  });
  for (const { s } of searchers) for (let i = 0; i < 8; i++) assert.equal(s.step(), 1024);
  assert.deepEqual(
    searchers.map(({ c }) => c.en2s),
    [[7], [8]],
  );
  for (const { c } of searchers) {
    assert.equal(c.units(), 8 * 1024);
    assert.ok(c.found.length > 0, 'difficulty 2^-24: about 32 shares in 8192 hashes');
    for (const f of c.found) {
      const hash = hashSubmitReference(headerOfFound(work.job, f)).hash;
      assert.equal(bytesToHex(reverseBytes(hash)), f.hash);
      assert.ok(BigInt(`0x${f.hash}`) <= target);
      assert.equal(f.block, false);
    }
  }
  // A new target on the same work: the searcher keeps its place (no new extranonce2).
  const [{ s, c }] = searchers as [(typeof searchers)[number]];
  const before = c.found.length;
  s.setWork({ ...work, target: shareTargetFromDifficulty(2 ** 40) });
  s.step();
  assert.deepEqual(c.en2s, [7]);
  assert.equal(c.found.length, before, 'nothing meets difficulty 2^40');
  s.setWork(null);
  assert.equal(s.step(), IDLE);
});

test('miner search - prime chains rebuild into shares the native check accepts, no multiplier twice', () => {
  const work: PrimeWork = {
    job: job('p1', '04000000'),
    extranonce1: EXTRANONCE1,
    extranonce2Size: 4,
    en2Start: 0,
    shareTarget: 0x02000000,
  };
  const c = collect<PrimeFound>();
  const s = new PrimeSearch(primeChain, { index: 0, stride: 1 }, { sieveSize: 4000 }, c.events);
  s.setWork(work);
  for (let i = 0; i < 400 && c.found.length < 5; i++) s.step();
  assert.ok(c.found.length >= 5, `chains of length 2: ${c.found.length}`);
  const seen = new Set<string>();
  for (const f of c.found) {
    const header = submitHeader(headerOfFound(work.job, f)).header;
    const r = checkPrimeShare(
      header,
      decodeMultiplier(hexToBytes(f.multiplier)),
      work.shareTarget,
      work.job.nbits,
    );
    assert.ok(r.shareOk, `${f.nonce}/${f.multiplier}: ${r.shareError}`);
    assert.equal(r.type, f.type);
    assert.ok(f.word >= work.shareTarget);
    const key = `${f.extranonce2}/${f.nonce}/${f.multiplier}`;
    assert.ok(!seen.has(key), `submitted twice: ${key}`);
    seen.add(key);
  }
});

test('miner search - worker threads search their own extranonce2s and stop when told', async () => {
  const c = collect<HashFound>();
  const search = searchInThreads<HashWork, HashFound>(
    { kind: 'hash', batchSize: 1024 },
    2,
    undefined,
    c.events,
    (err) => assert.fail(err),
  );
  const work: HashWork = {
    job: job('t1', '1d00ffff'),
    extranonce1: EXTRANONCE1,
    extranonce2Size: 4,
    en2Start: 0,
    target: shareTargetFromDifficulty('0.00000095367431640625'), // 2^-20
    versionMask: 0,
  };
  search.setWork(work);
  await until('shares from both threads', () => {
    const en2s = new Set(c.found.map((f) => f.extranonce2));
    return en2s.has('00000000') && en2s.has('00000001') ? true : undefined;
  });
  assert.deepEqual([...c.en2s].sort(), [0, 1]);
  for (const f of c.found) {
    const hash = hashSubmitReference(headerOfFound(work.job, f)).hash;
    assert.equal(bytesToHex(reverseBytes(hash)), f.hash);
  }
  await search.stop();
  const after = c.found.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.found.length, after, 'nothing found after stop');
});

test('miner search - rejections are counted by the reason the pool gave', () => {
  assert.equal(rejectReason([21, 'Job not found (=stale)', null]), 'stale');
  assert.equal(rejectReason([22, 'Duplicate share', null]), 'duplicate');
  assert.equal(
    rejectReason([23, 'Low difficulty share: TWN03.1a2b3c below 03.800000']),
    'low difficulty',
  );
  assert.equal(rejectReason([20, 'Invalid multiplier: non-canonical', null]), 'bad multiplier');
  assert.equal(rejectReason([20, 'Invalid share: header hash below 2^255', null]), 'invalid');
  assert.equal(rejectReason([20, 'Something else: x', null]), 'something else');
  assert.equal(rejectReason([99]), 'code 99');
  assert.equal(rejectReason(null), 'unknown');
  const stats = {
    submitted: 4,
    accepted: 41,
    rejected: 3,
    rejectCodes: { '21': 1, '23': 2 },
    rejectedBy: { stale: 1, 'low difficulty': 2 },
    blocks: 0,
  };
  assert.equal(formatAnswers(stats), 'accepted 41 rejected 3 (low difficulty 2, stale 1)');
});
