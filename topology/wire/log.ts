// A node's signed share log at start, for pool and ledger nodes alike: once the bus's JetStream
// answers, its node key (registered with the cluster, and the keys the cluster trusts) and its
// appender. Each step is asked again while JetStream is away (topology/jetstream-ready.ts).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { openNodeLog, type LogAppender } from '../../actors/share/index.js';
import type { NodeConfig } from '../config.js';
import { untilJetStream, withJetStream } from '../jetstream-ready.js';
import { startNodeKeys, type NodeKeys } from '../node-keys.js';

export async function openSignedLog(
  nc: NatsConnection,
  cfg: NodeConfig,
  log: Logger,
): Promise<{ keys: NodeKeys; appender: LogAppender }> {
  await untilJetStream(nc);
  const away = {
    onRetry: (err: unknown) =>
      log.warn({ err }, 'JetStream went away during the start; waiting for it'),
  };
  const keys = await withJetStream(nc, () => startNodeKeys(nc, cfg, log), away);
  const appender = await withJetStream(nc, () => openNodeLog(nc, cfg, log, keys.signer), away);
  return { keys, appender };
}
