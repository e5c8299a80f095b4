// SOLO: the finder takes the whole block less the pool fee, (reward)(1 − f); the coinbase
// already paid it (see BlockFoundRecord.coinbasePaid). No share split: the bill has one line.
import { splitFee } from '../../shared/amounts.js';

export function soloSplit(
  rewardSats: bigint,
  feeBps: number,
  finder: string,
): { feeSats: bigint; credits: Map<string, bigint> } {
  const { feeSats, restSats } = splitFee(rewardSats, feeBps);
  return { feeSats, credits: new Map([[finder, restSats]]) };
}
