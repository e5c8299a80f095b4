// The node's HTTP endpoint (`--metrics HOST:PORT`, off by default): Prometheus metrics, a health
// check, and a read-only JSON API over this node's ledger replica and status.
// GET /metrics: text exposition 0.0.4 — Stratum connections, share verdicts, block candidates
// and blocks by status, the share log (records, shares, retries, failures), the ledger replica
// (last applied sequence, shares applied), actors by kind (count, mailbox depth), the event
// loop (utilisation and delay since the last scrape) and process memory. GET /health: 200 while
// the node serves, 503 once it drains (a load balancer stops sending miners). Everything is read
// at scrape time; nothing here runs between scrapes but the event-loop delay histogram.
// GET /api/status (this node's NodeStatus), /api/blocks (the ledger's blocks, newest first,
// ?limit= up to 1,000), /api/blocks/<hash|height> (a block's bill: who was credited what, from
// which shares), /api/accounts/<account> (its balance): what `colliery ledger` prints with
// --json, amounts as decimal strings of base units. Any node answers for the whole cluster (every
// replica applies the same log), as of the log sequence each answer names.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { LedgerStore } from '../actors/ledger/index.js';
import type { ActorStats } from '../runtime/index.js';
import type { NodeStatus } from './status.js';

/** What the endpoint reads: the node's status (status.ts), actor stats, the ledger replica. */
export interface MetricsSource {
  status(): Promise<NodeStatus>;
  actors(): ActorStats[];
  ledger(): LedgerStore;
}

/** JSON with bigints as decimal strings (amounts in base units), as `colliery ledger --json`. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  source: MetricsSource,
  /** Read on every /health (no asks: a health check answers at once). */
  draining: () => boolean,
  host: string,
  port: number,
  onError: (err: unknown) => void,
): Promise<MetricsServer> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n');
    if (path === '/health') {
      const ok = !draining();
      return send(res, ok ? 200 : 503, ok ? 'ok\n' : 'draining\n');
    }
    if (path?.startsWith('/api/')) {
      try {
        return api(path, new URLSearchParams(req.url?.split('?')[1]), res);
      } catch (err) {
        // A read that failed (say the ledger closing under a late request) is that request's 500.
        onError(err);
        return send(res, 500, `${jsonText({ error: 'API_FAILED', message: String(err) })}\n`);
      }
    }
    if (path !== '/metrics')
      return send(res, 404, 'not found: try /metrics, /health or /api/status\n');
    void scrape().then(
      (text) => send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8'),
      (err: unknown) => {
        onError(err);
        send(res, 500, 'scrape failed\n');
      },
    );
  });

  function api(path: string, query: URLSearchParams, res: ServerResponse): void {
    const json = (status: number, body: unknown): void =>
      send(res, status, `${jsonText(body)}\n`, 'application/json');
    const notFound = (what: string): void => json(404, { error: 'NOT_FOUND', message: what });
    let parts: string[];
    try {
      parts = path.slice('/api/'.length).split('/').map(decodeURIComponent);
    } catch {
      return json(400, { error: 'BAD_REQUEST', message: 'malformed percent-encoding' });
    }
    const store = source.ledger();
    const asOf = store.lastApplied();
    const [what, ref, more] = parts;
    if (more !== undefined) return notFound(`no such path: ${path}`);
    if (what === 'status' && ref === undefined) {
      void source.status().then(
        (st) => json(200, st),
        (err: unknown) => {
          onError(err);
          json(500, { error: 'STATUS_FAILED', message: String(err) });
        },
      );
      return;
    }
    if (what === 'blocks' && ref === undefined) {
      const limit = Math.min(1_000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
      const blocks = store
        .blocks()
        .sort((a, b) => b.seq - a.seq)
        .slice(0, limit);
      return json(200, { asOfSeq: asOf, blocks });
    }
    if (what === 'blocks' && ref !== undefined) {
      const bill = store.bill(/^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase());
      return bill ? json(200, { asOfSeq: asOf, bill }) : notFound(`no block ${ref} in the ledger`);
    }
    if (what === 'accounts' && ref !== undefined && ref !== '') {
      const balance = store.balance(ref);
      return balance
        ? json(200, { asOfSeq: asOf, balance })
        : notFound(`no account ${ref} in the ledger (credited only once a block pays it)`);
    }
    return notFound(
      `no such path: ${path} (try /api/status, /api/blocks, /api/blocks/<hash|height>, /api/accounts/<account>)`,
    );
  }

  async function scrape(): Promise<string> {
    const st = await source.status();
    const out = new Exposition();
    const { node, cluster, coin, version } = st;
    out.gauge('colliery_node_info', 'This node: its id, cluster, coin and version (always 1).', [
      [{ node, cluster, coin, version }, 1],
    ]);
    out.gauge('colliery_draining', '1 once the node drains (SIGTERM), else 0.', [
      [{}, st.draining ? 1 : 0],
    ]);
    out.gauge('colliery_stratum_connections', 'Open Stratum connections on this node.', [
      [{}, st.connections],
    ]);
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
    const log = st.log;
    out.counter('colliery_share_log_records_total', 'Share records appended to the log.', [
      [{}, log.records],
    ]);
    out.counter('colliery_share_log_shares_total', 'Shares appended to the log.', [
      [{}, log.shares],
    ]);
    out.counter('colliery_share_log_retries_total', 'Appends retried (timeouts, restarts).', [
      [{}, log.retries],
    ]);
    out.counter(
      'colliery_share_log_failed_total',
      'Records given up after retrying (their miners heard "server busy").',
      [[{}, log.failed]],
    );
    out.gauge('colliery_ledger_applied_seq', "The log sequence this node's ledger has applied.", [
      [{}, st.ledger.lastApplied],
    ]);
    out.counter('colliery_ledger_shares_total', "Shares this node's ledger has applied.", [
      [{}, st.ledger.shares],
    ]);
    const kinds = new Map<string, { actors: number; depth: number; maxDepth: number }>();
    for (const a of source.actors()) {
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
    const now = performance.eventLoopUtilization();
    out.gauge(
      'colliery_event_loop_utilization',
      'Share of time the event loop was busy since the last scrape (0-1).',
      [[{}, performance.eventLoopUtilization(now, elu).utilization]],
    );
    elu = now;
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
    return out.text();
  }

  server.on('clientError', (_err, socket) => socket.destroy());
  server.listen({ host, port });
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: async () => {
      delay.disable();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
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
