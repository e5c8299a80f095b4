// A regtest-style coin node for demos and tests: JSON-RPC on loopback, a fixed-difficulty
// chain from a real genesis, synthetic mempool transactions, real block validation. With
// `family: 'prime'` it is a Primecoin-style devnet: chain-length nBits (default 04.000000),
// nTargetMinLength 2, the multiplier in the block, blocks judged by the native consensus check.
import { once } from 'node:events';
import type { NetworkParams } from '../../actors/shared/network.js';
import { NETWORKS, PRIME_NETWORKS } from '../../actors/shared/network.js';
import type { PowRules } from './block.js';
import { DevChain } from './chain.js';
import { regtestGenesis } from './genesis.js';
import { hashPow } from './pow.js';
import { primeDevnetGenesis } from './prime-genesis.js';
import { primePow } from './prime-pow.js';
import { primeChainRules } from './prime-rules.js';
import { createRpcServer } from './rpc.js';
import { DevWallet } from './wallet.js';

export { DevChain } from './chain.js';

export interface DevnetOptions {
  /** 'hash' (default, Bitcoin regtest) or 'prime' (Primecoin-style devnet). */
  family?: 'hash' | 'prime';
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /**
   * nBits of every block (fixed difficulty). Hash: compact target (regtest's 207fffff makes
   * every other hash a block). Prime: chain length word (default 0x04000000, length 4).
   */
  bits?: number;
  segwit?: boolean;
  txsPerBlock?: number;
  network?: NetworkParams;
  pow?: PowRules;
  genesis?: Uint8Array;
  nowSec?: () => number;
  seed?: number;
  longpollTimeoutMs?: number;
  /** The devnet wallet's spendable balance (custodial payouts), default 1,000 coins. */
  walletBalanceSats?: bigint;
  /**
   * Called per JSON-RPC call (method known) with the CLOCK_MONOTONIC time in ns at which its
   * request's first bytes were read, comparable with process.hrtime.bigint() in any process on
   * the machine.
   */
  onCall?: (method: string, arrivedNs: bigint) => void;
}

export interface Devnet {
  readonly url: string; // http://user:pass@host:port
  readonly chain: DevChain;
  readonly wallet: DevWallet;
  close(): Promise<void>;
}

export async function startDevnet(o: DevnetOptions = {}): Promise<Devnet> {
  const network = o.network ?? (o.family === 'prime' ? PRIME_DEVNET : NETWORKS.regtest);
  const chain =
    o.family === 'prime'
      ? primeChain(o, network)
      : new DevChain({
          network,
          chainName: 'regtest',
          bits: o.bits ?? 0x207fffff,
          pow: o.pow ?? hashPow,
          segwit: o.segwit ?? true,
          txsPerBlock: o.txsPerBlock ?? 3,
          nowSec: o.nowSec ?? (() => Math.floor(Date.now() / 1000)),
          seed: o.seed ?? 1,
          genesis: o.genesis ?? regtestGenesis(),
        });
  const wallet = new DevWallet(network, o.walletBalanceSats ?? 100_000_000_000n);
  const { server, url } = createRpcServer(chain, {
    wallet,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    user: o.user ?? 'colliery',
    password: o.password ?? 'devnet',
    longpollTimeoutMs: o.longpollTimeoutMs ?? 30_000,
    ...(o.onCall ? { onCall: o.onCall } : {}),
  });
  server.listen(o.port ?? 0, o.host ?? '127.0.0.1');
  await once(server, 'listening');
  return {
    url: url(),
    chain,
    wallet,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const PRIME_DEVNET = PRIME_NETWORKS['primecoin-devnet'];
export const PRIME_DEVNET_BITS = 0x04000000;

function primeChain(o: DevnetOptions, network: NetworkParams): DevChain {
  const bits = o.bits ?? PRIME_DEVNET_BITS;
  return new DevChain({
    network,
    chainName: 'devnet',
    bits,
    pow: o.pow ?? primePow(network.prime?.minLength ?? 2),
    segwit: false,
    txsPerBlock: o.txsPerBlock ?? 3,
    nowSec: o.nowSec ?? (() => Math.floor(Date.now() / 1000)),
    seed: o.seed ?? 1,
    genesis: o.genesis ?? primeDevnetGenesis(bits),
    rules: primeChainRules(network),
  });
}
