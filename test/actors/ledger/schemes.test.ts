// ledger schemes - PPLNS window tally and split, PROP/SOLO splits, PPS/FPPS exact rationals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitFee, sumSats } from '../../../actors/shared/amounts.js';
import { POOL_ACCOUNT } from '../../../actors/ledger/config.js';
import { tallyWindow, windowTarget } from '../../../actors/ledger/schemes/pplns.js';
import { ppsCredit, settleRational } from '../../../actors/ledger/schemes/pps.js';
import { soloSplit } from '../../../actors/ledger/schemes/solo.js';
import { splitOverWeights } from '../../../actors/ledger/schemes/split.js';
import { PageBuilder } from '../../../actors/ledger/window.js';
import type { WindowPage } from '../../../actors/ledger/window.js';
import { batches, hashOf } from './log.js';

type Share = readonly [account: number, weight: number];

function pagesOf(shares: readonly Share[], cuts: readonly number[]): WindowPage[] {
  return batches(shares, cuts).map((chunk, p) => {
    const b = new PageBuilder(p + 1, chunk.length);
    chunk.forEach(([a, w], i) => b.add(a, w, hashOf(`${p}-${i}`)));
    return b.finish();
  });
}

/** Reference: walk shares newest first in bigint, boundary share partial. */
function naiveWindow(shares: readonly Share[], target: bigint): Map<number, bigint> {
  const out = new Map<number, bigint>();
  let left = target;
  for (let i = shares.length - 1; i >= 0 && left > 0n; i--) {
    const [a, w] = shares[i] as Share;
    if (w === 0) continue;
    const take = BigInt(w) < left ? BigInt(w) : left;
    out.set(a, (out.get(a) ?? 0n) + take);
    left -= take;
  }
  return out;
}

const shareArb = fc.tuple(
  fc.integer({ min: 0, max: 6 }),
  fc.oneof(
    fc.integer({ min: 0, max: 65_536 * 64 }),
    fc.integer({ min: 2 ** 50, max: 2 ** 52 }), // exercises the 2^52 flush
  ),
);

test('pplns - splits over the window ending at the block, boundary share partial', () => {
  // alice 30, bob 40 | carol 50; N = 2 × 50 = 100: carol 50, bob 40, alice 10 of her 30.
  const pages = pagesOf(
    [
      [0, 30],
      [1, 40],
      [2, 50],
    ],
    [2],
  );
  const target = windowTarget(50n, 20_000);
  assert.equal(target, 100n);
  const tally = tallyWindow(pages, target, 3);
  assert.deepEqual(
    tally.lines.map((l) => [l.account, l.weight, l.shares]),
    [
      [0, 10n, 1],
      [1, 40n, 1],
      [2, 50n, 1],
    ],
  );
  assert.equal(tally.boundaryWeight, 10n);
  assert.deepEqual(tally.oldest, { page: 0, index: 0 });
  assert.deepEqual(tally.newest, { page: 1, index: 0 });
  const { feeSats, restSats } = splitFee(1_000_000n, 100);
  const split = splitOverWeights(
    restSats,
    tally.lines.map((l) => ({ key: `a${l.account}`, weight: l.weight })),
    target - tally.filled,
  );
  assert.equal(feeSats, 10_000n);
  assert.deepEqual(
    [...split],
    [
      ['a0', 99_000n],
      ['a1', 396_000n],
      ['a2', 495_000n],
    ],
  );
});

test('pplns - a window younger than N gives the unfilled part to the pool', () => {
  const pages = pagesOf(
    [
      [0, 30],
      [1, 40],
      [2, 50],
    ],
    [1],
  );
  const tally = tallyWindow(pages, 200n, 3);
  assert.equal(tally.filled, 120n);
  assert.equal(tally.boundaryWeight, null);
  const split = splitOverWeights(
    990_000n,
    tally.lines.map((l) => ({ key: `a${l.account}`, weight: l.weight })),
    80n,
  );
  assert.equal(split.get(POOL_ACCOUNT), 396_000n);
  assert.equal(split.get('a0'), 148_500n);
  assert.equal(sumSats(split.values()), 990_000n);
});

test('pplns - an empty window pays everything to the pool', () => {
  const split = splitOverWeights(123n, [], 0n);
  assert.deepEqual([...split], [[POOL_ACCOUNT, 123n]]);
  assert.equal(tallyWindow([], 10n, 0).filled, 0n);
});

