// The prime share path on test/vectors/primecoin-vectors.tsv: real blocks go header +
// multiplier → verifier pool (worker thread, `prime-share` task, addon and TypeScript twin)
// → classifyPrimeShare, and must give the recorded header hash, block hash, chain type and
// length word, and the pool verdict matching the recorded consensus result. Rows recorded
// with only a header hash go through the consensus check and the same classifier, so every
// recorded error class maps to its Stratum rejection.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { classifyPrimeShare, type PrimeVerdict } from '../../../actors/share/prime-verdict.js';
import {
  checkPrimeProofOfWork,
  createVerifierPool,
  decodeMultiplier,
  type PrimeShareResult,
} from '../../../native/index.js';
import { bigFromHex, fromHex, internalFromDisplay, readTsv } from '../../native/support.js';

const rows = readTsv('primecoin-vectors.tsv', [
  'id',
  'category',
  'net',
  'header80_hex',
  'block_hash',
  'header_hash',
  'multiplier_hex',
  'multiplier_vch_hex',
  'nbits',
  'pow_ok',
  'pow_type',
  'pow_len_raw',
  'pow_error',
] as const);
const minLength = (net: string): number => (net === 'main' ? 6 : 2);
const ctx = (shareTarget: number, blockTarget: number, claim: string | null = null) => ({
  freshness: 'current' as const,
  shareTarget,
  blockTarget,
  claim,
  seen: () => false,
});

/** The pool verdict a recorded consensus outcome must produce. */
function expectedKind(row: { pow_ok: string; pow_error: string }): PrimeVerdict['kind'] {
  if (row.pow_ok === '1') return 'accepted';
  switch (row.pow_error) {
    case 'chain-too-short':
      return 'low-difficulty';
    case 'origin-too-small':
    case 'origin-too-big':
      return 'bad-multiplier';
    case 'hash-under-limit':
    case 'not-normalized':
    case 'invalid-target':
      return 'invalid';
  }
  throw new Error(`unexpected pow_error ${row.pow_error}`);
}

const withHeader = rows.filter((r) => r.header80_hex !== '');
const hashOnly = rows.filter((r) => r.header80_hex === '' && r.header_hash !== '' && r.pow_ok);

describe('prime verdict - vectors through the share path', () => {
  const pools = [
    createVerifierPool({ threads: 1 }),
    createVerifierPool({ threads: 1, backend: 'twin' }),
  ];
  after(async () => {
    for (const p of pools) await p.destroy();
  });

  it('has the real blocks and the recorded error classes', () => {
    assert.ok(withHeader.length >= 12, `${withHeader.length} rows with headers`);
    const errors = new Set(hashOnly.map((r) => r.pow_error));
    for (const e of ['chain-too-short', 'hash-under-limit', 'origin-too-big', 'not-normalized'])
      assert.ok(errors.has(e), `no ${e} row`);
  });

  for (const pool of pools) {
    it(`real blocks verify as recorded (${pool.backend} worker)`, async () => {
      const items = withHeader.map((r) => ({
        header: fromHex(r.header80_hex),
        multiplier: decodeMultiplier(fromHex(r.multiplier_vch_hex)),
        shareNBits: parseInt(r.nbits, 16),
        blockNBits: parseInt(r.nbits, 16),
        minLength: minLength(r.net),
      }));
      const results = await pool.primeShares(items);
      withHeader.forEach((row, i) => {
        const r = results[i]!.value;
        assert.ok(r, `${row.id}: ${JSON.stringify(results[i]!.error)}`);
        const nbits = parseInt(row.nbits, 16);
        const v = classifyPrimeShare(r, ctx(nbits, nbits, row.pow_type || null));
        assert.equal(v.headerHash, row.header_hash, row.id);
        assert.equal(v.blockHash, row.block_hash, row.id);
        assert.equal(v.kind, expectedKind(row), `${row.id}: ${JSON.stringify(v)}`);
        assert.equal(v.blockCandidate, row.pow_ok === '1', row.id);
        if (row.pow_type) assert.equal(v.type, row.pow_type, row.id);
        assert.equal(v.length, parseInt(row.pow_len_raw, 16), row.id);
      });
    });
  }

  it('a real block below a raised block target is still a share at a lower share target', async () => {
    const raised = withHeader.filter((r) => r.category.endsWith('-raised-nbits'));
    assert.ok(raised.length >= 5);
    const results = await pools[0]!.primeShares(
      raised.map((r) => ({
        header: fromHex(r.header80_hex),
        multiplier: decodeMultiplier(fromHex(r.multiplier_vch_hex)),
        shareNBits: 0x03000000,
        blockNBits: parseInt(r.nbits, 16),
        minLength: minLength(r.net),
      })),
    );
    raised.forEach((row, i) => {
      const v = classifyPrimeShare(results[i]!.value!, ctx(0x03000000, parseInt(row.nbits, 16)));
      assert.equal(v.kind, 'accepted', row.id);
      assert.equal(v.blockCandidate, false, row.id);
    });
  });

  it('a wrong chain-type claim is invalid, a duplicate block hash is a duplicate', async () => {
    const row = withHeader.find((r) => r.category === 'real-xpm-main-13731')!;
    const nbits = parseInt(row.nbits, 16);
    const [res] = await pools[0]!.primeShares([
      {
        header: fromHex(row.header80_hex),
        multiplier: decodeMultiplier(fromHex(row.multiplier_vch_hex)),
        shareNBits: nbits,
        blockNBits: nbits,
        minLength: 6,
      },
    ]);
    const r = res!.value!;
    const wrong = classifyPrimeShare(r, ctx(nbits, nbits, '1CC'));
    assert.equal(wrong.kind, 'invalid');
    assert.match((wrong as { reason: string }).reason, /claimed 1CC, found TWN07\.e10367/);
    assert.equal(wrong.blockCandidate, true, 'a valid block is submitted whatever the claim');
    const dup = classifyPrimeShare(r, { ...ctx(nbits, nbits), seen: () => true });
    assert.equal(dup.kind, 'duplicate');
    assert.equal(dup.blockCandidate, false);
    const stale = classifyPrimeShare(r, { ...ctx(nbits, nbits), freshness: 'stale' });
    assert.equal(stale.kind, 'stale');
    assert.equal(stale.blockCandidate, true);
  });

  it('header-hash-only rows: each recorded consensus outcome maps to its verdict', () => {
    for (const row of hashOnly) {
      const nbits = parseInt(row.nbits, 16);
      const pow = checkPrimeProofOfWork(
        internalFromDisplay(row.header_hash),
        bigFromHex(row.multiplier_hex),
        nbits,
        minLength(row.net),
      );
      assert.equal(pow.ok, row.pow_ok === '1', row.id);
      const r: PrimeShareResult = {
        headerHash: internalFromDisplay(row.header_hash),
        blockHash: new Uint8Array(32),
        chain: null,
        type: pow.type,
        length: pow.length,
        shareOk: pow.ok,
        shareError: pow.error,
        blockOk: pow.ok,
        blockError: pow.error,
      };
      const v = classifyPrimeShare(r, ctx(nbits, nbits));
      assert.equal(v.kind, expectedKind(row), `${row.id}: ${JSON.stringify(v)}`);
      assert.equal(v.length, parseInt(row.pow_len_raw || '0', 16), row.id);
    }
  });
});
