// nBits arithmetic against test/vectors/primecoin-target-vectors.tsv: length, fraction,
// fractional difficulty, difficulty, mint (target rows) and the per-block retarget (next rows).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fractionalDifficulty,
  primeDifficulty,
  targetFraction,
  targetLength,
  targetMint,
  targetNext,
  targetToString,
} from '../../native/index.js';
import { codeOf, readTsv } from './support.js';

const rows = readTsv('primecoin-target-vectors.tsv', [
  'kind',
  'nbits',
  'str',
  'length',
  'fractional',
  'fractional_difficulty',
  'difficulty',
  'mint_ok',
  'mint_satoshi',
  'actual_spacing',
  'next_ok',
  'next_nbits',
] as const);
const targets = rows.filter((r) => r.kind === 'target');
const nexts = rows.filter((r) => r.kind === 'next');

describe('prime target arithmetic', () => {
  it('has target and next rows', () => {
    assert.ok(targets.length >= 20 && nexts.length >= 20);
  });

  it('length, fraction, string, fractional difficulty and difficulty of every target row', () => {
    for (const r of targets) {
      const nBits = parseInt(r.nbits, 16);
      assert.equal(targetLength(nBits), Number(r.length), r.nbits);
      assert.equal(targetFraction(nBits), Number(r.fractional), r.nbits);
      assert.equal(targetToString(nBits), r.str, r.nbits);
      assert.equal(fractionalDifficulty(nBits), BigInt(r.fractional_difficulty), r.nbits);
      // the table prints 8 decimals of nBits / 2^24
      assert.equal(Number(primeDifficulty(nBits).toFixed(8)), Number(r.difficulty), r.nbits);
    }
  });

  it('TargetGetMint of every target row (mainnet minimum length 6)', () => {
    for (const r of targets) {
      const mint = targetMint(parseInt(r.nbits, 16));
      assert.deepEqual(mint, { ok: r.mint_ok === '1', mintSats: BigInt(r.mint_satoshi) }, r.nbits);
    }
  });

  it('TargetGetNext of every next row (interval 10080, spacing 60 s)', () => {
    for (const r of nexts) {
      assert.equal(r.next_ok, '1');
      const next = targetNext(parseInt(r.nbits, 16), Number(r.actual_spacing));
      assert.equal(
        next.toString(16).padStart(8, '0'),
        r.next_nbits,
        `${r.nbits} @ ${r.actual_spacing}s`,
      );
    }
  });

  it('refuses a retarget whose divisor is zero and a non-u32 nBits', () => {
    // (10080 - 1) * 60 + 2 * s = 0  <=>  s = -302370
    assert.equal(
      codeOf(() => targetNext(0x07000000, -302370)),
      'NATIVE_OUT_OF_RANGE',
    );
    assert.equal(
      codeOf(() => targetLength(-1)),
      'NATIVE_BAD_INPUT',
    );
    assert.equal(
      codeOf(() => targetMint(2 ** 32)),
      'NATIVE_BAD_INPUT',
    );
  });
});
