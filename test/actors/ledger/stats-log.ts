// The log the statistics tests replay (and their crash child): two accounts, three workers,
// refusals, a block and a payout, at known times (see stats.test.ts for the figures it gives).
import type { LedgerConfig } from '../../../actors/ledger/config.js';
import type {
  LogEntry,
  LoggedJob,
  LoggedRejects,
  LoggedShare,
} from '../../../actors/shared/log-records.js';
import { LOG_RECORD_VERSION } from '../../../actors/shared/log-records.js';
import { COIN, LogBuilder, hashOf, loggedShare } from './log.js';

/** An hour boundary (and so a 5-minute one). */
export const T0 = 1_699_999_200_000;

export const statsConfig: LedgerConfig = { coin: COIN, scheme: 'pplns', feeBps: 100 };

const job = (height: number): LoggedJob => ({
  id: `job-${height}`,
  height,
  netWeight: 1_000_000n,
  subsidySats: 5_000_000_000n,
  rewardSats: 5_000_000_000n,
});

export function statsLog(): LogEntry[] {
  const log = new LogBuilder();
  const record = (height: number, shares: LoggedShare[], rejects?: LoggedRejects[]) =>
    log.batch(shares, shares.length > 0 ? [job(height)] : [], rejects);
  const share = loggedShare;
  // alice: a diff-4 share every 10 s for 20 minutes, rig1 and rig2 in turn, 10 to a record.
  const alice = Array.from({ length: 120 }, (_, i) =>
    share('alice', i % 2 === 0 ? 'rig1' : 'rig2', 4, T0 + i * 10_000),
  );
  // bob: from minute 15, a diff-1 share every 2 s.
  const bob = Array.from({ length: 150 }, (_, i) =>
    share('bob', 'cpu', 1, T0 + 900_000 + i * 2_000),
  );
  for (let i = 0; i < 6; i++) record(100, alice.slice(i * 10, i * 10 + 10));
  record(
    0,
    [],
    [
      { account: 'alice', worker: 'rig1', stale: 3, invalid: 5, atMs: T0 + 300_000 },
      { account: 'alice', worker: 'rig2', stale: 0, invalid: 2, atMs: T0 + 300_000 },
    ],
  );
  log.found(hashOf('block-1'));
  log.push({
    type: 'payout.planned',
    v: LOG_RECORD_VERSION,
    id: 'payout-1',
    coin: COIN,
    payments: [],
    atMs: T0 + 60_000,
  });
  log.push({
    type: 'payout.sent',
    v: LOG_RECORD_VERSION,
    id: 'sent-1',
    coin: COIN,
    payout: 'payout-1',
    txid: hashOf('tx'),
    reason: null,
    atMs: T0 + 61_000,
  });
  const rest = [...alice.slice(60), ...bob].sort((a, b) => a.atMs - b.atMs);
  for (let i = 0; i < rest.length; i += 25) record(101, rest.slice(i, i + 25));
  return log.entries;
}
