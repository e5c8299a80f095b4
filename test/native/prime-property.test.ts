// Properties of the prime core: the addon and the twin agree on chain words, Fermat tests and
// proof-of-work verdicts over random and edge-case inputs; the multiplier encoding round-trips.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeMultiplier, encodeMultiplier, twinImpl } from '../../native/index.js';
import type { ChainWords } from '../../native/index.js';
import { codeOf, impls, pair, toHex } from './support.js';

const same = (a: ChainWords, b: ChainWords): boolean =>
  a.cunningham1 === b.cunningham1 && a.cunningham2 === b.cunningham2 && a.biTwin === b.biTwin;

/** A random integer of exactly `bits` bits. */
const ofBits = (min: number, max: number): fc.Arbitrary<bigint> =>
  fc
    .integer({ min, max })
    .chain((bits) => fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n }));

const EDGE_ORIGINS: readonly bigint[] = [
  1n << 255n,
  (1n << 255n) - 1n,
  (1n << 255n) + 1n,
  (1n << 256n) - 2n,
  (1n << 2000n) - 1n,
  (1n << 2000n) - 2n,
  (1n << 2000n) - 3n,
  1n << 1999n,
  (1n << 2048n) - 1n,
];

describe('prime core (addon against twin)', { skip: pair === null }, () => {
  const { native, twin } = pair ?? { native: twinImpl, twin: twinImpl };

  it('primeChain agrees on random origins of 256 to 2000 bits, odd and even, both test modes', () => {
    fc.assert(
      fc.property(
        ofBits(256, 2000),
        fc.boolean(),
        fc.constantFrom('ell', 'fermat'),
        (o, even, mode) => {
          const origin = even ? o & ~1n : o | 1n;
          return same(native.primeChain(origin, mode), twin.primeChain(origin, mode));
        },
      ),
      { numRuns: 24 },
    );
  });

  it('primeChain agrees on origins of about 300 bits (the realistic size)', () => {
    fc.assert(
      fc.property(ofBits(256, 400), (origin) =>
        same(native.primeChain(origin), twin.primeChain(origin)),
      ),
      { numRuns: 150 },
    );
  });

  it('primeChain agrees near 2^255, near 2^2000 - 1 and at the widest origin', () => {
    for (const origin of EDGE_ORIGINS) {
      assert.ok(same(native.primeChain(origin), twin.primeChain(origin)), origin.toString(16));
      assert.ok(same(native.primeChain(origin, 'fermat'), twin.primeChain(origin, 'fermat')));
    }
  });

  it('primeChain agrees on every small origin from 2 to 3000 (even members, powers of two)', () => {
    for (let o = 2n; o <= 3000n; o++) {
      assert.ok(same(native.primeChain(o), twin.primeChain(o)), `origin ${o}`);
      assert.ok(
        same(native.primeChain(o, 'fermat'), twin.primeChain(o, 'fermat')),
        `origin ${o} fermat`,
      );
    }
  });

  it('primeChain and fermatTest agree at every width near a limb boundary (each Montgomery width)', () => {
    // The addon picks its limb count from bits(n) + 3 (1..16 limbs, runtime width beyond), so
    // the widths 64k - 4 .. 64k + 1 switch between specialisations. Chain words carry the
    // fraction of the first failing member, i.e. the exact Fermat or ELL remainder.
    for (let k = 1; k <= 18; k++) {
      for (let bits = 64 * k - 4; bits <= 64 * k + 1; bits++) {
        fc.assert(
          fc.property(
            fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n }),
            fc.constantFrom('ell' as const, 'fermat' as const),
            (n, mode) =>
              native.fermatTest(n | 1n) === twin.fermatTest(n | 1n) &&
              (bits < 2 || same(native.primeChain(n, mode), twin.primeChain(n, mode))),
          ),
          { numRuns: 3 },
        );
      }
    }
  });

  it('fermatTest agrees on random numbers up to 2048 bits', () => {
    fc.assert(
      fc.property(ofBits(1, 2048), (n) => native.fermatTest(n) === twin.fermatTest(n)),
      { numRuns: 40 },
    );
    fc.assert(
      fc.property(ofBits(1, 400), (n) => native.fermatTest(n) === twin.fermatTest(n)),
      { numRuns: 300 },
    );
  });

  it('checkPrimeProofOfWork agrees on random hashes, multipliers (negative and zero too) and targets', () => {
    const multiplier = fc.oneof(
      fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }),
      fc.constantFrom(
        0n,
        -1n,
        1n,
        2n,
        (1n << 1745n) - 1n,
        1n << 1745n,
        1n << 4000n,
        -(1n << 4000n),
      ),
      fc.bigInt({ min: 1n, max: 1n << 1800n }),
    );
    const nBits = fc
      .record({ len: fc.integer({ min: 0, max: 110 }), frac: fc.nat(0xffffff) })
      .map(({ len, frac }) => ((len << 24) | frac) >>> 0);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        multiplier,
        nBits,
        fc.constantFrom(2, 6),
        (hash, m, bits, minLength) => {
          const a = native.checkPrimeProofOfWork(hash, m, bits, minLength);
          const b = twin.checkPrimeProofOfWork(hash, m, bits, minLength);
          assert.deepEqual(a, b);
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('checkPrimeShare agrees on random headers and multipliers', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 80, maxLength: 80 }),
        fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
        fc.integer({ min: 0, max: 8 }),
        (header, m, shareLength) => {
          const a = native.checkPrimeShare(header, m, shareLength << 24, 0x06000000, 6);
          const b = twin.checkPrimeShare(header, m, shareLength << 24, 0x06000000, 6);
          assert.deepEqual(
            { ...a, headerHash: toHex(a.headerHash), blockHash: toHex(a.blockHash) },
            { ...b, headerHash: toHex(b.headerHash), blockHash: toHex(b.blockHash) },
          );
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });
});

