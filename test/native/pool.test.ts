// The verifier pool: batches verified in Piscina worker threads on both backends give the same
// answers as direct calls; bad items come back as per-item errors beside the good ones.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createVerifierPool, nativeImpl, twinImpl } from '../../native/index.js';
import type { PrimeShareItem, SubmitRequest, VerifierPool } from '../../native/index.js';
import { displayHex, fromHex, readTsv, toHex } from './support.js';
import { createPoolHasher, packSubmits } from '../../topology/verifier.js';
import type { HashChecked } from '../../actors/share/index.js';
import { u32ToHex } from '../../actors/shared/hex.js';

const backends =
  process.env.COLLIERY_NATIVE === 'off' ? (['twin'] as const) : (['native', 'twin'] as const);

const real = readTsv('primecoin-vectors.tsv', [
  'id',
  'net',
  'header80_hex',
  'multiplier_hex',
  'nbits',
  'pow_ok',
  'block_hash',
] as const).filter((r) => r.header80_hex !== '');
const shares: PrimeShareItem[] = real.map((r) => ({
  header: fromHex(r.header80_hex),
  multiplier: BigInt('0x' + r.multiplier_hex),
  shareNBits: 0x05000000,
  blockNBits: parseInt(r.nbits, 16),
  minLength: r.net === 'main' ? 6 : 2,
}));

const submit = (nonce: number): SubmitRequest => ({
  coinbase1: fromHex(
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff',
  ),
  extranonce1: fromHex('08000002'),
  extranonce2: Uint8Array.of(nonce & 0xff, 0, 0, 0),
  coinbase2: fromHex(
    'ffffffff0100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000',
  ),
  merkleBranches: new Uint8Array(96).fill(nonce & 0xff),
  version: 0x20000000,
  prevHash: new Uint8Array(32).fill(7),
  ntime: 0x504e86ed,
  nbits: 0x1c2ac4af,
  nonce,
});

/** The same submit as the hash family checked it: the job's bytes and the submit's hex fields. */
const toHash = (r: SubmitRequest): HashChecked => ({
  bytes: {
    coinbase1: r.coinbase1,
    coinbase2: r.coinbase2,
    merkleBranches: r.merkleBranches,
    prevHash: r.prevHash,
    nbits: r.nbits,
  },
  submit: {
    jobId: '1',
    extranonce1: toHex(r.extranonce1),
    extranonce2: toHex(r.extranonce2),
    ntime: u32ToHex(r.ntime),
    nonce: u32ToHex(r.nonce),
  },
  headerVersion: r.version,
});

