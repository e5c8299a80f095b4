// The prime core's two Montgomery steps for 4-6 limb moduli (the width of today's origins):
// MULX/ADCX/ADOX (native/src/mont-adx.h, on CPUs with BMI2 and ADX) and portable C. Chain
// words of random origins of 200 to 400 bits (every modulus width around 4-6 limbs, both test
// modes) and the real blocks judged as shares: both paths and the twin agree exactly.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadAddon } from '../../native/loader.js';
import { twinImpl } from '../../native/index.js';
import { fromHex, readTsv, toHex } from './support.js';

const { impl, raw } = loadAddon();
const adx = raw?.selectMontgomery('adx') ?? false;
const real = readTsv('primecoin-vectors.tsv', [
  'header80_hex',
  'multiplier_hex',
  'nbits',
] as const).filter((r) => r.header80_hex !== '');

describe('prime Montgomery step: MULX/ADCX/ADOX against portable C', { skip: !adx }, () => {
  after(() => raw!.selectMontgomery('adx'));
  const both = <T>(run: () => T): [T, T] => {
    assert.equal(raw!.selectMontgomery('portable'), true);
    const portable = run();
    assert.equal(raw!.selectMontgomery('adx'), true);
    return [run(), portable];
  };

  it('gives the same chain words as portable C and the twin on origins of 200 to 400 bits', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 200, max: 400 })
          .chain((bits) =>
            fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n }),
          ),
        fc.constantFrom('ell' as const, 'fermat' as const),
        (origin, mode) => {
          const [a, p] = both(() => impl!.primeChain(origin, mode));
          assert.deepEqual(a, p);
          assert.deepEqual(a, twinImpl.primeChain(origin, mode));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('judges the real blocks as shares and blocks the same way on both paths', () => {
    assert.ok(real.length >= 8);
    for (const r of real) {
      const header = fromHex(r.header80_hex);
      const m = BigInt('0x' + r.multiplier_hex);
      const bits = parseInt(r.nbits, 16);
      const [a, p] = both(() => impl!.checkPrimeShare(header, m, 0x02000000, bits, 2));
      const plain = (x: typeof a): unknown => ({
        ...x,
        headerHash: toHex(x.headerHash),
        blockHash: toHex(x.blockHash),
      });
      assert.deepEqual(plain(a), plain(p));
      assert.equal(a.shareOk, true);
    }
  });
});
