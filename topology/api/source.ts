// What the pool's HTTP API reads (topology/api/router.ts): the node's fixed pool description
// (from its config), its status, its ledger replica, the pool statistics the ledger keeps
// (StatsView, null when statistics are off on this node), the Share actor's prime chain
// statistics and the coin node's view of the network. The HTTP server (topology/metrics.ts)
// builds one PoolApiSource per node and passes it to apiAnswer with every request.
import type { LedgerStore, StatsView } from '../../actors/ledger/index.js';
import type { ShareStats } from '../../actors/share/index.js';
import type { NodeStatus } from '../status.js';

export type {
  BlockEffort,
  MinerRank,
  PoolFigures,
  StatsSample,
  StatsView,
  WorkerFigures,
} from '../../actors/ledger/index.js';
export { BUCKET_MS } from '../../actors/ledger/index.js';

/** One worker's prime chain statistics as the node's Share actor keeps them. */
export type WorkerPrimeStats = NonNullable<ShareStats['prime']>['workers'][number];

/** One Stratum port of the node. */
export interface StratumPort {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Start difficulty. */
  readonly difficulty: number;
  /** Null: fixed difficulty. */
  readonly varDiff: { readonly minDiff: number; readonly maxDiff: number } | null;
}

/** The pool as this node serves it: fixed, from its config. */
export interface PoolInfo {
  /** The pool id in URLs: the coin id, e.g. 'bitcoin-regtest'. */
  readonly id: string;
  /** Coin id. */
  readonly coin: string;
  /** Ticker, e.g. 'BTC'. */
  readonly symbol: string;
  /** Display name, e.g. 'Bitcoin'. */
  readonly name: string;
  readonly family: 'hash' | 'prime';
  /** 'sha256d' | 'primechain'. */
  readonly algorithm: string;
  /** 'mainnet' | 'testnet' | 'regtest' | 'primecoin-devnet' | ... */
  readonly network: string;
  /** Pool fee in basis points (100 = 1 %). */
  readonly feeBps: number;
  /** pplns | prop | pps | fpps | solo. */
  readonly scheme: string;
  /** 'off': the pool pays nobody (its ledger still credits). */
  readonly payouts: 'custodial' | 'coinbase' | 'off';
  readonly minPayoutSats: bigint;
  readonly payoutIntervalSeconds: number;
  /** Confirmations before a block's reward matures. */
  readonly maturity: number;
  /** Target block spacing (600 for bitcoin, 60 for primecoin). */
  readonly blockTimeSeconds: number;
  /** Base units per coin as a power of ten (8). */
  readonly decimals: number;
  readonly stratum: readonly StratumPort[];
  readonly poolAddress: string;
}

/** The coin node's view of the network (null fields: it did not say). */
export interface CoinNodeInfo {
  readonly networkHashps: number | null;
  readonly connections: number | null;
  readonly difficulty: number | null;
  /** The chain tip's height. */
  readonly height: number | null;
  readonly lastBlockTimeMs: number | null;
}

export interface PoolApiSource {
  readonly pool: PoolInfo;
  status(): Promise<NodeStatus>;
  ledger(): LedgerStore;
  /** Null: statistics are off on this node (routes that need them answer 503). */
  stats(): StatsView | null;
  /** Null for hash coins (and when the Share actor did not answer). */
  prime(): Promise<readonly WorkerPrimeStats[] | null>;
  /** Cached by the caller; null: no coin node answered. */
  coinNode(): Promise<CoinNodeInfo | null>;
  /** Wall clock, ms since the epoch: picks which statistics buckets are recent. */
  nowMs(): number;
}
