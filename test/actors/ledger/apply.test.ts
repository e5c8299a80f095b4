// ledger apply - blocks, maturity, orphans, coinbase debits, SOLO/PPS/FPPS/PROP and payouts,
// applied in memory with the same code the LMDB store runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEntries, applyEntry } from '../../../actors/ledger/apply.js';
import type { LedgerConfig } from '../../../actors/ledger/config.js';
import { resolveConfig } from '../../../actors/ledger/config.js';
import { LEDGER_RECORD_VERSION } from '../../../actors/ledger/errors.js';
import type { LogEntry } from '../../../actors/shared/log-records.js';
import type { LedgerState } from '../../../actors/ledger/state.js';
import { createState } from '../../../actors/ledger/state.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { sumSats } from '../../../actors/shared/amounts.js';
import { COIN, LogBuilder, hashOf } from './log.js';
import { buildLog, logArb, mixedConfig } from './random-log.js';

function run(config: LedgerConfig, entries: readonly LogEntry[]): LedgerState {
  const s = createState(resolveConfig(config));
  applyEntries(s, entries);
  return s;
}

type Bal = [mature: bigint, immature: bigint, pending: bigint, paid: bigint];
function bal(s: LedgerState, name: string): Bal {
  const a = s.accounts.get(name);
  return a ? [a.mature, a.immature, a.pending, a.paid] : [0n, 0n, 0n, 0n];
}

const pplns = (over: Partial<LedgerConfig> = {}): LedgerConfig => ({
  coin: COIN,
  scheme: 'pplns',
  feeBps: 0,
  pplnsFactorBps: 10_000,
  ...over,
});

test('pplns - two blocks back to back are each credited from the window ending at them', () => {
  const log = new LogBuilder();
  const first = log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B1'), { netWeight: 100n, rewardSats: 1000n });
  log.shares([{ account: 'bob', weight: 100 }], [{ netWeight: 150n }]);
  log.found(hashOf('B2'), { netWeight: 150n, rewardSats: 1000n });
  const s = run(pplns(), log.entries);
  // B1: alice alone. B2: N = 150 → bob 100 + alice 50 (partial): 1000 × 100/150 → 667 / 333.
  assert.deepEqual(bal(s, 'alice'), [0n, 1333n, 0n, 0n]);
  assert.deepEqual(bal(s, 'bob'), [0n, 667n, 0n, 0n]);
  const b1 = s.bills.get(hashOf('B1'));
  assert.deepEqual(b1?.from, { seq: first.seq, index: 0, hash: hashOf('share-0-0') });
  const b2 = s.bills.get(hashOf('B2'));
  assert.equal(b2?.boundaryWeight, 50n);
  assert.deepEqual(
    b2?.lines.filter((l) => l.creditSats > 0n).map((l) => [l.account, l.weight, l.creditSats]),
    [
      ['alice', 50n, 333n],
      ['bob', 100n, 667n],
    ],
  );
});

test('ledger - the same block recorded by two nodes is credited once', () => {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  const s = run(pplns(), log.entries);
  assert.deepEqual(bal(s, 'alice'), [0n, 1000n, 0n, 0n]);
  assert.equal(s.counters.duplicateBlocks, 1);
  assert.equal(s.blocks.size, 1);
});

