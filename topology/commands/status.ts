// `colliery status`: the cluster as NATS sees it, from any machine that reaches NATS. Nodes are
// found by their extranonce-prefix claims (a live node renews its claim; a dead one's expires)
// and the cluster registry (registry.ts: each node's public Stratum address, connections and
// capacity), lease holders are read from the lease bucket, the share log from its stream, and
// every node is asked for its own report (status.ts) over the runtime.
import { stdout } from 'node:process';
import { Kvm, type KV } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import {
  Runtime,
  connectTool,
  leaseBucket,
  liveEntries,
  type NatsAuth,
} from '../../runtime/index.js';
import { prefixBucket } from '../prefix.js';
import { hostPortText, readRegistry, registryBucket, type RegistryEntry } from '../registry.js';
import { CodedError } from '../../actors/shared/errors.js';
import { clusterOf } from '../config.js';
import { logStreamName } from '../../actors/shared/log-stream.js';
import type { NodeStatus } from '../status.js';

export const STATUS_HELP = `usage: colliery status [--nats URL] [--cluster NAME] [--json]

Prints the cluster: its nodes (where miners reach them and their connections of capacity, from
the cluster registry; each asked for its shares, share log and ledger position), who holds each
lease (Job, Block, Ledger per coin), and the share log stream.
--json prints the same as one JSON object. Exit 1 when NATS or the cluster is not there.
`;

interface LeaseView {
  readonly lease: string;
  readonly node: string;
  /** Seconds since the holder last renewed it. */
  readonly ageS: number;
  /** Older than its TTL: the holder is gone and a standby will take it. */
  readonly expired: boolean;
}

export interface ClusterStatus {
  readonly cluster: string;
  readonly nats: string;
  readonly log: { stream: string; messages: number; bytes: number; lastSeq: number } | null;
  readonly leases: readonly LeaseView[];
  readonly nodes: readonly (NodeStatus | { node: string; error: string })[];
  /** The cluster registry's entries (a node's public Stratum address, connections, capacity). */
  readonly registry: readonly RegistryEntry[];
}

export async function runStatus(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(STATUS_HELP);
    return 0;
  }
  const json = args.includes('--json');
  const { natsUrls, cluster, natsAuth } = clusterOf(
    args.filter((a) => a !== '--json'),
    'status',
  );
  const s = await clusterStatus(natsUrls, cluster, natsAuth);
  stdout.write(json ? `${JSON.stringify(s, null, 2)}\n` : formatClusterStatus(s));
  return 0;
}

