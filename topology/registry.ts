// The cluster's registry of live pool nodes: where miners reach each one (its public Stratum
// address and, with --stratum-tls, its TLS address), the connections it holds and the most it
// admits. Each node puts its own entry (key: its node id, value: JSON) in the NATS KV bucket
// `colliery_<cluster>_nodes` when it starts and every 5 s; the bucket's TTL (15 s) removes the
// entry of a node that died, and a node that stops deletes its own. One small put per node
// every 5 s is all the bus carries; nobody watches the bucket.
//
// A draining node (SIGTERM, stop(): a rolling restart) marks its entry draining, reads its
// siblings' once and sends each of its miners `client.reconnect` naming one of them, spread by
// room (reconnect-plan.ts): a rolling restart moves miners without a load balancer. With no
// sibling known (the bus away, a lone node, all full) miners get `client.reconnect` without
// params, as before. `colliery status` shows the entries.
import { hostname } from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { liveEntries } from '../runtime/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { ReconnectTarget } from '../actors/connection/index.js';
import type { NodeConfig } from './config.js';
import { ReconnectPlan, type HostPort, type Sibling } from './reconnect-plan.js';

export type { HostPort } from './reconnect-plan.js';

/** One node's entry in the registry. */
export interface RegistryEntry {
  readonly node: string;
  readonly coin: string;
  /** Where miners reach its Stratum port (--public-stratum). */
  readonly stratum: HostPort;
  /** Where miners reach its Stratum TLS port (null: no --stratum-tls). */
  readonly stratumTls: HostPort | null;
  readonly connections: number;
  /** The most connections it admits (--max-connections, capped below the open-file limit). */
  readonly capacity: number;
  /** It is draining: no miner is sent there. */
  readonly draining: boolean;
}

/** How often a node puts its entry, and how long an entry lives without one. */
export const REGISTRY_EVERY_MS = 5_000;
export const REGISTRY_TTL_MS = 15_000;
/** How long a draining node waits for its siblings' entries (then: reconnect without params). */
const DRAIN_READ_MS = 2_000;

export function registryBucket(cluster: string): string {
  return `colliery_${cluster}_nodes`;
}