test('ledger - a block logged found again after it matured (a node journal drained late) is not credited again', () => {
  // The finding node's journal was appended after the stream's duplicate window: the second
  // block.found is stored, and the ledger must ignore it by hash, the block staying matured.
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  log.status(hashOf('B'), 'block.matured');
  const before = run(pplns(), log.entries);
  log.shares([{ account: 'bob', weight: 100 }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  const s = run(pplns(), log.entries);
  assert.deepEqual(bal(s, 'alice'), bal(before, 'alice'));
  assert.deepEqual(bal(s, 'bob'), [0n, 0n, 0n, 0n]);
  assert.equal(s.blocks.get(hashOf('B'))?.status, 'matured');
  assert.equal(s.counters.duplicateBlocks, 1);
});

test('ledger - two blocks found at the same moment on two nodes: the orphan is reversed, each share paid once', () => {
  // Both nodes' shares, then both blocks at height 101 (a race on the network), one orphaned.
  const log = new LogBuilder();
  log.shares([
    { account: 'alice', weight: 60 },
    { account: 'bob', weight: 40 },
  ]);
  log.shares([{ account: 'carol', weight: 100 }]);
  log.found(hashOf('A101'), {
    rewardSats: 1_000_000n,
    netWeight: 100n,
    height: 101,
    account: 'alice',
  });
  log.found(hashOf('C101'), {
    rewardSats: 1_000_000n,
    netWeight: 100n,
    height: 101,
    account: 'carol',
  });
  log.status(hashOf('C101'), 'block.orphaned');
  log.status(hashOf('A101'), 'block.matured');
  const s = run(pplns({ pplnsFactorBps: 20_000 }), log.entries);
  // Only A101 pays: its window (N = 200) holds alice 60, bob 40, carol 100 — each share once.
  assert.deepEqual(bal(s, 'alice'), [300_000n, 0n, 0n, 0n]);
  assert.deepEqual(bal(s, 'bob'), [200_000n, 0n, 0n, 0n]);
  assert.deepEqual(bal(s, 'carol'), [500_000n, 0n, 0n, 0n]);
  assert.equal(s.blocks.get(hashOf('C101'))?.status, 'orphaned');
  let total = 0n;
  for (const a of s.accounts.values()) total += a.mature + a.immature + a.pending + a.paid;
  assert.equal(total, 1_000_000n, 'exactly one block reward exists in the ledger');
});

test('ledger - orphan reverses the block credits and its coinbase debits exactly', () => {
  const log = new LogBuilder();
  log.shares([
    { account: 'alice', weight: 60 },
    { account: 'bob', weight: 40 },
  ]);
  log.found(hashOf('B1'), { rewardSats: 1_000_003n, netWeight: 100n });
  log.status(hashOf('B1'), 'block.matured');
  const cfg = pplns({ feeBps: 250, pplnsFactorBps: 20_000 });
  const before = run(cfg, log.entries);
  log.found(hashOf('B2'), {
    rewardSats: 777_777n,
    netWeight: 100n,
    coinbasePaid: [{ account: 'alice', sats: 100_000n }],
  });
  const found = run(cfg, log.entries);
  assert.notDeepEqual(bal(found, 'alice'), bal(before, 'alice'));
  log.status(hashOf('B2'), 'block.orphaned');
  const after = run(cfg, log.entries);
  for (const name of ['alice', 'bob', '@fee', '@pool']) {
    assert.deepEqual(bal(after, name), bal(before, name), name);
  }
  assert.equal(after.blocks.get(hashOf('B2'))?.status, 'orphaned');
});

test('ledger - maturity moves immature credits to mature; repeats are counted, not applied', () => {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 5000n });
  log.status(hashOf('B'), 'block.matured');
  log.status(hashOf('B'), 'block.matured');
  log.status(hashOf('unknown'), 'block.orphaned');
  const s = run(pplns({ feeBps: 100 }), log.entries);
  assert.deepEqual(bal(s, 'alice'), [4950n, 0n, 0n, 0n]);
  assert.deepEqual(bal(s, '@fee'), [50n, 0n, 0n, 0n]);
  assert.equal(s.counters.repeatedBlockStatus, 1);
  assert.equal(s.counters.unknownBlockStatus, 1);
});

test('ledger - a balance paid by two coinbases becomes a debt recovered from later credits', () => {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B1'), { netWeight: 100n, rewardSats: 1000n });
  log.status(hashOf('B1'), 'block.matured');
  const paid = [{ account: 'alice', sats: 1000n }];
  log.found(hashOf('B2'), { netWeight: 100n, rewardSats: 1000n, coinbasePaid: paid });
  log.found(hashOf('B3'), { netWeight: 100n, rewardSats: 1000n, coinbasePaid: paid });
  const s = run(pplns(), log.entries);
  assert.deepEqual(bal(s, 'alice'), [-1000n, 2000n, 0n, 2000n]);
  log.status(hashOf('B2'), 'block.matured');
  log.status(hashOf('B3'), 'block.matured');
  const t = run(pplns(), log.entries);
  assert.deepEqual(bal(t, 'alice'), [1000n, 0n, 0n, 2000n]);
});

