// Wires the ledger side of a node: its LMDB replica under <data>/ledger/<cluster>/<coin>/<node>
// following the log, the Ledger singleton (queries and custodial payouts), and, for
// non-custodial payouts, the coinbase outputs the Job actor puts in each new job.
import type { AccountBook } from '../accounts.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Runtime } from '../../runtime/index.js';
import { CoinRpc, type CoinbaseOutput } from '../../actors/job/index.js';
import {
  PayablesFromAfar,
  localPayables,
  type LedgerCoinbase,
  type PayableSource,
  HASH_WORK_PER_WEIGHT,
  PRIME_WORK_PER_WEIGHT,
  CoinbasePayouts,
  LedgerReplica,
  PayoutExecutor,
  ledgerActor,
  openLedger,
  scriptCache,
  validateLedgerMessage,
  type LedgerConfig,
} from '../../actors/ledger/index.js';
import type { RecordTrust } from '../../actors/ledger/index.js';
import type { LogAppender } from '../../actors/share/index.js';
import type { NetworkParams } from '../../actors/shared/network.js';
import { COINS, type NodeConfig } from '../config.js';

export function ledgerDir(
  cfg: Pick<NodeConfig, 'dataDir' | 'cluster' | 'coin' | 'nodeId'>,
): string {
  return join(cfg.dataDir, 'ledger', cfg.cluster, cfg.coin, cfg.nodeId);
}

export function ledgerConfigOf(cfg: NodeConfig): LedgerConfig {
  return {
    coin: cfg.coin,
    scheme: cfg.payoutScheme,
    feeBps: cfg.feeBps,
    pplnsFactorBps: Math.round(cfg.pplnsFactor * 10_000),
    accountSchemes: cfg.accountSchemes,
  };
}

export interface NodeLedger {
  /** Null: this node keeps no ledger (--ledger off); ledger nodes answer for it. */
  readonly replica: LedgerReplica | null;
  /** The Job actor's coinbase outputs for a block worth `valueSats`. */
  outputs(valueSats: bigint): CoinbaseOutput[];
  /** A block the Block actor found, before the replica has applied it. */
  noteFound(hash: string, paid: readonly { account: string }[]): void;
  stop(): Promise<void>;
}

export interface LedgerWiring {
  readonly cfg: NodeConfig;
  readonly nc: NatsConnection;
  readonly rt: Runtime;
  readonly appender: LogAppender;
  readonly network: NetworkParams;
  readonly poolScript: Uint8Array;
  readonly leaseTtlMs: number;
  readonly log: Logger;
  /** The node keys the cluster trusts: the replica quarantines records not signed by one. */
  readonly trust: RecordTrust;
  /** Account names the operator knows, and where each is paid (--accounts). */
  readonly accounts?: AccountBook | null;
}

/** How often a node without a ledger asks the Ledger actor for the payable balances. */
const PAYABLES_REFRESH_MS = 5_000;

export async function startNodeLedger(w: LedgerWiring): Promise<NodeLedger> {
  if (w.cfg.ledger === 'off') return payablesFromAfar(w);
  const { cfg, network, log } = w;
  const dir = ledgerDir(cfg);
  mkdirSync(dir, { recursive: true });
  const workPerWeight =
    COINS[cfg.coin].family === 'prime' ? PRIME_WORK_PER_WEIGHT : HASH_WORK_PER_WEIGHT;
  const store = openLedger(dir, ledgerConfigOf(cfg), cfg.stats ? { stats: { workPerWeight } } : {});
  const replica = new LedgerReplica(
    w.nc,
    store,
    { cluster: cfg.cluster, coin: cfg.coin, maxBatch: 1_000, trust: w.trust },
    log,
  );
  replica.start();
  const addressOf = (account: string): string | null | undefined => w.accounts?.addressOf(account);
  const payable = scriptCache(network, addressOf);
  const executor =
    cfg.payouts === 'custodial'
      ? new PayoutExecutor(
          {
            pendingPayouts: () => store.payouts().filter((p) => p.status === 'pending'),
            planPayout: (o) => store.planPayout(o),
            lastApplied: () => store.lastApplied(),
            waitApplied: (seq) => replica.waitApplied(seq),
          },
          new CoinRpc({ url: cfg.walletRpc }),
          w.appender,
          {
            cluster: cfg.cluster,
            coin: cfg.coin,
            thresholdSats: cfg.minPayoutSats,
            maxPayments: 500,
            rpcTimeoutMs: 30_000,
            payable: (a) => payable(a) !== null,
            addressOf: (a) => addressOf(a) ?? a,
          },
          log,
        )
      : null;
  await w.rt.singleton(
    'ledger',
    cfg.coin,
    ledgerActor({
      store,
      payoutRound: executor ? () => executor.round() : null,
      payoutIntervalMs: cfg.payoutIntervalSeconds * 1000,
    }),
    { validate: validateLedgerMessage, leaseTtlMs: w.leaseTtlMs },
  );
  const coinbase = coinbasePayouts(w, localPayables(store));
  return {
    replica,
    outputs: (valueSats) => coinbase.outputs(valueSats),
    noteFound: (hash, paid) => coinbase.noteFound(hash, paid),
    stop: () => replica.stop(),
  };
}

/** The coinbase split of each new job, from a replica's balances or the Ledger actor's. */
function coinbasePayouts(w: LedgerWiring, source: PayableSource): CoinbasePayouts {
  const { cfg } = w;
  return new CoinbasePayouts({
    store: source,
    network: w.network,
    poolScript: w.poolScript,
    payouts: cfg.payouts,
    solo: cfg.solo,
    maxOutputs: cfg.maxCoinbaseOutputs,
    minPayoutSats: cfg.minPayoutSats,
    addressOf: (account) => w.accounts?.addressOf(account),
  });
}

/**
 * A pool node without a replica (--ledger off): no LMDB, no Ledger candidacy; its coinbase
 * outputs come from the Ledger actor's answers (PayablesFromAfar), asked again after each block
 * this node finds.
 */
function payablesFromAfar(w: LedgerWiring): NodeLedger {
  const { cfg } = w;
  const ledgerAt = w.rt.address('ledger', cfg.coin);
  const afar = new PayablesFromAfar(
    (msg) => w.rt.ask<LedgerCoinbase>(ledgerAt, msg, { timeoutMs: 5_000 }),
    {
      maxOutputs: cfg.maxCoinbaseOutputs,
      minPayoutSats: cfg.minPayoutSats,
      refreshMs: PAYABLES_REFRESH_MS,
    },
    w.log,
  );
  const coinbasePays = cfg.payouts === 'coinbase' && !cfg.solo;
  if (coinbasePays) afar.start();
  const coinbase = coinbasePayouts(w, afar);
  return {
    replica: null,
    outputs: (valueSats) => coinbase.outputs(valueSats),
    noteFound: (hash, paid) => {
      coinbase.noteFound(hash, paid);
      if (coinbasePays) void afar.refresh();
    },
    stop: () => {
      afar.stop();
      return Promise.resolve();
    },
  };
}
