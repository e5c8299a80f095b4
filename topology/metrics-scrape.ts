// Prometheus text exposition 0.0.4 of one node, read at scrape time: its NodeStatus (status.ts:
// health, Stratum connections, share verdicts, block candidates and blocks by status, the newest
// job, the coin nodes, the share log and its spool, the ledger replica and its lag), its actors
// by kind (count, mailbox depth), the event loop (utilisation and delay since the last scrape),
// process memory and CPU. deploy/grafana and deploy/prometheus are built on these names
// (test/topology/ops-kit.test.ts checks that every name they use is here).
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { ActorStats } from '../runtime/index.js';
import type { NodeStatus } from './status.js';

/** Renders scrapes; between two, only its event-loop delay histogram runs. */
export class Scraper {
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  #elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor() {
    this.#delay.enable();
  }

  close(): void {
    this.#delay.disable();
  }

  /** `nowMs`: the clock the job's age is read on. */
  text(st: NodeStatus, actors: readonly ActorStats[], nowMs = Date.now()): string {
    const out = new Exposition();
    nodeFamilies(out, st);
    jobFamilies(out, st, nowMs);
    actorFamilies(out, actors);
    this.#processFamilies(out);
    return out.text();
  }

  #processFamilies(out: Exposition): void {
    const now = performance.eventLoopUtilization();
    out.gauge(
      'colliery_event_loop_utilization',
      'Share of time the event loop was busy since the last scrape (0-1).',
      [[{}, performance.eventLoopUtilization(now, this.#elu).utilization]],
    );
    this.#elu = now;
    const delay = this.#delay;
    out.gauge(
      'colliery_event_loop_delay_seconds',
      'Event-loop delay since the last scrape, by quantile (10 ms sampling).',
      [0.5, 0.99, 1].map((q) => [
        { quantile: String(q) },
        q === 1 ? delay.max / 1e9 : delay.percentile(q * 100) / 1e9,
      ]),
    );
    delay.reset();
    const mem = process.memoryUsage();
    out.gauge('process_resident_memory_bytes', 'Resident memory of the process.', [[{}, mem.rss]]);
    out.gauge('nodejs_heap_used_bytes', "V8's heap in use.", [[{}, mem.heapUsed]]);
    out.gauge('nodejs_heap_total_bytes', "V8's heap size.", [[{}, mem.heapTotal]]);
    const cpu = process.cpuUsage();
    out.counter('process_cpu_seconds_total', 'CPU time of the process, user and system.', [
      [{}, (cpu.user + cpu.system) / 1e6],
    ]);
    out.gauge('process_start_time_seconds', 'When the process started (Unix seconds).', [
      [{}, Math.round(performance.timeOrigin) / 1000],
    ]);
  }
}

/** The node itself: identity, health and the bus, connections, shares, blocks. */
function nodeFamilies(out: Exposition, st: NodeStatus): void {
  const { node, cluster, coin, version } = st;
  out.gauge('colliery_node_info', 'This node: its id, cluster, coin and version (always 1).', [
    [{ node, cluster, coin, version }, 1],
  ]);
  out.gauge('colliery_node_start_time_seconds', 'When this node started (Unix seconds).', [
    [{}, st.startedAtMs / 1000],
  ]);
  out.gauge(
    'colliery_health',
    "The node's health, one series per state: ok, degraded (serving; the bus, prefix claim or coin nodes away), draining.",
    (['ok', 'degraded', 'draining'] as const).map((s) => [
      { state: s },
      st.health.state === s ? 1 : 0,
    ]),
  );
  out.gauge('colliery_draining', '1 once the node drains (SIGTERM), else 0.', [
    [{}, st.draining ? 1 : 0],
  ]);
  out.gauge('colliery_bus_up', '1 while the NATS connection is up, else 0.', [
    [{}, st.bus.up ? 1 : 0],
  ]);
  out.counter('colliery_bus_outages_total', 'Times the NATS connection was lost.', [
    [{}, st.bus.outages],
  ]);
  out.counter('colliery_bus_outage_seconds_total', 'Seconds without the NATS connection.', [
    [{}, st.bus.outageSeconds],
  ]);
  const byReason = (counts: Record<string, number>) =>
    Object.entries(counts).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]);
  out.counter(
    'colliery_stratum_refused_total',
    'Stratum sockets refused at accept, by reason (closed, banned, per-ip-limit, no-extranonce, full).',
    byReason(st.stratum.refused),
  );
  out.counter(
    'colliery_stratum_closed_total',
    'Stratum connections closed, by reason.',
    byReason(st.stratum.closed),
  );
  out.counter(
    'colliery_stratum_bans_total',
    'Addresses this node banned (several of their connections misbehaved), by reason.',
    byReason(st.stratum.bans),
  );
  out.gauge('colliery_stratum_connections', 'Open Stratum connections on this node.', [
    [{}, st.connections],
  ]);
  const load = st.stratum.load;
  if (load !== null) {
    out.gauge(
      'colliery_stratum_pending_submits',
      'Submits in flight on this node (handed to the Share actor, not yet answered).',
      [[{}, load.pending]],
    );
    out.gauge(
      'colliery_stratum_unread_connections',
      'Connections not read now: the node is over --node-pending-submits.',
      [[{}, load.paused]],
    );
    out.counter(
      'colliery_stratum_overloads_total',
      'Times the node went over --node-pending-submits and stopped reading miners that send more.',
      [[{}, load.episodes]],
    );
  }
  // The Share and Block actors are asked (status.ts, 2 s limit); what did not answer is left out.
  if (st.shares !== null) {
    out.counter(
      'colliery_shares_total',
      "Shares this node's Share actor judged, by verdict.",
      Object.entries(st.shares.verdicts).map(([verdict, n]) => [{ verdict }, n]),
    );
    out.counter(
      'colliery_block_candidates_total',
      'Shares this node found meeting the network target (sent to the Block actor).',
      [[{}, st.shares.candidates]],
    );
  }
  if (st.blocks !== null) {
    out.gauge(
      'colliery_blocks',
      "Blocks the Block actor follows (the cluster's, its most recent 1,000), by status.",
      Object.entries(st.blocks).map(([status, n]) => [{ status }, n]),
    );
  }
  const j = st.blockJournal;
  out.counter(
    'colliery_blocks_journaled_total',
    "Blocks this node's submitter wrote to its journal before submitting them.",
    [[{}, j.journaled]],
  );
  out.gauge(
    'colliery_blocks_journal_pending',
    'Journaled blocks whose records the block log does not hold yet (NATS away).',
    [[{}, j.pending]],
  );
  out.counter(
    'colliery_blocks_submitted_without_lease_total',
    'Blocks this node submitted while it did not hold the Block lease.',
    [[{}, j.withoutLease]],
  );
  logFamilies(out, st);
}

