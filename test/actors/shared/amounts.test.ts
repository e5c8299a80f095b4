// amounts - bigint satoshis; fee and weighted splits conserve value exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  satsFromInteger,
  splitByWeight,
  splitFee,
  sumSats,
  AMOUNT_INVALID,
} from '../../../actors/shared/amounts.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bitcoin } from '../vectors.js';

const pplns = bitcoin.pplns_integer_example;

test('amounts - fee split floors the fee and gives the fraction to the rest (pplns example)', () => {
  const { feeSats, restSats } = splitFee(BigInt(pplns.block_reward_sats), pplns.pool_fee_bps);
  assert.equal(feeSats, BigInt(pplns.pool_fee_sats));
  assert.equal(restSats, BigInt(pplns.distributable_sats));
});

test('amounts - largest-remainder split reproduces the recorded PPLNS payouts', () => {
  const out = splitByWeight(
    BigInt(pplns.distributable_sats),
    pplns.window_share_difficulty.map((w) => ({ key: w.worker, weight: BigInt(w.diff) })),
  );
  for (const p of pplns.payouts_sats) assert.equal(out.get(p.worker), BigInt(p.sats), p.worker);
  assert.equal(sumSats(out.values()), BigInt(pplns.distributable_sats));
});

test('amounts - fee split conserves value for any amount and fee (property)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
      fc.integer({ min: 0, max: 10_000 }),
      (total, bps) => {
        const { feeSats, restSats } = splitFee(total, bps);
        assert.equal(feeSats + restSats, total);
        assert.ok(feeSats >= 0n && restSats >= 0n);
      },
    ),
  );
});

test('amounts - weighted split conserves value and stays within one satoshi of the exact share (property)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 15n }),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 30 }),
      (total, ws) => {
        fc.pre(ws.some((w) => w > 0n));
        const weights = ws.map((w, i) => ({ key: `k${i}`, weight: w }));
        const out = splitByWeight(total, weights);
        assert.equal(sumSats(out.values()), total);
        const W = sumSats(ws);
        for (const w of weights) {
          const got = out.get(w.key) ?? -1n;
          const floor = (total * w.weight) / W;
          assert.ok(got === floor || got === floor + 1n);
        }
      },
    ),
  );
});

test('amounts - node amounts must be whole non-negative satoshis', () => {
  assert.equal(satsFromInteger(5000010000), 5000010000n);
  for (const bad of [0.29 * 1e8, -1, '5', Number.MAX_SAFE_INTEGER + 2]) {
    assert.throws(
      () => satsFromInteger(bad),
      (e) => hasCode(e, AMOUNT_INVALID),
      String(bad),
    );
  }
  assert.throws(
    () => splitFee(100n, 10_001),
    (e) => hasCode(e, AMOUNT_INVALID),
  );
  assert.throws(
    () => splitByWeight(100n, [{ key: 'a', weight: 0n }]),
    (e) => hasCode(e, AMOUNT_INVALID),
  );
});
