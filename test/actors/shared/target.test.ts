// target - compact bits, share targets from difficulty, hash-vs-target as 256-bit integers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bitsFromTarget,
  decodeCompact,
  DIFF1_TARGET,
  difficultyFromBits,
  difficultyOfHash,
  hashMeetsTarget,
  hashToBigInt,
  shareTargetFromDifficulty,
  targetFromBits,
  targetFromHex,
  targetToHex,
  DIFFICULTY_INVALID,
  TARGET_INVALID,
} from '../../../actors/shared/target.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { hexToBytes, reverseHex, u32FromHex } from '../../../actors/shared/hex.js';
import { sha256d } from '../../../actors/shared/sha256d.js';
import { bitcoin } from '../vectors.js';

const cb = bitcoin.compact_bits;
const sd = bitcoin.stratum_difficulty;

test('compact bits - every recorded row decodes to its target and re-encodes to the same bits', () => {
  for (const row of cb.rows) {
    const bits = u32FromHex(row.bits);
    assert.equal(targetToHex(targetFromBits(bits)), row.target, row.bits);
    assert.equal(
      bitsFromTarget(targetFromHex(row.target)).toString(16).padStart(8, '0'),
      row.roundtrip_getcompact,
    );
  }
});

test('compact bits - network difficulty matches Core GetDifficulty for every row', () => {
  for (const row of cb.rows)
    assert.equal(difficultyFromBits(u32FromHex(row.bits)), row.core_difficulty, row.bits);
});

test('compact bits - powLimit encodes to the genesis bits (mainnet 1d00ffff, regtest 207fffff)', () => {
  for (const [limit, bits] of Object.values(cb.powlimit_to_bits)) {
    assert.equal(bitsFromTarget(targetFromHex(limit)).toString(16).padStart(8, '0'), bits);
  }
});

test('compact bits - edge cases: small exponents truncate, sign bit marks a negative target', () => {
  assert.equal(cb.edge_cases.length, 4);
  for (const e of cb.edge_cases) {
    const c = decodeCompact(u32FromHex(e.bits));
    if (e.negative) {
      assert.equal(c.negative, true, e.bits);
      assert.throws(
        () => targetFromBits(u32FromHex(e.bits)),
        (x) => hasCode(x, TARGET_INVALID),
      );
    } else {
      assert.equal(c.negative, false, e.bits);
      assert.equal(targetToHex(c.target), e.target, e.bits);
    }
  }
});

test('compact bits - overflowing exponents are flagged and refused', () => {
  assert.equal(decodeCompact(0xff123456).overflow, true);
  assert.equal(decodeCompact(0x22000100).overflow, true);
  assert.equal(decodeCompact(0x21010000).overflow, true);
  assert.equal(decodeCompact(0x2000ffff).overflow, false);
  assert.throws(
    () => targetFromBits(0xff123456),
    (x) => hasCode(x, TARGET_INVALID),
  );
  assert.throws(
    () => targetFromBits(0x01003456),
    (x) => hasCode(x, TARGET_INVALID),
  );
});

test('compact bits - GetCompact of any SetCompact target decodes back to the same target (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 0x20 }),
      fc.integer({ min: 1, max: 0x7fffff }),
      (size, mantissa) => {
        const bits = ((size << 24) | mantissa) >>> 0;
        const c = decodeCompact(bits);
        fc.pre(!c.overflow && !c.negative && c.target > 0n);
        const again = bitsFromTarget(c.target);
        assert.equal(decodeCompact(again).target, c.target);
        assert.equal(bitsFromTarget(decodeCompact(again).target), again);
      },
    ),
  );
});

test('stratum difficulty - diff1 is truediffone (0xffff * 2^208), not pdiff', () => {
  assert.equal(targetToHex(DIFF1_TARGET), sd.diff1_target_truediffone);
  assert.equal(DIFF1_TARGET.toString(), sd.diff1_decimal);
  assert.notEqual(targetToHex(DIFF1_TARGET), sd.pdiff1_target);
});

test('stratum difficulty - share targets for integer and fractional difficulties are exact', () => {
  assert.equal(sd.share_targets.length, 9);
  for (const row of sd.share_targets) {
    assert.equal(
      targetToHex(shareTargetFromDifficulty(row.difficulty)),
      row.share_target,
      String(row.difficulty),
    );
    assert.equal(targetToHex(shareTargetFromDifficulty(String(row.difficulty))), row.share_target);
  }
  assert.equal(shareTargetFromDifficulty('1e-3'), shareTargetFromDifficulty(0.001));
  assert.equal(shareTargetFromDifficulty(1e-300), (1n << 256n) - 1n);
});

test('stratum difficulty - zero, negative and non-numeric difficulties are refused', () => {
  for (const bad of [0, -1, Number.NaN, Infinity, '0.000', 'abc', '']) {
    assert.throws(
      () => shareTargetFromDifficulty(bad),
      (e) => hasCode(e, DIFFICULTY_INVALID),
      String(bad),
    );
  }
});

test('stratum difficulty - difficulty of a hash for display (bdiff)', () => {
  for (const row of sd.share_difficulty_of_hash) {
    const d = difficultyOfHash(hexToBytes(reverseHex(row.hash_display)));
    assert.ok(Math.abs(d - row.bdiff) / row.bdiff < 1e-15, `${d} vs ${row.bdiff}`);
  }
});

test('stratum difficulty - expected hashes per diff-1 share is 2^256 / (diff1 + 1)', () => {
  assert.equal(
    Number((1n << 256n) / (DIFF1_TARGET + 1n)),
    sd.expected_hashes_per_diff1_share.exact,
  );
});

test('hash meets target - compares the little-endian integer, inclusive at equality', () => {
  const target = targetFromBits(0x1d00ffff);
  const atTarget = hexToBytes(reverseHex(targetToHex(target)));
  assert.equal(hashToBigInt(atTarget), target);
  assert.equal(hashMeetsTarget(atTarget, target), true);
  assert.equal(hashMeetsTarget(atTarget, target - 1n), false);
});

test('hash meets target - genesis and historic headers meet their own nBits', () => {
  for (const g of Object.values({
    a: bitcoin.genesis.mainnet,
    b: bitcoin.genesis.testnet3,
    c: bitcoin.genesis.regtest,
  })) {
    const hash = sha256d(hexToBytes(g.header_hex));
    assert.equal(reverseHex(Buffer.from(hash).toString('hex')), g.expected_hash_display);
    assert.equal(hashMeetsTarget(hash, targetFromBits(u32FromHex(g.bits))), true);
  }
  const h = bitcoin.historic_headers[0];
  assert.ok(h?.bits !== undefined && h.core_difficulty !== undefined);
  const hash = sha256d(hexToBytes(h.header_hex));
  assert.equal(reverseHex(Buffer.from(hash).toString('hex')), h.expected_hash_display);
  assert.equal(hashMeetsTarget(hash, targetFromBits(u32FromHex(h.bits))), true);
  assert.equal(difficultyFromBits(u32FromHex(h.bits)), h.core_difficulty);
  const h2 = bitcoin.historic_headers[1];
  assert.ok(h2);
  assert.equal(
    reverseHex(Buffer.from(sha256d(hexToBytes(h2.header_hex))).toString('hex')),
    h2.expected_hash_display,
  );
});