/** The newest job this node heard, and the coin nodes its Job actors (if any) ask. */
function jobFamilies(out: Exposition, st: NodeStatus, nowMs: number): void {
  const j = st.jobs;
  out.counter(
    'colliery_jobs_received_total',
    "Jobs this node heard (the Job leader's broadcasts; its own Job actor's while the bus is away).",
    [[{}, j.received]],
  );
  out.gauge(
    'colliery_job_age_seconds',
    'Seconds since this node heard a new job (since it started, before the first). A new job comes with each block and every --refresh-seconds.',
    [[{}, Math.max(0, nowMs - (j.newestAtMs ?? st.startedAtMs)) / 1000]],
  );
  out.gauge(
    'colliery_job_height',
    'Block height of the newest job this node heard.',
    j.height === null ? [] : [[{}, j.height]],
  );
  out.gauge('colliery_coin_nodes', 'Coin nodes this node is configured with (--rpc).', [
    [{}, st.coinNodes.configured],
  ]);
  out.gauge(
    'colliery_coin_nodes_answering',
    "Coin nodes that answer a Job actor running on this node, by source (leader: the cluster's Job actor; local: this node's own while the bus is away). Only the node that runs one reports it.",
    Object.entries(st.coinNodes.answering).map(([source, n]) => [{ source }, n]),
  );
}

