// Starting test miners against a node that may still be coming up (a child process): each
// miner retries until the node listens and authorizes it.
import type { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { until } from './until.js';

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
