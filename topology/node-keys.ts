// The node keys a cluster trusts: a NATS KV bucket (`colliery_<cluster>_nodekeys`), node id →
// its Ed25519 public key (raw, base64). The ledger admits a record only when it was signed by a
// key listed here for the node it names (actors/ledger/trust.ts). On a production bus only the
// admin role may write the bucket (deploy/nats-server.conf), and `colliery keys trust` adds a
// node's key; with `--key-registration auto` (the default, for a bus without permissions) a
// node registers its own key when its id has none. A node id registered with another key is
// never overwritten by a node: its records are quarantined until the operator says otherwise.
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { liveEntries } from '../runtime/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { RecordTrust } from '../actors/ledger/index.js';
import {
  loadNodeKey,
  nodePublicKey,
  publicKeyOf,
  RecordSigner,
} from '../actors/shared/log-sign.js';
import { createPublicKey } from 'node:crypto';
import type { NodeConfig } from './config.js';

export const nodeKeysBucket = (cluster: string): string => `colliery_${cluster}_nodekeys`;

export function openNodeKeys(nc: NatsConnection, cluster: string): Promise<KV> {
  return new Kvm(nc).create(nodeKeysBucket(cluster), { history: 5 });
}

/** Where a node keeps its key: --node-key, or `<data>/keys/<cluster>/<node-id>.key`. */
export function nodeKeyFile(cfg: Pick<NodeConfig, 'nodeKey' | 'dataDir' | 'cluster' | 'nodeId'>) {
  return cfg.nodeKey !== ''
    ? cfg.nodeKey
    : join(cfg.dataDir, 'keys', cfg.cluster, `${cfg.nodeId}.key`);
}

/** The node's signer, its key loaded (or created) from its file. */
export function nodeSigner(cfg: NodeConfig, log: Logger): RecordSigner {
  const file = nodeKeyFile(cfg);
  const key = loadNodeKey(file, (mode) =>
    log.warn({ file, mode: mode.toString(8) }, 'node key file is readable by others: chmod 600 it'),
  );
  return new RecordSigner(cfg.nodeId, key);
}

/** The trusted keys, as the ledger reads them: a copy of the bucket, kept current by a watch. */
export class TrustedKeys implements RecordTrust {
  readonly #keys = new Map<string, KeyObject>();
  #stop: (() => void) | null = null;

  keyOf(node: string): KeyObject | undefined {
    return this.#keys.get(node);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Every key in the bucket now. */
  static async read(kv: KV, log?: Logger): Promise<TrustedKeys> {
    const t = new TrustedKeys();
    for (const [node, e] of await liveEntries(kv)) t.#take(node, e, log);
    return t;
  }

  /** The bucket's keys, then every change, until stop(); resolves once the first are in. */
  static async follow(kv: KV, log: Logger): Promise<TrustedKeys> {
    const t = new TrustedKeys();
    const watch = await kv.watch({ key: '>' });
    let loaded!: () => void;
    const initial = new Promise<void>((r) => (loaded = r));
    void (async () => {
      for await (const e of watch) {
        t.#take(e.key, e, log);
        if (e.delta === 0) loaded();
      }
    })().catch((err: unknown) => log.warn({ err }, 'trusted node keys watch ended'));
    // An empty bucket delivers nothing: its initial state is then "no keys".
    const status = await kv.status();
    if (status.values === 0) loaded();
    await initial;
    t.#stop = () => watch.stop();
    return t;
  }

  stop(): void {
    this.#stop?.();
  }

  #take(node: string, e: KvEntry | null, log?: Logger): void {
    if (e === null || e.operation !== 'PUT') {
      this.#keys.delete(node);
      return;
    }
    try {
      this.#keys.set(node, publicKeyOf(e.string()));
    } catch (err) {
      log?.error({ err, node }, 'trusted node key is not a key: ignored');
      this.#keys.delete(node);
    }
  }
}

/**
 * At start (auto registration): this node's public key goes to the bucket when its id has none.
 * Returns what the bucket says of this node: 'registered', 'trusted' (already there), or
 * 'conflict' (another key: its records will be quarantined; the operator decides).
 */
export async function registerNodeKey(
  kv: KV,
  signer: RecordSigner,
  log: Logger,
): Promise<'registered' | 'trusted' | 'conflict'> {
  const mine = signer.publicKey;
  const had = await kv.get(signer.node);
  if (had !== null && had.operation === 'PUT') {
    if (had.string() === mine) return 'trusted';
    log.error(
      { node: signer.node, registered: had.string(), ours: mine },
      'this node id is registered with another key: its records will be quarantined ' +
        '(colliery keys trust NODE KEY replaces it)',
    );
    return 'conflict';
  }
  await kv.create(signer.node, mine).catch(async (err: unknown) => {
    // Created meanwhile by another start of this node id, or refused by the bus's permissions.
    const now = await kv.get(signer.node).catch(() => null);
    if (now?.string() !== mine) throw err;
  });
  log.info({ node: signer.node, key: mine }, 'node key registered in the cluster');
  return 'registered';
}

/** A public key from its PEM or raw base64 form (for `colliery keys trust`). */
export function publicKeyText(text: string): string {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return nodePublicKey(createPublicKey(t));
  publicKeyOf(t); // throws BAD_NODE_KEY
  return t;
}

/** A process's part in signed records: its signer, and the keys it checks others' with. */
export interface NodeKeys {
  readonly signer: RecordSigner;
  readonly trust: TrustedKeys;
  stop(): void;
}

/**
 * Loads (or creates) this node's key, registers it when `--key-registration auto` and its id
 * has none (a refusal, e.g. by the bus's permissions, is logged: the operator registers it),
 * and follows the cluster's trusted keys.
 */
export async function startNodeKeys(
  nc: NatsConnection,
  cfg: NodeConfig,
  log: Logger,
): Promise<NodeKeys> {
  const signer = nodeSigner(cfg, log);
  const kv = await openNodeKeys(nc, cfg.cluster);
  if (cfg.keyRegistration === 'auto') {
    await registerNodeKey(kv, signer, log).catch((err: unknown) =>
      log.warn(
        { err, node: cfg.nodeId, key: signer.publicKey },
        'could not register this node key; until an operator trusts it (colliery keys trust), its records are quarantined',
      ),
    );
  }
  const trust = await TrustedKeys.follow(kv, log);
  if (trust.keyOf(cfg.nodeId) === undefined)
    log.warn(
      { node: cfg.nodeId, key: signer.publicKey },
      'this node key is not trusted by the cluster: its records will be quarantined',
    );
  return { signer, trust, stop: () => trust.stop() };
}
