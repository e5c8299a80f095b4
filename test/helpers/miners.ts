// Test miners: our real hashing miner on a local node, and starting miners against a node that
// may still be coming up (a child process): each retries until the node listens and authorizes it.
import { hashHeaders } from '../../native/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { until } from './until.js';

/** Our hashing miner on a node in this machine, at most `maxHashesPerSec`. */
export function localMiner(port: number, username: string, maxHashesPerSec: number): StratumMiner {
  return new StratumMiner({ host: '127.0.0.1', port, username, hashHeaders, maxHashesPerSec });
}

export async function startWhenListening(
  miners: readonly StratumMiner[],
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<void> {
  await Promise.all(
    miners.map((m) =>
      until(
        'the miner connects',
        () =>
          m.start().then(
            () => true,
            () => undefined,
          ),
        timeoutMs,
        everyMs,
      ),
    ),
  );
}
