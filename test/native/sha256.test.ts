// SHA256d of Bitcoin headers: real headers and hashes from test/vectors, both backends,
// and agreement with node:crypto and between addon and twin on random input.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { selectNativeSha } from '../../native/index.js';
import { displayHex, fromHex, impls, pair, readJson, toHex } from './support.js';

// The JSON vectors are read loosely; each test asserts the values it uses.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

interface HeaderVector {
  name: string;
  header: string;
  hash: string; // display order
}

function bitcoinHeaders(): HeaderVector[] {
  const v = readJson('bitcoin-stratum.json') as Record<string, Loose>;
  const out: HeaderVector[] = [];
  for (const net of ['mainnet', 'testnet3', 'regtest']) {
    const g = v.genesis[net];
    out.push({ name: `genesis ${net}`, header: g.header_hex, hash: g.expected_hash_display });
  }
  for (const h of v.historic_headers) {
    out.push({ name: `block ${h.height}`, header: h.header_hex, hash: h.expected_hash_display });
  }
  out.push({
    name: 'slush testnet3 block',
    header: v.stratum_slush_testnet3.expected.header_hex,
    hash: v.stratum_slush_testnet3.expected.block_hash_display,
  });
  out.push({
    name: 'public-pool testnet3 share',
    header: v.stratum_publicpool_testnet3.expected.header_hex,
    hash: v.stratum_publicpool_testnet3.expected.share_hash_display,
  });
  v.stratum_btcpool_regtest.cases.forEach((c: Loose, i: number) => {
    out.push({ name: `btcpool regtest case ${i}`, header: c.header_hex, hash: c.hash_display });
  });
  out.push({
    name: 'bcoin regtest end-to-end block',
    header: v.regtest_bcoin_end_to_end.expected.header_hex,
    hash: v.regtest_bcoin_end_to_end.expected.block_hash_display,
  });
  for (const key of ['witness_commitment_block_542213', 'merkle_branch_testnet_block_301322']) {
    out.push({
      name: key,
      header: v[key].block_hex.slice(0, 160),
      hash: v[key].block_hash_display,
    });
  }
  // primecoin.md section 11.4: block 839900 assembled from an ESP-Miner stratum job
  out.push({
    name: 'block 839900 (ESP-Miner)',
    header:
      '0060962aa39b4310863947efd282b30ff755d3ab247c76ee7e5d010000000000000000004c4577aff36cdfdb0613ee3dc73c46e349da802849ec4f4995f9de8df5838008df1b226619420317178560d2',
    hash: '000000000000000000023dfafae2b6e6b5ecf9d1365fafa075dec49625721f37',
  });
  return out;
}

const nodeSha256d = (data: Uint8Array): Uint8Array =>
  createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

const vectors = bitcoinHeaders();

for (const impl of impls) {
  describe(`sha256d (${impl.backend})`, () => {
    it('hashes every Bitcoin header in the vectors to its recorded block hash', () => {
      assert.ok(vectors.length >= 20);
      for (const v of vectors) {
        assert.equal(v.header.length, 160, v.name);
        assert.equal(displayHex(impl.sha256d(fromHex(v.header))), v.hash, v.name);
      }
    });

    it('hashHeaders hashes a batch of headers like one call per header', () => {
      const batch = fromHex(vectors.map((v) => v.header).join(''));
      const out = impl.hashHeaders(batch);
      assert.equal(out.length, vectors.length * 32);
      vectors.forEach((v, i) =>
        assert.equal(displayHex(out.subarray(32 * i, 32 * i + 32)), v.hash, v.name),
      );
      assert.equal(impl.hashHeaders(new Uint8Array(0)).length, 0);
    });

    it('primeHeaderHash is SHA256d of the 80-byte header', () => {
      const h = fromHex(vectors[0]!.header);
      assert.equal(toHex(impl.primeHeaderHash(h)), toHex(impl.sha256d(h)));
    });

    it('agrees with node:crypto on random lengths 0..300 including block boundaries', () => {
      const lengths = fc.oneof(
        fc.constantFrom(0, 1, 55, 56, 63, 64, 65, 119, 120, 128),
        fc.nat(300),
      );
      fc.assert(
        fc.property(
          lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          (data) => toHex(impl.sha256d(data)) === toHex(nodeSha256d(data)),
        ),
        { numRuns: impl.backend === 'native' ? 500 : 200 },
      );
    });
  });
}

describe('sha256d (addon against twin)', { skip: pair === null }, () => {
  it('native and twin agree on every batch size from 0 to 17 headers (tails of 1-3 after the four-lane passes)', () => {
    for (let n = 0; n <= 17; n++) {
      const h = Uint8Array.from({ length: 80 * n }, (_, i) => (i * 131 + n * 7) & 0xff);
      assert.equal(toHex(pair!.native.hashHeaders(h)), toHex(pair!.twin.hashHeaders(h)), `${n}`);
    }
  });

  it('native and twin agree on random 80-byte header batches', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) => fc.uint8Array({ minLength: 80 * n, maxLength: 80 * n })),
        (h) => toHex(pair!.native.hashHeaders(h)) === toHex(pair!.twin.hashHeaders(h)),
      ),
      { numRuns: 200 },
    );
  });

  it('the portable C++ SHA-256 agrees with SHA-NI and the twin', () => {
    const before = pair!.native.sha();
    try {
      assert.equal(selectNativeSha('portable'), true);
      assert.equal(pair!.native.sha(), 'portable');
      for (const v of vectors)
        assert.equal(displayHex(pair!.native.sha256d(fromHex(v.header))), v.hash, v.name);
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          (data) => toHex(pair!.native.sha256d(data)) === toHex(nodeSha256d(data)),
        ),
        { numRuns: 300 },
      );
      // hashHeaders has its own SHA-NI kernel (two headers per pass); the portable path
      // must give the same bytes for odd and even batch sizes.
      fc.assert(
        fc.property(
          fc
            .integer({ min: 0, max: 9 })
            .chain((n) => fc.uint8Array({ minLength: 80 * n, maxLength: 80 * n })),
          (h) => toHex(pair!.native.hashHeaders(h)) === toHex(pair!.twin.hashHeaders(h)),
        ),
        { numRuns: 100 },
      );
    } finally {
      if (before === 'sha-ni') selectNativeSha('sha-ni');
    }
    assert.equal(pair!.native.sha(), before);
  });
});
