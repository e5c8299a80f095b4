// Composes the ledger side of a node: its LMDB replica under
// <data>/ledger/<cluster>/<coin>/<node>, following the log; the Ledger singleton (queries and
// custodial payouts); and, for non-custodial payouts, the coinbase outputs the Job actor puts
// in each new job.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Runtime } from '../../runtime/index.js';
import type { CoinbaseOutput } from '../../actors/job/coinbase.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { ledgerActor, validateLedgerMessage } from '../../actors/ledger/actor.js';
import type { LedgerConfig } from '../../actors/ledger/config.js';
import { openLedger } from '../../actors/ledger/store.js';
import { addressToScript } from '../../actors/shared/address.js';
import type { NetworkParams } from '../../actors/shared/network.js';
import type { NodeConfig } from '../config.js';
import type { LogAppender } from '../../actors/share/log-sink.js';
import { PayoutExecutor } from '../../actors/ledger/payouts.js';
import { coinbasePayoutOutputs } from '../../actors/ledger/payout-outputs.js';
import { LedgerReplica } from '../../actors/ledger/replica.js';

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
  readonly replica: LedgerReplica;
  /** The Job actor's coinbase outputs for a block worth `valueSats`. */
  outputs(valueSats: bigint): CoinbaseOutput[];
  /** A block the Block actor found, before the replica has applied it. */
  noteFound(hash: string, paid: readonly { account: string }[]): void;
  stop(): Promise<void>;
}

export async function startNodeLedger(
  cfg: NodeConfig,
  nc: NatsConnection,
  rt: Runtime,
  appender: LogAppender,
  network: NetworkParams,
  poolScript: Uint8Array,
  leaseTtlMs: number,
  log: Logger,
): Promise<NodeLedger> {
  const dir = ledgerDir(cfg);
  mkdirSync(dir, { recursive: true });
  const store = openLedger(dir, ledgerConfigOf(cfg));
  const replica = new LedgerReplica(
    nc,
    store,
    { cluster: cfg.cluster, coin: cfg.coin, maxBatch: 1_000 },
    log,
  );
  replica.start();

  const scripts = new Map<string, Uint8Array | null>();
  const scriptOf = (account: string): Uint8Array | null => {
    let s = scripts.get(account);
    if (s === undefined) {
      try {
        s = addressToScript(account, network).script;
      } catch {
        s = null; // an account name, not an address: carried until it is paid some other way
      }
      if (scripts.size > 100_000) scripts.clear();
      scripts.set(account, s);
    }
    return s;
  };

  // Accounts paid by a found block's coinbase that the replica has not applied yet: the next
  // job must not pay them again (that would become a debt recovered from later credits).
  const inFlight = new Map<string, readonly { account: string }[]>();

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
          appender,
          {
            cluster: cfg.cluster,
            coin: cfg.coin,
            thresholdSats: cfg.minPayoutSats,
            maxPayments: 500,
            rpcTimeoutMs: 30_000,
            payable: (a) => scriptOf(a) !== null,
          },
          log,
        )
      : null;

  await rt.singleton(
    'ledger',
    cfg.coin,
    ledgerActor({
      store,
      payoutRound: executor ? () => executor.round() : null,
      payoutIntervalMs: cfg.payoutIntervalSeconds * 1000,
    }),
    { validate: validateLedgerMessage, leaseTtlMs },
  );

  // Prime coins refuse any output below MIN_TXOUT_AMOUNT (0.01 coin); hash coins only a zero one.
  const minOutputSats = network.prime?.minOutputSats ?? 1n;

  return {
    replica,
    outputs(valueSats) {
      const pool: CoinbaseOutput = { script: poolScript, valueSats };
      if (cfg.payouts !== 'coinbase' || cfg.solo) return [pool];
      for (const hash of inFlight.keys()) if (store.bill(hash)) inFlight.delete(hash);
      const busy = new Set([...inFlight.values()].flat().map((p) => p.account));
      const payable = store.coinbaseOutputs({
        maxOutputs: cfg.maxCoinbaseOutputs,
        minPayoutSats: cfg.minPayoutSats,
      });
      return coinbasePayoutOutputs(valueSats, poolScript, payable, {
        minOutputSats,
        scriptOf: (account) => (busy.has(account) ? null : scriptOf(account)),
      });
    },
    noteFound(hash, paid) {
      if (paid.length > 0) inFlight.set(hash, paid);
    },
    stop: () => replica.stop(),
  };
}
