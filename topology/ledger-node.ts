// A ledger-only node (`colliery ledger run`): this process's LMDB replica following the log and
// a candidate for the Ledger singleton, without Stratum, jobs or blocks. Operators run one or
// two beside the pool nodes as hot standbys on their own disks; if the leader dies, one of
// them takes the lease and carries on from what its replica has applied.
import { pino, type Logger } from 'pino';
import { connectNats } from '../runtime/index.js';
import { nodeRuntime } from './tracing.js';
import { addressToScript } from '../actors/shared/address.js';
import { networkByName } from '../actors/shared/network.js';
import { COINS, type NodeConfig } from './config.js';
import { openNodeLog } from '../actors/share/index.js';
import type { LedgerReplica } from '../actors/ledger/index.js';
import { startNodeLedger } from './wire/ledger.js';
import { startNodeKeys } from './node-keys.js';

export interface LedgerNodeHandle {
  readonly log: Logger;
  readonly replica: LedgerReplica;
  stop(): Promise<void>;
}

export async function startLedgerNode(
  cfg: NodeConfig,
  opts: { leaseTtlMs?: number } = {},
): Promise<LedgerNodeHandle> {
  const log = pino({ level: cfg.logLevel, base: { node: cfg.nodeId, role: 'ledger' } });
  const nc = await connectNats([...cfg.natsUrls], cfg.nodeId, {}, cfg.natsAuth);
  const rt = nodeRuntime({ cluster: cfg.cluster, node: cfg.nodeId, log, nc });
  const network = networkByName(COINS[cfg.coin].network);
  const poolScript =
    cfg.poolAddress === '' ? new Uint8Array(0) : addressToScript(cfg.poolAddress, network).script;
  const keys = await startNodeKeys(nc, cfg, log);
  const appender = await openNodeLog(nc, cfg, log, keys.signer);
  const ledger = await startNodeLedger({
    cfg,
    nc,
    rt,
    appender,
    network,
    poolScript,
    leaseTtlMs: opts.leaseTtlMs ?? cfg.tuning.leaseTtlSeconds * 1000,
    log,
    trust: keys.trust,
  });
  log.info({ coin: cfg.coin, cluster: cfg.cluster }, 'ledger node started');
  let stopping: Promise<void> | undefined;
  return {
    log,
    replica: ledger.replica,
    stop: () =>
      (stopping ??= (async () => {
        await rt.drain({ timeoutMs: cfg.tuning.drainSeconds * 1000 });
        await appender.close().catch(() => undefined);
        await ledger.stop();
        keys.stop();
      })()),
  };
}
