// Test and bench helper: a large deterministic log (share records of many accounts, a block
// every so often, maturing the block before), without randomness.
import type { LogEntry } from '../../../actors/shared/log-records.js';
import { LogBuilder, hashOf } from './log.js';

export interface SyntheticLogOptions {
  readonly records: number;
  readonly sharesPerRecord: number;
  readonly accounts: number;
  /** A block.found every `blockEvery` records (0: none); each matures the previous block. */
  readonly blockEvery: number;
  readonly netWeight?: bigint;
}

export function syntheticLog(o: SyntheticLogOptions): LogEntry[] {
  const log = new LogBuilder();
  const net = o.netWeight ?? 65_536n * 1_000_000n;
  let x = 12345;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  let prev: string | null = null;
  for (let r = 0; r < o.records; r++) {
    const shares = [];
    for (let i = 0; i < o.sharesPerRecord; i++) {
      shares.push({
        account: `acct${next() % o.accounts}`,
        weight: 65_536 * (1 + (next() % 64)),
      });
    }
    log.shares(shares, [{ netWeight: net }]);
    if (o.blockEvery > 0 && (r + 1) % o.blockEvery === 0) {
      if (prev !== null) log.status(prev, 'block.matured');
      prev = hashOf(`synthetic-block-${r}`);
      log.found(prev, { netWeight: net, rewardSats: 312_500_000n + BigInt(r) });
    }
  }
  return log.entries;
}
