// The normalization rule (M even and O % 4 == 0: O/2 must not have a longer chain) where the
// addon bounds O/2's chains by O's own words and walks only the chains that could be longer;
// the twin walks every chain of O/2. Real and synthetic chains with their multipliers as mined
// (even multipliers of valid chains with O % 4 == 0 pass the rule), doubled (O/2 is then the
// real chain: not normalized) and multiplied by 4, 6, 8, 12 (O/2 and O share members), judged
// as blocks at several targets, and the real blocks also as pool shares: both backends agree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, internalFromDisplay, pair, readTsv, toHex } from './support.js';

const rows = readTsv('primecoin-vectors.tsv', [
  'category',
  'net',
  'header80_hex',
  'header_hash',
  'multiplier_hex',
  'nbits',
  'pow_ok',
] as const).filter(
  (r) =>
    r.pow_ok === '1' && (r.category.startsWith('real-') || r.category.startsWith('synthetic-')),
);

describe('prime normalization (addon against twin)', { skip: pair === null }, () => {
  const { native, twin } = pair!;

  it('agrees on even multipliers of real and synthetic chains, as blocks and as shares', () => {
    assert.ok(rows.length >= 50, `only ${rows.length} chain rows`);
    const verdicts = new Map<string, number>();
    for (const r of rows) {
      const minLength = r.net === 'main' ? 6 : 2;
      const bits = parseInt(r.nbits, 16);
      const hash = internalFromDisplay(r.header_hash);
      const h = BigInt('0x' + r.header_hash);
      for (const factor of [1n, 2n, 4n, 6n, 8n, 12n]) {
        const m = BigInt('0x' + r.multiplier_hex) * factor;
        const checked = m % 2n === 0n && (h * m) % 4n === 0n;
        for (const target of [minLength << 24, (bits >>> 24) << 24, bits]) {
          const a = native.checkPrimeProofOfWork(hash, m, target, minLength);
          const b = twin.checkPrimeProofOfWork(hash, m, target, minLength);
          assert.deepEqual(a, b, `${r.category} ×${factor} at ${target.toString(16)}`);
          if (checked) verdicts.set(a.error ?? 'ok', (verdicts.get(a.error ?? 'ok') ?? 0) + 1);
        }
        if (r.header80_hex === '') continue;
        const header = fromHex(r.header80_hex);
        for (const share of [0x02000000, 0x03000000, bits]) {
          const a = native.checkPrimeShare(header, m, share, bits, minLength);
          const b = twin.checkPrimeShare(header, m, share, bits, minLength);
          assert.deepEqual(
            { ...a, headerHash: toHex(a.headerHash), blockHash: toHex(a.blockHash) },
            { ...b, headerHash: toHex(b.headerHash), blockHash: toHex(b.blockHash) },
            `${r.category} ×${factor} share at ${share.toString(16)}`,
          );
        }
      }
    }
    // Both sides of the rule were exercised where it applies (M even, O % 4 == 0).
    const seen = JSON.stringify([...verdicts]);
    assert.ok((verdicts.get('not-normalized') ?? 0) > 0, seen);
    assert.ok((verdicts.get('ok') ?? 0) > 0, seen);
  });
});
