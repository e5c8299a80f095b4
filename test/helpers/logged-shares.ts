// How many times each share (by hash) is in a coin's share log: what the outage and crash tests
// compare with the shares their miners heard "accepted".
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { readLog } from '../../actors/shared/log-reader.js';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';

/** Each logged share's count by hash, and the nodes that appended share records. */
export async function loggedShareLog(
  natsUrl: string,
  cluster: string,
  coin = 'bitcoin-regtest',
): Promise<{ shares: Map<string, number>; nodes: Set<string> }> {
  const nc = await connect({ servers: natsUrl });
  const shares = new Map<string, number>();
  const nodes = new Set<string>();
  try {
    for await (const batch of readLog(nc, {
      cluster,
      coin,
      kind: 'shares',
      fromSeq: 1,
      until: 'end',
      maxBatch: 500,
    }))
      for (const e of batch) {
        const record = e.record as ShareBatchRecord;
        nodes.add(record.node);
        for (const s of record.shares) shares.set(s.hash, (shares.get(s.hash) ?? 0) + 1);
      }
  } finally {
    await nc.close();
  }
  return { shares, nodes };
}

export async function loggedShares(
  natsUrl: string,
  cluster: string,
  coin = 'bitcoin-regtest',
): Promise<Map<string, number>> {
  return (await loggedShareLog(natsUrl, cluster, coin)).shares;
}

/**
 * No share is in the log twice, and every share a miner heard accepted is there (each heard
 * once); returns how many shares the log holds.
 */
export function assertAckedLoggedOnce(
  logged: ReadonlyMap<string, number>,
  acked: readonly string[],
): number {
  assert.deepEqual(
    [...logged].filter(([, n]) => n > 1),
    [],
    'no share is in the log twice',
  );
  const missing = acked.filter((h) => !logged.has(h));
  assert.deepEqual(missing, [], `${missing.length} of ${acked.length} accepted shares not logged`);
  assert.equal(new Set(acked).size, acked.length, 'each accepted share heard once');
  return [...logged.values()].reduce((t, n) => t + n, 0);
}
