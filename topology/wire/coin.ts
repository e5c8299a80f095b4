// What every actor of a node needs to know about its coin: the family's parts (prime coins:
// dialect, work model, Share actor; hash coins: none), the pool's payout script, a job's block
// subsidy, and one JSON-RPC client per configured coin node.
import { CoinRpc, type JobWork } from '../../actors/job/index.js';
import { addressToScript } from '../../actors/shared/address.js';
import {
  blockSubsidySats,
  networkByName,
  type NetworkParams,
} from '../../actors/shared/network.js';
import { COINS, type NodeConfig } from '../config.js';
import { primeNodeParts, type PrimeNodeParts } from '../prime-coin.js';

export interface CoinParts {
  readonly family: 'hash' | 'prime';
  readonly maturity: number;
  readonly network: NetworkParams;
  /** Prime coins' dialect, work model and Share actor; null for hash coins. */
  readonly prime: PrimeNodeParts | null;
  readonly poolScript: Uint8Array;
  /** A job's block subsidy: by height (hash coins), TargetGetMint of its nBits (prime coins). */
  readonly subsidySats: (work: JobWork) => bigint;
  /** The coin nodes, each with a submitblock lane of its own, open before the first candidate. */
  readonly nodes: readonly CoinRpc[];
}

export function coinParts(cfg: NodeConfig, hasher: unknown): CoinParts {
  const coin = COINS[cfg.coin];
  const network = networkByName(coin.network);
  const prime = coin.family === 'prime' ? primeNodeParts(cfg, network, hasher) : null;
  const poolScript = addressToScript(cfg.poolAddress, network).script;
  const nodes = cfg.rpc.map((r) => new CoinRpc(r));
  for (const n of nodes) n.warmSubmitLane();
  return {
    family: coin.family,
    maturity: coin.maturity,
    network,
    prime,
    poolScript,
    subsidySats: prime
      ? prime.subsidySats
      : (work: JobWork): bigint => blockSubsidySats(work.height, network),
    nodes,
  };
}
