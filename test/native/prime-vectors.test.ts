// Every row of test/vectors/primecoin-vectors.tsv, against both backends: header and block
// hashes, multiplier encoding, ELL and Fermat-only chain words, and the full
// CheckPrimeProofOfWork verdict (min length from the row's net: main 6, test 2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMultiplier, encodeMultiplier } from '../../native/index.js';
import type { ChainWords } from '../../native/index.js';
import {
  bigFromHex,
  displayHex,
  fromHex,
  impls,
  internalFromDisplay,
  readTsv,
  toHex,
} from './support.js';

const COLUMNS = [
  'id',
  'category',
  'net',
  'header80_hex',
  'block_hash',
  'header_hash',
  'multiplier_hex',
  'multiplier_vch_hex',
  'origin_hex',
  'nbits',
  'c1_raw',
  'c2_raw',
  'tw_raw',
  'c1_fermat_raw',
  'c2_fermat_raw',
  'tw_fermat_raw',
  'pow_ok',
  'pow_type',
  'pow_len_raw',
  'pow_error',
] as const;
const rows = readTsv('primecoin-vectors.tsv', COLUMNS);
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const words = (w: ChainWords): string[] => [
  hex8(w.cunningham1),
  hex8(w.cunningham2),
  hex8(w.biTwin),
];
const minLength = (net: string): number => {
  assert.ok(net === 'main' || net === 'test', `unknown net ${net}`);
  return net === 'main' ? 6 : 2;
};

describe('primecoin-vectors.tsv', () => {
  it('has rows of every kind the tests below read', () => {
    assert.ok(rows.length >= 200, `only ${rows.length} rows`);
    assert.ok(rows.filter((r) => r.header80_hex !== '').length >= 10);
    assert.ok(rows.filter((r) => r.pow_ok !== '').length >= 200);
    assert.ok(rows.filter((r) => r.pow_ok === '').length >= 10);
  });

  it('multiplier_vch_hex is encodeMultiplier(multiplier) and decodes back (strict)', () => {
    for (const r of rows.filter((x) => x.multiplier_hex !== '')) {
      const m = bigFromHex(r.multiplier_hex);
      assert.equal(toHex(encodeMultiplier(m)), r.multiplier_vch_hex, r.id);
      if (m >= 0n) assert.equal(decodeMultiplier(fromHex(r.multiplier_vch_hex)), m, r.id);
    }
  });
});

for (const impl of impls) {
  describe(`primecoin vectors (${impl.backend})`, () => {
    it('header hash and block hash of every row with a header', () => {
      for (const r of rows.filter((x) => x.header80_hex !== '')) {
        const header = fromHex(r.header80_hex);
        assert.equal(displayHex(impl.primeHeaderHash(header)), r.header_hash, r.id);
        const m = bigFromHex(r.multiplier_hex);
        const share = impl.checkPrimeShare(
          header,
          m,
          0x01000000,
          Number.parseInt(r.nbits, 16),
          minLength(r.net),
        );
        assert.equal(displayHex(share.headerHash), r.header_hash, r.id);
        assert.equal(displayHex(share.blockHash), r.block_hash, r.id);
      }
    });

    it('chain words with ELL and with Fermat-only tests for every origin', () => {
      for (const r of rows) {
        const origin = bigFromHex(r.origin_hex);
        if (r.multiplier_hex !== '' && r.header_hash !== '') {
          assert.equal(
            bigFromHex(r.header_hash) * bigFromHex(r.multiplier_hex),
            origin,
            `${r.id} origin = H*M`,
          );
        }
        if (origin < 2n) continue; // no chain to test (the verdict below still applies)
        assert.deepEqual(words(impl.primeChain(origin)), [r.c1_raw, r.c2_raw, r.tw_raw], r.id);
        assert.deepEqual(
          words(impl.primeChain(origin, 'fermat')),
          [r.c1_fermat_raw, r.c2_fermat_raw, r.tw_fermat_raw],
          `${r.id} (fermat)`,
        );
      }
    });

    it('CheckPrimeProofOfWork verdict, chain type and length word of every row', () => {
      for (const r of rows.filter((x) => x.pow_ok !== '')) {
        const v = impl.checkPrimeProofOfWork(
          internalFromDisplay(r.header_hash.padStart(64, '0')),
          bigFromHex(r.multiplier_hex),
          Number.parseInt(r.nbits, 16),
          minLength(r.net),
        );
        const expected = {
          ok: r.pow_ok === '1',
          type: r.pow_type === 'NUL' ? null : r.pow_type,
          length: r.pow_len_raw,
          error: r.pow_error === '' ? null : r.pow_error,
        };
        assert.deepEqual({ ...v, length: hex8(v.length) }, expected, r.id);
      }
    });

    it('checkPrimeShare gives the block the same verdict as CheckPrimeProofOfWork', () => {
      for (const r of rows.filter((x) => x.header80_hex !== '')) {
        const header = fromHex(r.header80_hex);
        const m = bigFromHex(r.multiplier_hex);
        const nBits = Number.parseInt(r.nbits, 16);
        const share = impl.checkPrimeShare(header, m, 0x02000000, nBits, minLength(r.net));
        assert.equal(share.blockOk, r.pow_ok === '1', r.id);
        assert.equal(share.blockError, r.pow_error === '' ? null : r.pow_error, r.id);
        assert.equal(hex8(share.length), r.pow_len_raw, r.id);
        assert.deepEqual(share.chain && words(share.chain), [r.c1_raw, r.c2_raw, r.tw_raw], r.id);
        assert.equal(share.shareOk, true, `${r.id}: every real block is a length-2 share`);
      }
    });
  });
}