test('solo - the finder takes the block paid in its coinbase; SOLO shares are in no window', () => {
  const log = new LogBuilder();
  log.shares(
    [
      { account: 'alice', weight: 100 },
      { account: 'sam', weight: 500 },
    ],
    [{ netWeight: 100n }],
  );
  const S = hashOf('S');
  log.found(S, {
    account: 'sam',
    solo: true,
    rewardSats: 10_000n,
    netWeight: 100n,
    coinbasePaid: [{ account: 'sam', sats: 9_900n }],
  });
  log.found(hashOf('P'), { rewardSats: 10_000n, netWeight: 100n });
  const cfg = pplns({ feeBps: 100, accountSchemes: { sam: 'solo' } });
  const s = run(cfg, log.entries);
  assert.deepEqual(bal(s, 'sam'), [0n, 9_900n, 0n, 0n]);
  assert.deepEqual(bal(s, 'alice'), [0n, 9_900n, 0n, 0n]);
  const bill = s.bills.get(S);
  assert.equal(bill?.method, 'solo');
  assert.deepEqual(
    bill?.lines.map((l) => [l.account, l.creditSats]),
    [
      ['@fee', 100n],
      ['sam', 9_900n],
    ],
  );
  log.status(S, 'block.matured');
  assert.deepEqual(bal(run(cfg, log.entries), 'sam'), [0n, 0n, 0n, 9_900n]);
});

test('pps - shares are paid at once from the pool PPS balance; their block slices refill it', () => {
  const log = new LogBuilder();
  const job = { netWeight: 1000n, subsidySats: 1_000_000n, rewardSats: 1_200_000n };
  log.shares(
    [
      { account: 'pat', weight: 100 },
      { account: 'fay', weight: 100 },
      { account: 'alice', weight: 100 },
    ],
    [job],
  );
  log.found(hashOf('B'), { rewardSats: 1_200_000n, netWeight: 1000n });
  const cfg = pplns({ feeBps: 200, accountSchemes: { pat: 'pps', fay: 'fpps' } });
  const s = run(cfg, log.entries);
  // PPS: 0.98 × 1 000 000 × 100/1000; FPPS: 0.98 × 1 200 000 × 100/1000.
  assert.deepEqual(bal(s, 'pat'), [98_000n, 0n, 0n, 0n]);
  assert.deepEqual(bal(s, 'fay'), [117_600n, 0n, 0n, 0n]);
  // Block: fee 24 000; rest 1 176 000 over N = 1000 (300 filled): 117 600 per 100, 823 200 pool.
  assert.deepEqual(bal(s, 'alice'), [0n, 117_600n, 0n, 0n]);
  assert.deepEqual(bal(s, '@pps'), [-215_600n, 235_200n, 0n, 0n]);
  assert.deepEqual(bal(s, '@pool'), [0n, 823_200n, 0n, 0n]);
  const line = s.bills.get(hashOf('B'))?.lines.find((l) => l.account === 'pat');
  assert.equal(line?.creditedTo, '@pps');
});

test('pps - sub-satoshi remainders carry over; a share is worth at most one block', () => {
  const log = new LogBuilder();
  const job = { netWeight: 3n, subsidySats: 10n };
  for (let i = 0; i < 3; i++) log.shares([{ account: 'pat', weight: 1 }], [job]);
  const cfg = pplns({ scheme: 'pps' });
  const s = run(cfg, log.entries.slice(0, 1));
  assert.equal(s.accounts.get('pat')?.mature, 3n);
  assert.deepEqual(
    [s.accounts.get('pat')?.remNum, s.accounts.get('pat')?.remDen],
    [10_000n, 30_000n],
  );
  assert.equal(run(cfg, log.entries).accounts.get('pat')?.mature, 10n);
  log.shares([{ account: 'pat', weight: 1000 }], [job]);
  assert.equal(run(cfg, log.entries).accounts.get('pat')?.mature, 20n);
});

