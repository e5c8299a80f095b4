// The prime devnet's chain rules besides proof of work (Primecoin, docs/protocols/primecoin.md
// §5-6): subsidy TargetGetMint(nBits) (fees on top, as before RFC2), every output at least
// MIN_TXOUT_AMOUNT (0.01 coin; no zero-value outputs), block version ≥ 2, difficulty shown as
// nBits / 2^24, no hash `target` in templates.
import type { NetworkParams } from '../../actors/shared/network.js';
import { primeDifficulty, targetMint } from '../../native/index.js';
import type { DevChainRules } from './chain.js';

export function primeChainRules(network: NetworkParams): DevChainRules {
  const prime = network.prime;
  if (!prime) throw new Error(`${network.name} is not a prime network`);
  return {
    subsidySats: (_height, bits) => targetMint(bits, prime.minLength).mintSats,
    minOutputSats: prime.minOutputSats,
    version: 2,
    minVersion: 2,
    difficulty: primeDifficulty,
    hashTarget: false,
  };
}
