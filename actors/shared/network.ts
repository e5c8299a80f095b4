// Network parameters the pool needs: address prefixes (bech32 HRP, base58 version bytes), the
// subsidy halving interval (Bitcoin, from Bitcoin Core chainparams.cpp) and, for prime coins,
// the chain-length limits (Primecoin, docs/protocols/primecoin.md §5, §6.10-11). Prime networks
// have no bech32 form here (empty HRP): only base58 addresses decode for them.
import { CodedError } from './errors.js';

export const NETWORK_UNKNOWN = 'NETWORK_UNKNOWN';

export type NetworkName =
  | 'mainnet'
  | 'testnet'
  | 'signet'
  | 'regtest'
  | 'primecoin'
  | 'primecoin-testnet'
  | 'primecoin-devnet';

/** Consensus limits of a prime network (src/main.cpp LoadBlockIndex, chainparams.cpp). */
export interface PrimeNetworkParams {
  /** nTargetMinLength: the shortest block target (mainnet 6, testnet 2). */
  readonly minLength: number;
  /** nTargetInitialLength. */
  readonly initialLength: number;
  /** MIN_TXOUT_AMOUNT = CENT: the smallest value of any output, coinbase included. */
  readonly minOutputSats: bigint;
}

export interface NetworkParams {
  readonly name: NetworkName;
  /** bech32/bech32m human-readable part (BIP173). */
  readonly bech32Hrp: string;
  /** base58check version byte of P2PKH addresses. */
  readonly p2pkhVersion: number;
  /** base58check version byte of P2SH addresses. */
  readonly p2shVersion: number;
  /** Blocks between subsidy halvings (regtest: 150); 0 for prime networks (reward from nBits). */
  readonly halvingInterval: number;
  /** Set for prime-family networks. */
  readonly prime?: PrimeNetworkParams;
}

const CENT = 1_000_000n;

/** Prime networks: kept apart from NETWORKS so address decoding never sees an empty HRP. */
export const PRIME_NETWORKS: Readonly<
  Record<'primecoin' | 'primecoin-testnet' | 'primecoin-devnet', NetworkParams>
> = {
  primecoin: {
    name: 'primecoin',
    bech32Hrp: '',
    p2pkhVersion: 23,
    p2shVersion: 83,
    halvingInterval: 0,
    prime: { minLength: 6, initialLength: 7, minOutputSats: CENT },
  },
  'primecoin-testnet': {
    name: 'primecoin-testnet',
    bech32Hrp: '',
    p2pkhVersion: 111,
    p2shVersion: 196,
    halvingInterval: 0,
    prime: { minLength: 2, initialLength: 5, minOutputSats: CENT },
  },
  // The devnet: testnet's rules and addresses, so a laptop finds blocks of length 4 in seconds.
  'primecoin-devnet': {
    name: 'primecoin-devnet',
    bech32Hrp: '',
    p2pkhVersion: 111,
    p2shVersion: 196,
    halvingInterval: 0,
    prime: { minLength: 2, initialLength: 4, minOutputSats: CENT },
  },
};

export const NETWORKS: Readonly<
  Record<'mainnet' | 'testnet' | 'signet' | 'regtest', NetworkParams>
> = {
  mainnet: {
    name: 'mainnet',
    bech32Hrp: 'bc',
    p2pkhVersion: 0x00,
    p2shVersion: 0x05,
    halvingInterval: 210_000,
  },
  testnet: {
    name: 'testnet',
    bech32Hrp: 'tb',
    p2pkhVersion: 0x6f,
    p2shVersion: 0xc4,
    halvingInterval: 210_000,
  },
  signet: {
    name: 'signet',
    bech32Hrp: 'tb',
    p2pkhVersion: 0x6f,
    p2shVersion: 0xc4,
    halvingInterval: 210_000,
  },
  regtest: {
    name: 'regtest',
    bech32Hrp: 'bcrt',
    p2pkhVersion: 0x6f,
    p2shVersion: 0xc4,
    halvingInterval: 150,
  },
};

export function networkByName(name: string): NetworkParams {
  const n =
    (NETWORKS as Record<string, NetworkParams | undefined>)[name] ??
    (PRIME_NETWORKS as Record<string, NetworkParams | undefined>)[name];
  if (!n) {
    throw new CodedError(
      NETWORK_UNKNOWN,
      `unknown network '${name}' (one of ${[...Object.keys(NETWORKS), ...Object.keys(PRIME_NETWORKS)].join(', ')})`,
    );
  }
  return n;
}

/** Block subsidy at `height`: 50 BTC >> floor(height / halvingInterval), 0 after 64 halvings. */
export function blockSubsidySats(height: number, network: NetworkParams): bigint {
  const halvings = Math.floor(height / network.halvingInterval);
  return halvings >= 64 ? 0n : 5_000_000_000n >> BigInt(halvings);
}
