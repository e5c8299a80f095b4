// Bitcoin network parameters the pool needs: address prefixes (bech32 HRP, base58 version
// bytes) and the subsidy halving interval. Values from Bitcoin Core chainparams.cpp.
import { CodedError } from './errors.js';

export const NETWORK_UNKNOWN = 'NETWORK_UNKNOWN';

export type NetworkName = 'mainnet' | 'testnet' | 'signet' | 'regtest';

export interface NetworkParams {
  readonly name: NetworkName;
  /** bech32/bech32m human-readable part (BIP173). */
  readonly bech32Hrp: string;
  /** base58check version byte of P2PKH addresses. */
  readonly p2pkhVersion: number;
  /** base58check version byte of P2SH addresses. */
  readonly p2shVersion: number;
  /** Blocks between subsidy halvings (regtest: 150). */
  readonly halvingInterval: number;
}

export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = {
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
  const n = (NETWORKS as Record<string, NetworkParams | undefined>)[name];
  if (!n) {
    throw new CodedError(
      NETWORK_UNKNOWN,
      `unknown network '${name}' (one of ${Object.keys(NETWORKS).join(', ')})`,
    );
  }
  return n;
}

/** Block subsidy at `height`: 50 BTC >> floor(height / halvingInterval), 0 after 64 halvings. */
export function blockSubsidySats(height: number, network: NetworkParams): bigint {
  const halvings = Math.floor(height / network.halvingInterval);
  return halvings >= 64 ? 0n : 5_000_000_000n >> BigInt(halvings);
}