export async function clusterStatus(
  natsUrls: string[],
  cluster: string,
  auth?: NatsAuth,
): Promise<ClusterStatus> {
  const nc = await connectTool(natsUrls, `status-${process.pid}`, auth);
  const rt = new Runtime({
    cluster,
    node: `status-${process.pid}`,
    log: pino({ level: 'silent' }),
    nc,
  });
  try {
    const kvm = new Kvm(nc);
    const prefixes = await openBucket(kvm, prefixBucket(cluster));
    if (prefixes === null)
      throw new CodedError(
        'NO_CLUSTER',
        `no node has run in cluster '${cluster}' on ${natsUrls.join(',')} (check --nats and --cluster)`,
      );
    const nodeIds = new Set<string>();
    for (const [, e] of await liveEntries(prefixes)) nodeIds.add(e.string());
    const registryKv = await openBucket(kvm, registryBucket(cluster));
    const registry = registryKv === null ? [] : await readRegistry(registryKv);
    for (const e of registry) nodeIds.add(e.node);
    const leases: LeaseView[] = [];
    const leaseKv = await openBucket(kvm, leaseBucket(cluster));
    const now = Date.now();
    for (const [key, e] of leaseKv === null ? [] : await liveEntries(leaseKv)) {
      const v = e.json<{ node?: unknown; ttlMs?: unknown }>();
      const ageS = (now - e.created.getTime()) / 1000;
      leases.push({
        lease: key,
        node: String(v.node),
        ageS,
        expired: typeof v.ttlMs === 'number' && ageS * 1000 > v.ttlMs,
      });
    }
    let log: ClusterStatus['log'] = null;
    try {
      const info = await (await jetstreamManager(nc)).streams.info(logStreamName(cluster));
      log = {
        stream: info.config.name,
        messages: info.state.messages,
        bytes: info.state.bytes,
        lastSeq: info.state.last_seq,
      };
    } catch {
      // no share log yet: shown as such
    }
    const nodes = await Promise.all(
      [...nodeIds].sort().map(async (node) => {
        try {
          return await rt.ask<NodeStatus>(
            rt.address('status', node),
            { type: 'node.status' },
            { timeoutMs: 3_000 },
          );
        } catch (err) {
          return { node, error: (err as { code?: string }).code ?? String(err) };
        }
      }),
    );
    return { cluster, nats: natsUrls.join(','), log, leases, nodes, registry };
  } finally {
    await rt.drain({ timeoutMs: 1_000 }).catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
}

/** The bucket, or null when it does not exist. */
async function openBucket(kvm: Kvm, name: string): Promise<KV | null> {
  try {
    const kv = await kvm.open(name);
    await kv.status(); // open() does not look; status() fails on a missing bucket
    return kv;
  } catch {
    return null;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function formatClusterStatus(s: ClusterStatus): string {
  const lines = [`cluster ${s.cluster} · nats ${s.nats}`];
  lines.push(
    s.log === null
      ? 'share log: no stream yet'
      : `share log ${s.log.stream}: ${fmt(s.log.messages)} records, ${(s.log.bytes / 1e6).toFixed(1)} MB, last seq ${fmt(s.log.lastSeq)}`,
  );
  lines.push(
    `leases: ${
      s.leases.length === 0
        ? 'none'
        : s.leases
            .map(
              (l) =>
                `${l.lease} → ${l.node}${l.expired ? ` (expired ${l.ageS.toFixed(0)} s ago)` : ''}`,
            )
            .join(' · ')
    }`,
  );
  lines.push(`nodes (${s.nodes.length}):`);
  const registered = new Map(s.registry.map((e) => [e.node, e]));
  for (const n of s.nodes) {
    const entry = registered.get(n.node);
    if ('error' in n) {
      lines.push(
        `  ${n.node}  not answering (${n.error})${entry ? ` · ${registryText(entry)}` : ''}`,
      );
      continue;
    }
    const v = n.shares?.verdicts ?? {};
    const accepted = v['accepted'] ?? 0;
    const rejected = Object.entries(v).reduce((t, [k, c]) => (k === 'accepted' ? t : t + c), 0);
    const upS = Math.max(0, (Date.now() - n.startedAtMs) / 1000);
    lines.push(
      `  ${n.node}  ${n.coin} ${n.version}${n.draining ? ' DRAINING' : ''} · up ${duration(upS)} · ` +
        `${entry ? registryText(entry, n.connections) : `stratum :${n.stratumPort} · ${fmt(n.connections)} connections`}` +
        `${n.metricsPort === null ? '' : ` · metrics :${n.metricsPort}`} · shares ${
          n.shares === null
            ? '(share actor not answering)'
            : `${fmt(accepted)} accepted, ${fmt(rejected)} rejected`
        } · log ${fmt(n.log.records)} records (${fmt(n.log.failed)} failed) · ${n.ledger === null ? 'no ledger' : `ledger seq ${fmt(n.ledger.lastApplied)}`}` +
        (n.blocks === null
          ? ''
          : ` · blocks ${
              Object.entries(n.blocks)
                .map(([k, c]) => `${k} ${c}`)
                .join(', ') || 'none'
            }`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Where miners reach a node and its connections of its capacity, from the registry (`live`: the
 * node's own count now; the registry's is up to 5 s old).
 */
function registryText(e: RegistryEntry, live = e.connections): string {
  const tls = e.stratumTls === null ? '' : ` (tls ${hostPortText(e.stratumTls)})`;
  return `stratum ${hostPortText(e.stratum)}${tls} · ${fmt(live)}/${fmt(e.capacity)} connections`;
}

function duration(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