/** The share log this node appends to and the ledger replica that applies it. */
function logFamilies(out: Exposition, st: NodeStatus): void {
  const log = st.log;
  out.counter('colliery_share_log_records_total', 'Share records appended to the log.', [
    [{}, log.records],
  ]);
  out.counter('colliery_share_log_shares_total', 'Shares appended to the log.', [[{}, log.shares]]);
  out.counter('colliery_share_log_retries_total', 'Appends retried (timeouts, restarts).', [
    [{}, log.retries],
  ]);
  out.counter(
    'colliery_share_log_failed_total',
    'Records given up after retrying (their miners heard "server busy").',
    [[{}, log.failed]],
  );
  out.gauge(
    'colliery_share_spool_records',
    'Share records in the local spool, waiting for the share log (NATS away).',
    [[{}, log.spoolDepth]],
  );
  out.gauge('colliery_share_spool_bytes', 'Bytes of share records in the local spool.', [
    [{}, log.spoolBytes],
  ]);
  out.gauge(
    'colliery_share_spool_max_records',
    'Share records the local spool holds at most (--spool-records); beyond, miners hear "server busy".',
    [[{}, st.spoolLimits.records]],
  );
  out.gauge(
    'colliery_share_spool_max_bytes',
    'Bytes of share records the local spool holds at most (--spool-mb).',
    [[{}, st.spoolLimits.bytes]],
  );
  out.counter(
    'colliery_share_spool_spooled_total',
    'Share records written to the local spool (their miners heard "accepted" from it).',
    [[{}, log.spooled]],
  );
  out.counter(
    'colliery_share_spool_drained_total',
    'Spooled share records appended to the share log.',
    [[{}, log.drained]],
  );
  out.counter(
    'colliery_share_spool_full_total',
    'Share records refused because the spool was full (their miners heard "server busy").',
    [[{}, log.spoolFull]],
  );
  const ledger = st.ledger;
  // A node without a ledger (--ledger off) exports none of its figures: ledger nodes keep them.
  if (ledger === null) return;
  out.gauge('colliery_ledger_applied_seq', "The log sequence this node's ledger has applied.", [
    [{}, ledger.lastApplied],
  ]);
  // Without the bus the log's head is not known: no sample (the bus alert says why).
  out.gauge(
    'colliery_share_log_last_seq',
    "The log sequence of this coin's newest record (read at most every 5 s).",
    ledger.logLastSeq === null ? [] : [[{}, ledger.logLastSeq]],
  );
  out.gauge(
    'colliery_ledger_lag_seq',
    "How far this node's ledger is behind the log: its newest record's sequence less the one applied.",
    ledger.lag === null ? [] : [[{}, ledger.lag]],
  );
  out.counter(
    'colliery_ledger_quarantined_total',
    'Log records this ledger refused (unsigned, untrusted, bad signature, invalid): never credited.',
    [[{}, ledger.quarantined]],
  );
  out.counter('colliery_ledger_shares_total', "Shares this node's ledger has applied.", [
    [{}, ledger.shares],
  ]);
}

/** Live actors by kind, and their mailboxes. */
function actorFamilies(out: Exposition, actors: readonly ActorStats[]): void {
  const kinds = new Map<string, { actors: number; depth: number; maxDepth: number }>();
  for (const a of actors) {
    const kind = kindOf(a.address);
    const k = kinds.get(kind) ?? { actors: 0, depth: 0, maxDepth: 0 };
    k.actors++;
    k.depth += a.depth;
    k.maxDepth = Math.max(k.maxDepth, a.depth);
    kinds.set(kind, k);
  }
  out.gauge(
    'colliery_actors',
    'Live actors on this node, by kind.',
    [...kinds].map(([kind, k]) => [{ kind }, k.actors]),
  );
  out.gauge(
    'colliery_actor_mailbox_depth',
    'Messages waiting in the mailboxes of one kind of actor.',
    [...kinds].map(([kind, k]) => [{ kind }, k.depth]),
  );
  out.gauge(
    'colliery_actor_mailbox_depth_max',
    'The deepest mailbox of one kind of actor.',
    [...kinds].map(([kind, k]) => [{ kind }, k.maxDepth]),
  );
}

/** An actor's kind from its address `colliery.<cluster>.<kind>.<id>`. */
function kindOf(address: string): string {
  return address.split('.', 3)[2] ?? 'unknown';
}

type Labels = Readonly<Record<string, string>>;

/** Prometheus text format 0.0.4: HELP, TYPE, then one sample per label set. */
class Exposition {
  readonly #lines: string[] = [];

  gauge(name: string, help: string, samples: readonly (readonly [Labels, number])[]): void {
    this.#family(name, 'gauge', help, samples);
  }

  counter(name: string, help: string, samples: readonly (readonly [Labels, number])[]): void {
    this.#family(name, 'counter', help, samples);
  }

  #family(
    name: string,
    type: string,
    help: string,
    samples: readonly (readonly [Labels, number])[],
  ): void {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const set = Object.entries(labels)
        .map(
          ([k, v]) =>
            `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
        )
        .join(',');
      this.#lines.push(`${name}${set === '' ? '' : `{${set}}`} ${formatValue(value)}`);
    }
  }

  text(): string {
    return this.#lines.join('\n') + '\n';
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