for (const backend of backends) {
  describe(`verifier pool (${backend})`, () => {
    const pools: VerifierPool[] = [];
    after(async () => {
      await Promise.all(pools.map((p) => p.destroy()));
    });
    const open = (): VerifierPool => {
      const pool = createVerifierPool({ threads: 2, backend });
      pools.push(pool);
      return pool;
    };

    it('reports its backend and verifies real Primecoin blocks as shares', async () => {
      const pool = open();
      assert.equal(pool.backend, backend);
      const results = await pool.primeShares(shares);
      assert.equal(results.length, shares.length);
      results.forEach((r, i) => {
        assert.equal(r.error, null, real[i]!.id);
        assert.equal(r.value!.shareOk, true, real[i]!.id);
        assert.equal(r.value!.blockOk, real[i]!.pow_ok === '1', real[i]!.id);
        assert.equal(displayHex(r.value!.blockHash), real[i]!.block_hash, real[i]!.id);
      });
    });

    it('hashes a batch of submits like direct calls, in order, across concurrent batches', async () => {
      const pool = open();
      const batches = [0, 1, 2, 3].map((b) =>
        Array.from({ length: 50 }, (_, i) => submit(100 * b + i)),
      );
      const answers = await Promise.all(batches.map((items) => pool.hashSubmits(items)));
      answers.forEach((results, b) =>
        results.forEach((r, i) => {
          const direct = twinImpl.hashSubmit(batches[b]![i]!);
          assert.equal(r.error, null);
          assert.equal(toHex(r.value!.hash), toHex(direct.hash));
          assert.equal(toHex(r.value!.header), toHex(direct.header));
        }),
      );
      const headers = await pool.hashHeaders(fromHex('00'.repeat(160)));
      assert.equal(toHex(headers.value!), toHex(twinImpl.hashHeaders(new Uint8Array(160))));
    });

    it('hashes a packed batch like direct calls and refuses a batch whose lengths do not add up', async () => {
      const pool = open();
      const items = Array.from({ length: 40 }, (_, i) => submit(i));
      const batch = packSubmits(items.map(toHash));
      const n = items.length;
      const out = await pool.hashSubmitsPacked(batch);
      assert.equal(batch.packed.byteLength, 0, 'the packed bytes were transferred, not copied');
      assert.equal(out.length, 33 * n);
      items.forEach((item, i) => {
        assert.equal(out[i], 1);
        assert.equal(
          toHex(out.subarray(n + 32 * i, n + 32 * i + 32)),
          toHex(twinImpl.hashSubmit(item).hash),
        );
      });
      const bad = packSubmits(items.slice(0, 2).map(toHash));
      const refused = await pool.hashSubmitsPacked({
        packed: bad.packed.subarray(0, bad.packed.length - 1).slice(),
        meta: bad.meta,
      });
      assert.deepEqual([...refused.subarray(0, 2)], [0, 0]);
    });

    it('returns bad items as per-item errors beside the good ones', async () => {
      const pool = open();
      const subs = await pool.hashSubmits([
        submit(1),
        { ...submit(2), prevHash: new Uint8Array(5) },
        null as unknown as SubmitRequest,
        submit(3),
      ]);
      assert.deepEqual(
        subs.map((r) => r.error?.code ?? 'ok'),
        ['ok', 'NATIVE_BAD_INPUT', 'NATIVE_BAD_INPUT', 'ok'],
      );
      assert.equal(toHex(subs[3]!.value!.hash), toHex(twinImpl.hashSubmit(submit(3)).hash));
      const primes = await pool.primeShares([
        shares[0]!,
        { ...shares[0]!, header: new Uint8Array(79) },
        { ...shares[0]!, multiplier: 5 as unknown as bigint },
        { ...shares[0]!, minLength: 0 },
        { ...shares[0]!, multiplier: -1n },
        7 as unknown as PrimeShareItem,
      ]);
      assert.deepEqual(
        primes.map((r) => r.error?.code ?? r.value!.shareError ?? 'ok'),
        [
          'ok',
          'NATIVE_BAD_INPUT',
          'NATIVE_BAD_INPUT',
          'NATIVE_OUT_OF_RANGE',
          'origin-too-small',
          'NATIVE_BAD_INPUT',
        ],
      );
      const headers = await pool.hashHeaders(new Uint8Array(81));
      assert.equal(headers.error?.code, 'NATIVE_BAD_INPUT');
    });
  });
}

describe('verifier pool (backend choice)', () => {
  it("backend 'auto' picks the addon when it loads, and 'native' fails with NATIVE_UNAVAILABLE when it does not", async () => {
    const pool = createVerifierPool({ threads: 1 });
    try {
      assert.equal(pool.backend, nativeImpl === null ? 'twin' : 'native');
    } finally {
      await pool.destroy();
    }
    if (nativeImpl === null) {
      assert.throws(() => createVerifierPool({ backend: 'native' }), {
        code: 'NATIVE_UNAVAILABLE',
      });
    }
  });
});

describe('pool hasher (the Share actor’s verifier)', () => {
  it('hashes on the calling thread like the workers and the twin; a malformed batch is all refused', async () => {
    const hasher = createPoolHasher(1);
    try {
      if (nativeImpl === null) {
        // Without the addon there is no cheap hash on the event loop: everything goes to the pool.
        assert.equal(hasher.hashSubmitsNow, undefined);
        return;
      }
      const now = hasher.hashSubmitsNow;
      assert.ok(now, 'the addon is loaded, so the hasher offers hashSubmitsNow');
      const items = Array.from({ length: 5 }, (_, i) => submit(1000 + i));
      const here = now(items.map(toHash));
      const pooled = await hasher.hashSubmits(items.map(toHash));
      items.forEach((item, i) => {
        const want = toHex(twinImpl.hashSubmit(item).hash);
        assert.equal(toHex(here[i]!), want);
        assert.equal(toHex(pooled[i]!), want);
      });
      const refused = now(
        [submit(1), { ...submit(2), merkleBranches: new Uint8Array(33) }].map(toHash),
      );
      assert.deepEqual(refused, [null, null]);
      const bad = toHash(submit(3));
      // Hex that does not decode fails the pooled batch (the Share actor answers it busy).
      await assert.rejects(
        hasher.hashSubmits([{ ...bad, submit: { ...bad.submit, extranonce2: '0g' } }]),
        {
          code: 'HEX_INVALID',
        },
      );
    } finally {
      await hasher.close();
    }
  });
});
