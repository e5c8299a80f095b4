// Prime share value: the work model's maths, the weight's calibration (weight / netWeight is
// the probability-equivalent contribution whatever the share target), and a simulated miner
// that sieves only for the share length: it finds twice the shares per unit of work, would
// earn twice as much if shares were credited by their target (as hash shares are), earns
// less than an honest miner under the chain-length weight, and is flagged by the statistics.
// The short miner's edge is taken from our own sieve (topology/miner/prime-sieve.ts, 5000
// sieve primes, ~300-bit origins): sieving 3 members instead of 5 tests ~1.3× the candidates
// per CPU second (29.7k/s vs 22.8k/s), and we generously assume each is as likely as an honest
// one to reach the share length (measured, they are less: 0.93e-3 vs 1.34e-3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerChainStats } from '../../../actors/share/prime-stats.js';
import {
  chainWork,
  expectedPrimeShareWeight,
  primeNetWeight,
  primeShareWeight,
  wordOfLength,
  wordOfWork,
  type PrimeWorkModel,
} from '../../../actors/shared/prime-share-value.js';
import { WEIGHT_ONE } from '../../../actors/shared/share-weight.js';

const MODEL: PrimeWorkModel = { stepRatio: 10, baseLength: 2 };

/** xorshift128+ in [0, 1): the simulations replay exactly. */
function rng(seed: number): () => number {
  let a = BigInt(seed) | 1n;
  let b = 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  return () => {
    let x = a;
    const y = b;
    a = y;
    x ^= (x << 23n) & mask;
    b = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number(((b + y) & mask) >> 11n) / 2 ** 53;
  };
}

/**
 * One candidate's chain word: members 1..depth prime with probability `sieved`, later ones
 * with `unsieved`; the first composite's fraction is uniform (its Fermat remainder).
 */
function chain(random: () => number, depth: number, sieved: number, unsieved: number): number {
  let L = 0;
  while (L < 99 && random() < (L < depth ? sieved : unsieved)) L++;
  return ((L << 24) | Math.floor(random() * 2 ** 24)) >>> 0;
}

describe('prime share value - work model', () => {
  it('W is R^L at whole lengths, continuous at the next length and increasing', () => {
    assert.equal(chainWork(0x05000000, MODEL), 1e5);
    assert.ok(Math.abs(chainWork(0x04ffffff, MODEL) / 1e5 - 1) < 1e-6);
    let prev = 0;
    for (let w = 0x02000000; w < 0x09000000; w += 0x00100000) {
      const v = chainWork(w, MODEL);
      assert.ok(v > prev);
      prev = v;
    }
  });

  it('wordOfWork inverts chainWork (to the 24-bit fraction)', () => {
    for (const word of [0x02000000, 0x03800000, 0x07fd7624, 0x0a9dfb49, 0x04000001]) {
      const back = wordOfWork(chainWork(word, MODEL), MODEL);
      assert.ok(Math.abs(back - word) <= 1, `${word.toString(16)} -> ${back.toString(16)}`);
    }
    assert.equal(wordOfLength(7.5), 0x07800000);
  });

  it('netWeight is exact: WEIGHT_ONE · W(B) / W(base) in integers', () => {
    assert.equal(primeNetWeight(0x05000000, MODEL), BigInt(WEIGHT_ONE) * 1000n);
    assert.equal(primeNetWeight(0x02000000, MODEL), BigInt(WEIGHT_ONE));
    // 05.800000: R^3 · R·2^24 / (2^24 + (R−1)·2^23) = 1000 · 10 / 5.5
    assert.equal(primeNetWeight(0x05800000, MODEL), (BigInt(WEIGHT_ONE) * 10_000n * 2n) / 11n);
    const xpm = { stepRatio: 32, baseLength: 6 };
    assert.equal(primeNetWeight(0x0a000000, xpm), BigInt(WEIGHT_ONE) * 32n ** 4n);
  });

  it('a share at the block target weighs the whole block; weights never exceed it', () => {
    const B = 0x05800000;
    const whole = BigInt(primeShareWeight(B, B, B, MODEL)) - primeNetWeight(B, MODEL);
    assert.ok(whole >= -1n && whole <= 1n, `${whole}`); // float weight vs exact floor
    assert.ok(
      BigInt(primeShareWeight(0x09000000, 0x03000000, B, MODEL)) < primeNetWeight(B, MODEL),
    );
    assert.equal(
      primeShareWeight(0x09000000, 0x03000000, B, MODEL),
      primeShareWeight(B, 0x03000000, B, MODEL),
    );
  });

  it('honest shares: mean weight = W(t) for every share target (probability-equivalent)', () => {
    const B = 0x06400000;
    for (const t of [0x02000000, 0x03400000, 0x04c00000]) {
      const random = rng(t);
      let sum = 0;
      let n = 0;
      // Chains already at least t under the model: draw by inverse transform of Y ~ Exp(1).
      while (n < 200_000) {
        const word = wordOfWork(chainWork(t, MODEL) * Math.exp(-Math.log(1 - random())), MODEL);
        sum += primeShareWeight(Math.max(word, t), t, B, MODEL);
        n++;
      }
      const ratio = sum / n / expectedPrimeShareWeight(t, MODEL);
      assert.ok(Math.abs(ratio - 1) < 0.03, `t=${t.toString(16)}: mean/expected ${ratio}`);
    }
  });
});

