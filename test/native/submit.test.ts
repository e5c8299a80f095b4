// Whole-Stratum-submit hashing (coinbase -> merkle root -> header -> SHA256d) against real
// Stratum exchanges and blocks from test/vectors/bitcoin-stratum.json, both backends, and
// addon/twin agreement on random submits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SubmitRequest } from '../../native/index.js';
import { displayHex, fromHex, impls, pair, readJson, toHex } from './support.js';

// The JSON vectors are read loosely; each test asserts the values it uses.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const v = readJson('bitcoin-stratum.json') as Record<string, Loose>;

/** Stratum's prevhash swaps the bytes of each 32-bit word relative to the header. */
function prevFromStratum(hex: string): Uint8Array {
  const b = fromHex(hex);
  for (let i = 0; i < 32; i += 4) b.subarray(i, i + 4).reverse();
  return b;
}

const u32 = (hex: string): number => parseInt(hex, 16);

interface Case {
  name: string;
  req: SubmitRequest;
  header: string;
  hash: string; // display order
}

function stratumCase(
  name: string,
  notify: string[],
  extranonce1: string,
  submit: string[],
  header: string,
  hash: string,
  version = u32(notify[5]!),
): Case {
  return {
    name,
    header,
    hash,
    req: {
      coinbase1: fromHex(notify[2]!),
      extranonce1: fromHex(extranonce1),
      extranonce2: fromHex(submit[2]!),
      coinbase2: fromHex(notify[3]!),
      merkleBranches: fromHex((notify[4] as unknown as string[]).join('')),
      version,
      prevHash: prevFromStratum(notify[1]!),
      ntime: u32(submit[3]!),
      nbits: u32(notify[6]!),
      nonce: u32(submit[4]!),
    },
  };
}

/** A block's own coinbase split anywhere into four parts must rebuild the block's header. */
function blockCase(
  name: string,
  coinbase: Uint8Array,
  branches: string[],
  header: string,
  hash: string,
): Case {
  const h = fromHex(header);
  const le = (at: number): number => new DataView(h.buffer).getUint32(at, true);
  return {
    name,
    header,
    hash,
    req: {
      coinbase1: coinbase.subarray(0, 42),
      extranonce1: coinbase.subarray(42, 46),
      extranonce2: coinbase.subarray(46, 54),
      coinbase2: coinbase.subarray(54),
      merkleBranches: fromHex(branches.join('')),
      version: le(0),
      prevHash: h.subarray(4, 36),
      ntime: le(68),
      nbits: le(72),
      nonce: le(76),
    },
  };
}

/** The first (coinbase) transaction of a serialized pre-segwit block. */
function firstTx(block: Uint8Array): Uint8Array {
  let at = 80;
  const varint = (): number => {
    const b = block[at++]!;
    if (b < 0xfd) return b;
    const n = b === 0xfd ? 2 : 4;
    let x = 0;
    for (let i = 0; i < n; i++) x += block[at++]! * 2 ** (8 * i);
    return x;
  };
  varint(); // transaction count
  const start = at;
  at += 4;
  for (let i = varint(); i > 0; i--) {
    at += 36;
    const script = varint(); // read before adding: `at += varint()` would use the old `at`
    at += script + 4;
  }
  for (let i = varint(); i > 0; i--) {
    at += 8;
    const script = varint();
    at += script;
  }
  return block.subarray(start, at + 4);
}

function cases(): Case[] {
  const out: Case[] = [];
  const slush = v.stratum_slush_testnet3;
  out.push(
    stratumCase(
      'slush testnet3 block',
      slush.messages.notify_params,
      slush.expected.extranonce1,
      slush.messages.submit.params,
      slush.expected.header_hex,
      slush.expected.block_hash_display,
    ),
  );
  const pp = v.stratum_publicpool_testnet3;
  out.push(
    stratumCase(
      'public-pool testnet3 share (version rolled)',
      pp.messages.notify_params,
      pp.expected.extranonce1,
      pp.messages.submit.params,
      pp.expected.header_hex,
      pp.expected.share_hash_display,
      u32(pp.expected.header_version),
    ),
  );
  const btcpool = v.stratum_btcpool_regtest;
  btcpool.cases.forEach((c: Loose, i: number) => {
    out.push(
      stratumCase(
        `btcpool regtest case ${i} (job ${c.job_id})`,
        c.notify_params,
        btcpool.subscribe_result[1],
        c.submit.params,
        c.header_hex,
        c.hash_display,
      ),
    );
  });
  const bcoin = v.regtest_bcoin_end_to_end;
  out.push(
    stratumCase(
      'bcoin regtest end-to-end block',
      bcoin.notify_params,
      bcoin.extranonce1,
      bcoin.submit_params,
      bcoin.expected.header_hex,
      bcoin.expected.block_hash_display,
    ),
  );
  const w = v.witness_commitment_block_542213;
  out.push(
    blockCase(
      'mainnet block 542213',
      fromHex(w.coinbase_non_witness_hex),
      w.stratum_merkle_branch,
      w.block_hex.slice(0, 160),
      w.block_hash_display,
    ),
  );
  const t = v.merkle_branch_testnet_block_301322;
  out.push(
    blockCase(
      'testnet3 block 301322',
      firstTx(fromHex(t.block_hex)),
      t.expected_stratum_merkle_branch_internal,
      t.block_hex.slice(0, 160),
      t.block_hash_display,
    ),
  );
  return out;
}

const table = cases();

for (const impl of impls) {
  describe(`hashSubmit (${impl.backend})`, () => {
    it('rebuilds the header and hash of every recorded Stratum submit and block', () => {
      assert.ok(table.length >= 15);
      for (const c of table) {
        const r = impl.hashSubmit(c.req);
        assert.equal(toHex(r.header), c.header, c.name);
        assert.equal(displayHex(r.hash), c.hash, c.name);
      }
    });

    it('hashSubmits answers a batch in order, as single calls would', () => {
      const out = impl.hashSubmits(table.map((c) => c.req));
      assert.equal(out.length, table.length);
      out.forEach((r, i) => assert.equal(displayHex(r.hash), table[i]!.hash, table[i]!.name));
      assert.deepEqual(impl.hashSubmits([]), []);
    });
  });
}

const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
const submitArb: fc.Arbitrary<SubmitRequest> = fc.record({
  coinbase1: bytes(200),
  extranonce1: bytes(8),
  extranonce2: bytes(16),
  coinbase2: bytes(300),
  merkleBranches: fc.nat(14).chain((n) => fc.uint8Array({ minLength: 32 * n, maxLength: 32 * n })),
  version: fc.nat({ max: 0xffffffff }),
  prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  ntime: fc.nat({ max: 0xffffffff }),
  nbits: fc.nat({ max: 0xffffffff }),
  nonce: fc.nat({ max: 0xffffffff }),
});

describe('hashSubmit (addon against twin)', { skip: pair === null }, () => {
  it('native and twin agree on random submits, singly and batched', () => {
    fc.assert(
      fc.property(fc.array(submitArb, { minLength: 1, maxLength: 8 }), (reqs) => {
        const batch = pair!.native.hashSubmits(reqs);
        return reqs.every((req, i) => {
          const twin = pair!.twin.hashSubmit(req);
          const one = pair!.native.hashSubmit(req);
          return (
            toHex(twin.header) === toHex(one.header) &&
            toHex(twin.hash) === toHex(one.hash) &&
            toHex(batch[i]!.hash) === toHex(twin.hash) &&
            toHex(batch[i]!.header) === toHex(twin.header)
          );
        });
      }),
      { numRuns: 150 },
    );
  });
});
