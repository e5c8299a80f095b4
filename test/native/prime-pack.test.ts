// Prime share batches through the verifier pool in packed form (native/prime-pack.ts): every
// result equals a direct call's, in order, on both backends; items the core refuses come back
// with their own error (packed error tail), malformed items with theirs (per-item path), beside
// the good ones.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createVerifierPool } from '../../native/index.js';
import type { ItemResult, PrimeShareItem, PrimeShareResult } from '../../native/index.js';
import { fromHex, impls, readTsv, toHex } from './support.js';

const real = readTsv('primecoin-vectors.tsv', [
  'category',
  'header80_hex',
  'multiplier_hex',
  'nbits',
] as const).filter((r) => r.header80_hex !== '');

const plain = (r: ItemResult<PrimeShareResult>): unknown =>
  r.value === null
    ? { error: r.error.code }
    : { ...r.value, headerHash: toHex(r.value.headerHash), blockHash: toHex(r.value.blockHash) };

for (const impl of impls) {
  describe(`prime share batches, packed (${impl.backend})`, () => {
    const pool = createVerifierPool({ threads: 1, backend: impl.backend });
    after(() => pool.destroy());

    it('answers like direct calls, in order, with refused and malformed items in place', async () => {
      assert.ok(real.length >= 8);
      const items: PrimeShareItem[] = [];
      real.forEach((r, i) => {
        const header = fromHex(r.header80_hex);
        const m = BigInt('0x' + r.multiplier_hex);
        const bits = parseInt(r.nbits, 16);
        items.push({ header, multiplier: m, shareNBits: 0x02000000, blockNBits: bits });
        items.push({ header, multiplier: m * 2n, shareNBits: bits, blockNBits: bits + 0x1000000 });
        items.push({ header, multiplier: -m, shareNBits: 0x03000000, blockNBits: bits });
        if (i % 3 === 0)
          items.push({
            header,
            multiplier: m,
            shareNBits: 7 << 24,
            blockNBits: bits,
            minLength: 2,
          });
        if (i % 3 === 1)
          items.push({ header, multiplier: m, shareNBits: 0, blockNBits: bits, minLength: 0 }); // refused by the core
        if (i % 3 === 2)
          items.push({
            header: header.subarray(1),
            multiplier: m,
            shareNBits: 0,
            blockNBits: bits,
          }); // malformed
      });
      const results = await pool.primeShares(items);
      assert.equal(results.length, items.length);
      const errors = new Set<string>();
      results.forEach((r, i) => {
        const it = items[i]!;
        let direct: ItemResult<PrimeShareResult>;
        try {
          direct = {
            value: impl.checkPrimeShare(
              it.header,
              it.multiplier,
              it.shareNBits,
              it.blockNBits,
              it.minLength,
            ),
            error: null,
          };
        } catch (err) {
          direct = { value: null, error: { code: (err as { code: string }).code, message: '' } };
        }
        assert.deepEqual(plain(r), plain(direct), `item ${i}`);
        if (r.error) errors.add(r.error.code);
      });
      assert.deepEqual([...errors].sort(), ['NATIVE_BAD_INPUT', 'NATIVE_OUT_OF_RANGE']);
      assert.ok(
        results.some((r) => r.value?.shareOk),
        'some shares were accepted',
      );
    });
  });
}