/** `host:port`, an IPv6 host in brackets. */
export function hostPortText({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']);

/**
 * Where miners reach this node. Plain: --public-stratum, else the listen address when it is not
 * a wildcard (0.0.0.0, ::), else this machine's host name, with the port it listens on. TLS:
 * --public-stratum-tls, else the plain address's host with the TLS listener's port.
 */
export function publicAddresses(
  cfg: Pick<NodeConfig, 'stratumHost' | 'publicStratum' | 'publicStratumTls'>,
  listening: { port: number; tlsPort: number | null },
  machine: string = hostname(),
): { stratum: HostPort; stratumTls: HostPort | null } {
  const stratum = cfg.publicStratum ?? {
    host: WILDCARDS.has(cfg.stratumHost) ? machine : cfg.stratumHost,
    port: listening.port,
  };
  const stratumTls =
    listening.tlsPort === null
      ? null
      : (cfg.publicStratumTls ?? { host: stratum.host, port: listening.tlsPort });
  return { stratum, stratumTls };
}

/** An entry read from the bucket, checked (anything else on the bus is left out). */
export function parseEntry(value: unknown): RegistryEntry | null {
  const v = value as Partial<Record<keyof RegistryEntry, unknown>> | null;
  if (typeof v !== 'object' || v === null) return null;
  const addr = (a: unknown): HostPort | null => {
    const h = a as { host?: unknown; port?: unknown } | null;
    return typeof h === 'object' &&
      h !== null &&
      typeof h.host === 'string' &&
      h.host !== '' &&
      Number.isInteger(h.port) &&
      (h.port as number) > 0 &&
      (h.port as number) <= 65535
      ? { host: h.host, port: h.port as number }
      : null;
  };
  const count = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  const stratum = addr(v.stratum);
  const stratumTls = v.stratumTls === null ? null : addr(v.stratumTls);
  if (
    typeof v.node !== 'string' ||
    typeof v.coin !== 'string' ||
    stratum === null ||
    (v.stratumTls !== null && stratumTls === null) ||
    !count(v.connections) ||
    !count(v.capacity) ||
    typeof v.draining !== 'boolean'
  )
    return null;
  return {
    node: v.node,
    coin: v.coin,
    stratum,
    stratumTls,
    connections: v.connections,
    capacity: v.capacity,
    draining: v.draining,
  };
}

/** The nodes a draining node may send miners to: live, same coin, not draining, with room. */
export function siblingsOf(
  entries: readonly RegistryEntry[],
  self: { node: string; coin: string; stratum?: HostPort | null },
): Sibling[] {
  // An entry at this node's own address is another process of this machine's node
  // (--processes): it drains with this one, whether or not its entry says so yet.
  const here = self.stratum ? hostPortText(self.stratum) : null;
  return entries
    .filter(
      (e) =>
        e.node !== self.node &&
        e.coin === self.coin &&
        !e.draining &&
        hostPortText(e.stratum) !== here,
    )
    .map((e) => ({
      node: e.node,
      stratum: e.stratum,
      stratumTls: e.stratumTls,
      room: e.capacity - e.connections,
    }))
    .filter((s) => s.room > 0);
}

/** Every entry in the bucket, by node id (its key). */
export async function readRegistry(kv: KV): Promise<RegistryEntry[]> {
  const entries = (await liveEntries(kv)).map(([, e]) => {
    try {
      return parseEntry(e.json());
    } catch {
      return null;
    }
  });
  return entries.filter((e): e is RegistryEntry => e !== null);
}

/** What a node's entry is read from while it runs. */
export interface RegistrySource {
  readonly stratum: HostPort;
  readonly stratumTls: HostPort | null;
  readonly capacity: number;
  connections(): number;
}

/** The plan's next sibling as a client.reconnect target (go now); null: none with room. */
function targetOf(plan: ReconnectPlan | null, tls: boolean): ReconnectTarget | null {
  const next = plan?.next(tls) ?? null;
  return next === null ? null : { host: next.to.host, port: next.to.port, waitSeconds: 0 };
}

/** This node's entry in the registry, and where it sends its miners when it drains. */
export class NodeRegistry {
  #kv: KV | null = null;
  #source: RegistrySource | null = null;
  #timer: NodeJS.Timeout | undefined;
  #putting: Promise<void> | null = null;
  #draining = false;
  #stopped = false;
  #plan: ReconnectPlan | null = null;
  /** Siblings with room as last read (every put): where a full node sends a new miner. */
  #overflow: ReconnectPlan | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cfg: Pick<NodeConfig, 'cluster' | 'nodeId' | 'coin'>,
    private readonly log: Logger,
  ) {}

  /** Puts this node's entry now and every 5 s. Never fails: without the bus it tries again. */
  async start(source: RegistrySource): Promise<void> {
    this.#source = source;
    await this.#put();
    this.#timer = setInterval(() => void this.#put(), REGISTRY_EVERY_MS);
    this.#timer.unref();
  }

  /**
   * The node drains: its entry says so (no sibling sends miners here), and its siblings are read
   * once; from now on `reconnectTo` names one of them for each miner.
   */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const entries = await Promise.race([
        this.#put(true).then(() => (this.#kv === null ? [] : readRegistry(this.#kv))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in 2 s')), DRAIN_READ_MS);
        }),
      ]);
      const siblings = siblingsOf(entries, {
        node: this.cfg.nodeId,
        coin: this.cfg.coin,
        stratum: this.#source?.stratum ?? null,
      });
      this.#plan = new ReconnectPlan(siblings);
      this.log.info(
        {
          siblings: siblings.map((s) => `${s.node} ${hostPortText(s.stratum)} room ${s.room}`),
        },
        siblings.length === 0
          ? 'draining: no sibling with room known, miners reconnect to this address'
          : 'draining: miners are sent to siblings by room',
      );
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'draining: the cluster registry did not answer, miners reconnect to this address',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Where the next draining miner goes (null: no sibling known, or none has room left). */
  reconnectTo(tls: boolean): ReconnectTarget | null {
    return targetOf(this.#plan, tls);
  }

  /**
   * Where a miner this node cannot take (it is full, or draining) goes instead: a sibling with
   * room as the registry said at the last put (every 5 s), spread by room; null: none known.
   * A draining node names the siblings it read when the drain began.
   */
  redirectTo(tls: boolean): ReconnectTarget | null {
    return targetOf(this.#draining ? this.#plan : this.#overflow, tls);
  }

  /** Stops the updates and deletes this node's entry (at most 2 s; else it expires). */
  async release(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const kv = this.#kv;
    if (kv === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      kv.delete(this.cfg.nodeId).catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000))),
    ]);
    clearTimeout(timer);
  }

  /** Puts the entry; one put at a time (`after`: once the one in flight ends, else skipped). */
  #put(after = false): Promise<void> {
    if (this.#putting !== null)
      return after ? this.#putting.then(() => this.#put()) : this.#putting;
    return (this.#putting = this.#putNow().finally(() => (this.#putting = null)));
  }

  async #putNow(): Promise<void> {
    const source = this.#source;
    if (this.#stopped || source === null) return;
    try {
      this.#kv ??= await new Kvm(jetstream(this.nc, { timeout: 2_000 })).create(
        registryBucket(this.cfg.cluster),
        { history: 1, ttl: REGISTRY_TTL_MS },
      );
      const entry: RegistryEntry = {
        node: this.cfg.nodeId,
        coin: this.cfg.coin,
        stratum: source.stratum,
        stratumTls: source.stratumTls,
        connections: source.connections(),
        capacity: source.capacity,
        draining: this.#draining,
      };
      if (!this.#stopped) await this.#kv.put(this.cfg.nodeId, JSON.stringify(entry));
      if (!this.#draining && !this.#stopped) {
        const siblings = siblingsOf(await readRegistry(this.#kv), {
          node: this.cfg.nodeId,
          coin: this.cfg.coin,
          stratum: source.stratum,
        });
        this.#overflow = new ReconnectPlan(siblings);
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'cluster registry: entry not put');
    }
  }
}
