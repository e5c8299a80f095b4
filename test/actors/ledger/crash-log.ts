// The log and config shared by the crash test and its child process.
import type { LedgerConfig } from '../../../actors/ledger/config.js';
import type { LogEntry } from '../../../actors/shared/log-records.js';
import { COIN } from './log.js';
import { syntheticLog } from './synthetic-log.js';

export const crashConfig: LedgerConfig = {
  coin: COIN,
  scheme: 'pplns',
  feeBps: 150,
  accountSchemes: { acct3: 'pps', acct5: 'fpps' },
};

export function crashLog(): LogEntry[] {
  return syntheticLog({
    records: 400,
    sharesPerRecord: 50,
    accounts: 40,
    blockEvery: 20,
    netWeight: 65_536n * 500n,
  });
}
