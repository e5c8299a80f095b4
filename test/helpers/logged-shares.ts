// How many times each share (by hash) is in a coin's share log: what the outage and crash tests
// compare with the shares their miners heard "accepted".
import { connect } from '@nats-io/transport-node';
import { readLog } from '../../actors/shared/log-reader.js';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';

export async function loggedShares(
  natsUrl: string,
  cluster: string,
  coin = 'bitcoin-regtest',
): Promise<Map<string, number>> {
  const nc = await connect({ servers: natsUrl });
  const logged = new Map<string, number>();
  try {
    for await (const batch of readLog(nc, {
      cluster,
      coin,
      kind: 'shares',
      fromSeq: 1,
      until: 'end',
      maxBatch: 500,
    }))
      for (const e of batch)
        for (const s of (e.record as ShareBatchRecord).shares)
          logged.set(s.hash, (logged.get(s.hash) ?? 0) + 1);
  } finally {
    await nc.close();
  }
  return logged;
}