for (const impl of impls) {
  describe(`fermatTest (${impl.backend})`, () => {
    it('knows primes, base-2 pseudoprimes and composites', () => {
      const primes = [2n, 3n, 5n, (1n << 255n) - 19n, (1n << 521n) - 1n, (1n << 607n) - 1n];
      for (const p of primes.slice(1)) assert.equal(impl.fermatTest(p), true, p.toString());
      for (const psp of [341n, 561n, 645n, 1105n])
        assert.equal(impl.fermatTest(psp), true, `${psp}`);
      for (const c of [1n, 4n, 6n, 9n, 15n, 1n << 300n, ((1n << 255n) - 19n) * 3n]) {
        assert.equal(impl.fermatTest(c), false, c.toString());
      }
    });
  });
}

describe('multiplier encoding (CBigNum getvch)', () => {
  it('decode(encode(m)) = m for every non-negative multiplier', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 2000n }),
        (m) => decodeMultiplier(encodeMultiplier(m)) === m,
      ),
      { numRuns: 500 },
    );
  });

  it('encodes like CBigNum: minimal little-endian, sign byte, sign bit, empty zero', () => {
    assert.equal(toHex(encodeMultiplier(0n)), '');
    assert.equal(toHex(encodeMultiplier(0x7fn)), '7f');
    assert.equal(toHex(encodeMultiplier(0x80n)), '8000');
    assert.equal(toHex(encodeMultiplier(0x6c0db3647feen)), 'ee7f64b30d6c');
    assert.equal(toHex(encodeMultiplier(-1n)), '81');
    assert.equal(toHex(encodeMultiplier(-0x80n)), '8080');
  });

  it('decodeMultiplier refuses negative and non-minimal encodings with NATIVE_BAD_MULTIPLIER', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 600n }), (m) => {
        const vch = encodeMultiplier(m);
        const padded = Uint8Array.of(...vch, 0);
        return (
          codeOf(() => decodeMultiplier(encodeMultiplier(-m))) === 'NATIVE_BAD_MULTIPLIER' &&
          codeOf(() => decodeMultiplier(padded)) === 'NATIVE_BAD_MULTIPLIER'
        );
      }),
      { numRuns: 200 },
    );
    assert.equal(
      codeOf(() => decodeMultiplier(Uint8Array.of(0))),
      'NATIVE_BAD_MULTIPLIER',
    );
    assert.equal(
      codeOf(() => decodeMultiplier('00' as unknown as Uint8Array)),
      'NATIVE_BAD_INPUT',
    );
  });
});
