// What a node reports about itself (`NodeStatus`): gathered in one place for the per-node status
// actor (`colliery status` asks it over NATS) and for `/metrics` (and the alerts and dashboard
// in deploy/ built on it). `colliery status` itself: the
// cluster from any machine that reaches NATS — the nodes (from their extranonce-prefix claims),
// who holds each lease, the share log stream, and each node's own report.
import type { FoundBlock, SubmitterStats } from '../actors/block/index.js';
import type { StratumStats } from '../actors/connection/index.js';
import type { LogAppenderStats, ShareStats } from '../actors/share/index.js';
import { CodedError } from '../actors/shared/errors.js';
import type { BusStats, Health } from './health.js';

export interface NodeStatus {
  readonly node: string;
  readonly cluster: string;
  readonly coin: string;
  readonly version: string;
  readonly startedAtMs: number;
  readonly draining: boolean;
  /** ok, degraded (serving; something it leans on is away) or draining, with the reasons. */
  readonly health: Health;
  /** The NATS connection: up now, outages so far and their total length. */
  readonly bus: BusStats;
  readonly stratumPort: number;
  readonly metricsPort: number | null;
  readonly connections: number;
  /** Stratum sockets refused, connections closed and addresses banned, by reason. */
  readonly stratum: StratumStats;
  /** The Share actor's verdict counts (null: it did not answer in time). */
  readonly shares: {
    readonly verdicts: Record<string, number>;
    readonly candidates: number;
  } | null;
  /** Blocks the Block actor follows, by status (null: the leader did not answer in time). */
  readonly blocks: Record<string, number> | null;
  readonly log: LogAppenderStats;
  /** This node's block submitter: blocks journaled, still journaled, submitted without the lease. */
  readonly blockJournal: SubmitterStats;
  /** This node's ledger replica (null: it keeps none, --ledger off). */
  readonly ledger: {
    readonly lastApplied: number;
    readonly shares: number;
    /** Log records refused at the ledger's edge (unsigned, untrusted, bad signature, invalid). */
    readonly quarantined: number;
    /**
     * The sequence of this coin's newest record in the log (read at most every few seconds; never
     * below lastApplied). Null: not known now (the bus is away, or the read did not answer).
     */
    readonly logLastSeq: number | null;
    /** logLastSeq − lastApplied: how far this replica is behind the log (null: not known). */
    readonly lag: number | null;
  } | null;
  /** Jobs this node heard: the Job leader's broadcasts, or its own Job actor's (bus away). */
  readonly jobs: {
    readonly received: number;
    /** When the newest arrived (ms since the epoch; null: none yet). */
    readonly newestAtMs: number | null;
    /** The newest job's block height (null: none yet). */
    readonly height: number | null;
  };
  /**
   * The coin nodes (--rpc): how many are configured, and how many answer each Job actor that
   * runs on this node (by source: `leader`, the cluster's; `local`, this node's own while the
   * bus is away). Empty when no Job actor runs here: only the node that runs one knows.
   */
  readonly coinNodes: {
    readonly configured: number;
    readonly answering: Readonly<Record<string, number>>;
  };
  /** The local share spool's limits (--spool-records, --spool-mb). */
  readonly spoolLimits: { readonly records: number; readonly bytes: number };
}

/** What gatherStatus reads from a running node. */
export interface StatusParts {
  readonly fixed: Pick<
    NodeStatus,
    'node' | 'cluster' | 'coin' | 'version' | 'startedAtMs' | 'stratumPort' | 'spoolLimits'
  >;
  metricsPort(): number | null;
  draining(): boolean;
  health(): Health;
  bus(): BusStats;
  connections(): number;
  stratumStats(): StratumStats;
  shareStats(timeoutMs: number): Promise<ShareStats>;
  blocks(timeoutMs: number): Promise<FoundBlock[]>;
  logStats(): LogAppenderStats;
  submitterStats(): SubmitterStats;
  /** Null: the node keeps no ledger. */
  ledger(): Pick<
    NonNullable<NodeStatus['ledger']>,
    'lastApplied' | 'shares' | 'quarantined'
  > | null;
  /** The sequence of this coin's newest record in the log (rejects: not known now). */
  logLastSeq(timeoutMs: number): Promise<number>;
  jobs(): NodeStatus['jobs'];
  coinNodes(): NodeStatus['coinNodes'];
}

/** The Share and Block actors are asked with this limit; a late answer is reported as null. */
const ASK_MS = 2_000;

export async function gatherStatus(p: StatusParts): Promise<NodeStatus> {
  const [share, blocks, logLastSeq] = await Promise.all([
    p.shareStats(ASK_MS).catch(() => undefined),
    p.blocks(ASK_MS).catch(() => undefined),
    p.logLastSeq(ASK_MS).catch(() => undefined),
  ]);
  const coinNodes = p.coinNodes();
  let byStatus: Record<string, number> | null = null;
  if (blocks !== undefined) {
    byStatus = {};
    for (const b of blocks) byStatus[b.status] = (byStatus[b.status] ?? 0) + 1;
  }
  return {
    ...p.fixed,
    metricsPort: p.metricsPort(),
    draining: p.draining(),
    health: p.health(),
    bus: p.bus(),
    connections: p.connections(),
    stratum: copyStats(p.stratumStats()),
    shares:
      share === undefined
        ? null
        : { verdicts: { ...share.verdicts }, candidates: share.candidates },
    blocks: byStatus,
    log: { ...p.logStats() },
    blockJournal: { ...p.submitterStats() },
    ledger: ledgerPosition(p.ledger(), logLastSeq),
    jobs: { ...p.jobs() },
    coinNodes: { configured: coinNodes.configured, answering: { ...coinNodes.answering } },
  };
}

/** The replica's position and, when the log's head is known, how far behind it is. */
function ledgerPosition(
  l: Pick<NonNullable<NodeStatus['ledger']>, 'lastApplied' | 'shares' | 'quarantined'> | null,
  logLastSeq: number | undefined,
): NodeStatus['ledger'] {
  if (l === null) return null;
  // The head is read at most every few seconds: the replica may have applied past it since.
  const head = logLastSeq === undefined ? null : Math.max(logLastSeq, l.lastApplied);
  return {
    lastApplied: l.lastApplied,
    shares: l.shares,
    quarantined: l.quarantined,
    logLastSeq: head,
    lag: head === null ? null : head - l.lastApplied,
  };
}

function copyStats(s: StratumStats): StratumStats {
  return {
    refused: { ...s.refused },
    closed: { ...s.closed },
    bans: { ...s.bans },
    load: s.load === null ? null : { ...s.load },
  };
}

/** The status actor's one message. */
export type StatusMessage = { type: 'node.status' };

export function validateStatusMessage(input: unknown): StatusMessage {
  if ((input as { type?: unknown } | null)?.type !== 'node.status')
    throw new CodedError('BAD_MESSAGE', 'the status actor answers { type: "node.status" } only');
  return input as StatusMessage;
}