describe('prime share value - a miner that targets shorter chains', () => {
  const B = 0x05800000; // blocks: 05.800000; the pool asks miners to sieve for 5
  const t = 0x03000000; // share target 03.000000
  const p = 1 / MODEL.stepRatio;
  const unsieved = p / 2;
  const work = 3_000_000;

  function mine(seed: number, depth: number, candidates: number) {
    const random = rng(seed);
    const stats = new WorkerChainStats(`depth${depth}`);
    let weight = 0;
    let shares = 0;
    let blocks = 0;
    for (let i = 0; i < candidates; i++) {
      const word = chain(random, depth, p, unsieved);
      if (word < t) continue;
      shares++;
      if (word >= B) blocks++;
      weight += primeShareWeight(word, t, B, MODEL);
      stats.record(word, 'TWN', t, B);
    }
    return { weight, shares, blocks, stats: stats.snapshot({ continuation: p, minEvidence: 3 }) };
  }

  // Honest: sieves every member a block needs. Short: sieves 3 members only and tests 1.3× as
  // many candidates for the same work (see above).
  const honest = mine(1, 6, work);
  const short = mine(2, 3, Math.round(1.3 * work));

  it('finds more shares per unit of work, so target-only crediting would pay it more', () => {
    assert.ok(short.shares > 1.2 * honest.shares, `${short.shares} vs ${honest.shares}`);
    const flat = (m: { shares: number }) => m.shares * expectedPrimeShareWeight(t, MODEL);
    assert.ok(flat(short) > flat(honest));
  });

  it('is paid no more per unit of work than an honest miner under chain-length weights', () => {
    assert.ok(
      short.weight < honest.weight,
      `short ${short.weight} vs honest ${honest.weight} (same work)`,
    );
    // Per candidate it earns about 1 / 1.5 of an honest miner: it would need 1.5× the
    // candidates just to break even (1 + ln(W(B)/W(t)) against ln(R)/(1 − 1/R)).
    const perCandidate = honest.weight / work / (short.weight / Math.round(1.3 * work));
    assert.ok(perCandidate > 1.4, `break-even throughput ${perCandidate}`);
  });

  it("the honest miner's weight matches its expected blocks (weight / netWeight)", () => {
    const net = Number(primeNetWeight(B, MODEL));
    // P(chain ≥ 05.800000) = p^5 · (p + (1 − p) · 0.5) for the honest (model) miner
    const expectedBlocks = work * p ** 5 * (p + (1 - p) * 0.5);
    const ratio = honest.weight / net / expectedBlocks;
    assert.ok(Math.abs(ratio - 1) < 0.15, `credited/expected blocks ${ratio}`);
  });

  it('is flagged: its chains stop continuing at length 3; the honest miner is not', () => {
    assert.equal(short.stats.flagged, true, JSON.stringify(short.stats));
    assert.equal(short.stats.estimatedLength, 3);
    assert.equal(short.stats.askedLength, 5);
    assert.equal(honest.stats.flagged, false, JSON.stringify(honest.stats));
    assert.equal(honest.stats.estimatedLength, null);
  });
});