test('pplns - window tally equals a bigint reference walk and is invariant to paging (property)', () => {
  fc.assert(
    fc.property(
      fc.array(shareArb, { minLength: 0, maxLength: 60 }),
      fc.array(fc.nat({ max: 60 }), { maxLength: 8 }),
      fc.array(fc.nat({ max: 60 }), { maxLength: 8 }),
      fc.bigInt({ min: 1n, max: 1n << 56n }),
      (shares, cutsA, cutsB, target) => {
        const a = tallyWindow(pagesOf(shares, cutsA), target, 7);
        const b = tallyWindow(pagesOf(shares, cutsB), target, 7);
        const ref = naiveWindow(shares, target);
        const lines = (t: typeof a): [number, bigint, number][] =>
          t.lines.map((l) => [l.account, l.weight, l.shares]);
        assert.deepEqual(lines(a), lines(b));
        assert.equal(a.filled, b.filled);
        assert.equal(a.boundaryWeight, b.boundaryWeight);
        assert.deepEqual(
          a.lines.map((l) => [l.account, l.weight]),
          [...ref].sort((x, y) => x[0] - y[0]),
        );
        assert.equal(a.filled, sumSats(ref.values()));
      },
    ),
    { numRuns: 300 },
  );
});

test('pplns - reward = credits + fee + unfilled share, to the satoshi (property)', () => {
  fc.assert(
    fc.property(
      fc.array(shareArb, { maxLength: 40 }),
      fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
      fc.integer({ min: 0, max: 10_000 }),
      fc.bigInt({ min: 0n, max: 1n << 60n }),
      fc.integer({ min: 1, max: 100_000 }),
      (shares, reward, feeBps, netWeight, factor) => {
        const target = windowTarget(netWeight, factor);
        const tally = tallyWindow(pagesOf(shares, [7, 19]), target, 7);
        const { feeSats, restSats } = splitFee(reward, feeBps);
        const split = splitOverWeights(
          restSats,
          tally.lines.map((l) => ({ key: `a${l.account}`, weight: l.weight })),
          target - tally.filled,
        );
        assert.equal(sumSats(split.values()) + feeSats, reward);
        for (const v of split.values()) assert.ok(v >= 0n);
      },
    ),
    { numRuns: 300 },
  );
});

test('solo - the finder gets reward minus fee, the fee floors', () => {
  const { feeSats, credits } = soloSplit(625_000_001n, 150, 'bc1finder');
  assert.equal(feeSats, 9_375_000n);
  assert.equal(credits.get('bc1finder'), 615_625_001n);
});

test('pps - whole satoshis settled plus the remainder equal the exact rational sum (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 50 }),
      fc.bigInt({ min: 1n, max: 1n << 70n }),
      fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
      fc.integer({ min: 0, max: 10_000 }),
      (weights, netWeight, base, feeBps) => {
        const acc = { remNum: 0n, remDen: 0n };
        let settled = 0n;
        let exactNum = 0n;
        let den = 0n;
        for (const w of weights) {
          const c = ppsCredit(base, feeBps, BigInt(w), netWeight);
          settled += settleRational(acc, c.num, c.den);
          exactNum += c.num;
          den = c.den;
        }
        assert.equal(settled * den + acc.remNum, exactNum);
        assert.ok(acc.remNum >= 0n && acc.remNum < den);
      },
    ),
    { numRuns: 300 },
  );
});

test('pps - a change of network weight rebases the remainder, losing less than a satoshi (property)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.integer({ min: 1, max: 2 ** 30 }), fc.bigInt({ min: 1n, max: 1n << 40n })),
        { minLength: 1, maxLength: 12 },
      ),
      (credits) => {
        const acc = { remNum: 0n, remDen: 0n };
        let settled = 0n;
        // Exact sum as a fraction over the product of denominators.
        let eNum = 0n;
        let eDen = 1n;
        for (const [w, net] of credits) {
          const c = ppsCredit(625_000_000n, 200, BigInt(w), net);
          settled += settleRational(acc, c.num, c.den);
          eNum = eNum * c.den + c.num * eDen;
          eDen *= c.den;
        }
        // loss = exact − (settled + rem/den) ∈ [0, 1) satoshi
        const held = (settled * acc.remDen + acc.remNum) * eDen;
        const exact = eNum * acc.remDen;
        assert.ok(exact >= held, 'never pays more than earned');
        assert.ok(exact - held < eDen * acc.remDen, 'loses less than one satoshi');
      },
    ),
    { numRuns: 200 },
  );
});
