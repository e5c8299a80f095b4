// Test helper: random ledger logs (fast-check) covering every record type and scheme.
import fc from 'fast-check';
import type { LedgerConfig } from '../../../actors/ledger/config.js';
import type { LogEntry } from '../../../actors/shared/log-records.js';
import { COIN, LogBuilder, hashOf } from './log.js';

export const NAMES = ['alice', 'bob', 'carol', 'pat', 'fay', 'sam'] as const;

/** pat is PPS, fay FPPS, sam SOLO; the others follow the pool. */
export function mixedConfig(scheme: LedgerConfig['scheme'], feeBps: number): LedgerConfig {
  const blockSplit = scheme === 'prop' ? 'prop' : 'pplns';
  return {
    coin: COIN,
    scheme,
    ...(scheme === 'pps' || scheme === 'fpps' ? { blockSplit } : {}),
    feeBps,
    pplnsFactorBps: 20_000,
    accountSchemes: { pat: 'pps', fay: 'fpps', sam: 'solo' },
  };
}

export type Op =
  | { t: 'shares'; shares: [number, number][]; net: bigint }
  | {
      t: 'found';
      finder: number;
      solo: boolean;
      reward: bigint;
      net: bigint;
      dup: boolean;
      paid: [number, bigint][];
    }
  | { t: 'status'; which: number; matured: boolean }
  | { t: 'plan'; payments: [number, bigint][] }
  | { t: 'result'; which: number; sent: boolean };

const who = fc.integer({ min: 0, max: NAMES.length - 1 });
const net = fc.constantFrom(1n, 50n, 1_000n, 70_000n, 1_000_000n);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('shares' as const),
      shares: fc.array(fc.tuple(who, fc.integer({ min: 1, max: 100_000 })), {
        minLength: 1,
        maxLength: 25,
      }),
      net,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('found' as const),
      finder: who,
      solo: fc.boolean(),
      reward: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
      net,
      dup: fc.boolean(),
      paid: fc.array(fc.tuple(who, fc.bigInt({ min: 0n, max: 3_000_000n })), { maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('status' as const),
      which: fc.nat({ max: 12 }),
      matured: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('plan' as const),
      payments: fc.array(fc.tuple(who, fc.bigInt({ min: 1n, max: 2_000_000n })), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('result' as const),
      which: fc.nat({ max: 6 }),
      sent: fc.boolean(),
    }),
  },
);

export const logArb = fc.array(opArb, { minLength: 1, maxLength: 60 });

/** Materializes ops into log entries (sequence gaps of 1..3 to mimic a shared stream). */
export function buildLog(ops: readonly Op[], gap = 2): LogEntry[] {
  const log = new LogBuilder(gap);
  const found: string[] = [];
  const payouts: string[] = [];
  ops.forEach((op, i) => {
    switch (op.t) {
      case 'shares':
        log.shares(
          op.shares.map(([a, w]) => ({ account: NAMES[a] as string, weight: w })),
          [{ netWeight: op.net }],
        );
        break;
      case 'found': {
        const hash =
          op.dup && found.length > 0 ? (found[found.length - 1] as string) : hashOf(`block-${i}`);
        found.push(hash);
        const finder = NAMES[op.finder] as string;
        log.found(hash, {
          account: finder,
          solo: op.solo,
          rewardSats: op.reward,
          netWeight: op.net,
          coinbasePaid: op.paid.map(([a, sats]) => ({ account: NAMES[a] as string, sats })),
        });
        break;
      }
      case 'status': {
        const hash = found[op.which] ?? hashOf(`unknown-${op.which}`);
        log.status(hash, op.matured ? 'block.matured' : 'block.orphaned');
        break;
      }
      case 'plan': {
        const id = `payout-${i}`;
        payouts.push(id);
        log.planned(
          id,
          op.payments.map(([a, sats]) => ({ account: NAMES[a] as string, sats })),
        );
        break;
      }
      case 'result':
        log.result(
          payouts[op.which] ?? `payout-unknown-${op.which}`,
          op.sent ? 'payout.sent' : 'payout.failed',
        );
        break;
    }
  });
  return log.entries;
}
