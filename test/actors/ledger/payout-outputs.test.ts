// Non-custodial coinbase outputs on prime coins (actors/ledger/payout-outputs.ts):
// no output below MIN_TXOUT_AMOUNT (0.01 coin), the pool's remainder included, none zero;
// balances too small to pay are carried; the outputs always add up to the block's value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRIME_NETWORKS } from '../../../actors/shared/network.js';
import { coinbasePayoutOutputs } from '../../../actors/ledger/payout-outputs.js';

const CENT = PRIME_NETWORKS['primecoin-devnet'].prime!.minOutputSats;
const POOL = Uint8Array.of(0x51);
const scriptOf = (account: string): Uint8Array | null =>
  account.startsWith('name:') ? null : Uint8Array.from(Buffer.from(account, 'utf8'));
const sum = (xs: readonly { valueSats: bigint }[]): bigint =>
  xs.reduce((a, o) => a + o.valueSats, 0n);

test('prime coinbase outputs - sub-cent balances are carried, the rest are paid', () => {
  const value = 10n * CENT;
  const out = coinbasePayoutOutputs(
    value,
    POOL,
    [
      { account: 'tiny', sats: CENT - 1n },
      { account: 'two', sats: 2n * CENT },
      { account: 'name:bob', sats: 3n * CENT },
      { account: 'cent', sats: CENT },
      { account: 'one-sat', sats: 1n },
    ],
    { minOutputSats: CENT, scriptOf },
  );
  assert.deepEqual(
    out.map((o) => [o.account ?? 'pool', o.valueSats]),
    [
      ['pool', 7n * CENT],
      ['two', 2n * CENT],
      ['cent', CENT],
    ],
  );
  assert.equal(sum(out), value);
});

test('prime coinbase outputs - the pool keeps at least 0.01 coin; a balance too big is paid in part', () => {
  const value = 5n * CENT;
  const out = coinbasePayoutOutputs(
    value,
    POOL,
    [
      { account: 'almost-all', sats: 5n * CENT - 1n }, // paid 4 cents: the pool keeps one
      { account: 'all', sats: 5n * CENT }, // nothing left to pay: carried
      { account: 'fits', sats: 4n * CENT }, // nothing left to pay: carried
    ],
    { minOutputSats: CENT, scriptOf },
  );
  assert.deepEqual(
    out.map((o) => [o.account ?? 'pool', o.valueSats]),
    [
      ['pool', CENT],
      ['almost-all', 4n * CENT],
    ],
  );
});

test('coinbase outputs - hash coins (minimum 1 sat): the pool output never drops to zero', () => {
  const out = coinbasePayoutOutputs(
    1_000n,
    POOL,
    [
      { account: 'all', sats: 1_000n },
      { account: 'most', sats: 999n },
    ],
    { minOutputSats: 1n, scriptOf },
  );
  assert.deepEqual(
    out.map((o) => [o.account ?? 'pool', o.valueSats]),
    [
      ['pool', 1n],
      ['all', 999n],
    ],
  );
});

test('prime coinbase outputs - random balances: sums conserve, nothing below the minimum', () => {
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 500; round++) {
    const value = BigInt(rand(100)) * CENT + BigInt(rand(1_000_000)) + CENT;
    const payable = Array.from({ length: rand(8) }, (_, i) => ({
      account: rand(5) === 0 ? `name:${i}` : `a${i}`,
      sats: BigInt(rand(40)) * (CENT / 4n) + BigInt(rand(3)),
    }));
    const out = coinbasePayoutOutputs(value, POOL, payable, { minOutputSats: CENT, scriptOf });
    assert.equal(sum(out), value, `round ${round}: outputs add up to the value`);
    for (const o of out) assert.ok(o.valueSats >= CENT, `round ${round}: ${o.valueSats} sats`);
    const paid = new Set(out.slice(1).map((o) => o.account));
    for (const p of payable)
      if (paid.has(p.account))
        assert.equal(out.find((o) => o.account === p.account)?.valueSats, p.sats);
  }
});