test('prop - each round is split by weight and closes with its block', () => {
  const log = new LogBuilder();
  log.shares([
    { account: 'alice', weight: 30 },
    { account: 'bob', weight: 10 },
  ]);
  log.found(hashOf('P1'), { rewardSats: 400n });
  log.shares([{ account: 'bob', weight: 10 }]);
  log.found(hashOf('P2'), { rewardSats: 400n });
  log.found(hashOf('P3'), { rewardSats: 400n });
  const s = run({ coin: COIN, scheme: 'prop', feeBps: 0 }, log.entries);
  assert.deepEqual(bal(s, 'alice'), [0n, 300n, 0n, 0n]);
  assert.deepEqual(bal(s, 'bob'), [0n, 500n, 0n, 0n]);
  assert.deepEqual(bal(s, '@pool'), [0n, 400n, 0n, 0n]);
  assert.equal(s.bills.get(hashOf('P2'))?.targetWeight, 10n);
});

test('payouts - planned debits into pending, sent pays, failed restores; repeats are counted', () => {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  log.status(hashOf('B'), 'block.matured');
  log.planned('p1', [{ account: 'alice', sats: 600n }]);
  const mid = run(pplns(), log.entries);
  assert.deepEqual(bal(mid, 'alice'), [400n, 0n, 600n, 0n]);
  log.planned('p1', [{ account: 'alice', sats: 600n }]);
  log.result('p1', 'payout.sent');
  log.result('p1', 'payout.failed');
  log.planned('p2', [{ account: 'alice', sats: 400n }]);
  log.result('p2', 'payout.failed');
  log.result('nope', 'payout.sent');
  const s = run(pplns(), log.entries);
  assert.deepEqual(bal(s, 'alice'), [400n, 0n, 0n, 600n]);
  assert.equal(s.payouts.get('p1')?.txid, hashOf('p1'));
  assert.deepEqual(
    [
      s.counters.duplicatePayouts,
      s.counters.repeatedPayoutResults,
      s.counters.unknownPayoutResults,
    ],
    [1, 1, 1],
  );
});

test('ledger - a record from a newer version is refused with LEDGER_RECORD_VERSION', () => {
  const log = new LogBuilder();
  const e = log.status(hashOf('B'), 'block.matured');
  const s = createState(resolveConfig(pplns()));
  assert.throws(
    () => applyEntry(s, { seq: e.seq, record: { ...e.record, v: 99 } }),
    (err: unknown) => hasCode(err, LEDGER_RECORD_VERSION),
  );
  assert.equal(s.lastApplied, 0);
});

test('ledger - conserves every satoshi over random logs of every scheme (property)', () => {
  fc.assert(
    fc.property(
      logArb,
      fc.constantFrom('pplns', 'prop', 'pps', 'fpps' as const),
      fc.integer({ min: 0, max: 10_000 }),
      (ops, scheme, feeBps) => {
        const s = run(mixedConfig(scheme, feeBps), buildLog(ops));
        const accounts = [...s.accounts.values()];
        const held = sumSats(accounts.map((a) => a.mature + a.immature + a.pending + a.paid));
        const blocks = [...s.blocks.values()];
        const live = sumSats(
          blocks.filter((b) => b.status !== 'orphaned').map((b) => b.rewardSats),
        );
        assert.equal(held, live);
        const immature = sumSats(
          blocks.filter((b) => b.status === 'immature').map((b) => b.rewardSats),
        );
        assert.equal(sumSats(accounts.map((a) => a.immature)), immature);
        const pending = [...s.payouts.values()].filter((p) => p.status === 'pending');
        assert.equal(
          sumSats(accounts.map((a) => a.pending)),
          sumSats(pending.flatMap((p) => p.payments.map((x) => x.sats))),
        );
        for (const bill of s.bills.values()) {
          assert.equal(sumSats(bill.lines.map((l) => l.creditSats)), bill.rewardSats);
          assert.ok(bill.lines.every((l) => l.creditSats >= 0n));
          assert.ok(bill.lines.every((l) => l.account !== 'sam' || bill.method === 'solo'));
        }
        for (const a of accounts)
          assert.ok(a.remDen === 0n || (a.remNum >= 0n && a.remNum < a.remDen));
      },
    ),
    { numRuns: 150 },
  );
});
