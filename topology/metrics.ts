// The node's HTTP endpoint (`--metrics HOST:PORT`, off by default): GET /metrics, Prometheus
// text read at scrape time (metrics-scrape.ts); GET /health: 200 "ok" while the node serves,
// 200 "degraded: …" while it serves with something it leans on away (health.ts), 503 once it
// drains (a load balancer stops sending miners); GET /api/…, a read-only JSON API over this
// node's ledger replica and status (metrics-api.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { LedgerStore } from '../actors/ledger/index.js';
import type { ActorStats } from '../runtime/index.js';
import type { Health } from './health.js';
import { apiAnswer } from './metrics-api.js';
import { Scraper } from './metrics-scrape.js';
import type { NodeStatus } from './status.js';

/** What the endpoint reads: the node's status (status.ts), actor stats, the ledger replica. */
export interface MetricsSource {
  status(): Promise<NodeStatus>;
  actors(): ActorStats[];
  ledger(): LedgerStore;
  /** Read on every /health (no asks: a health check answers at once). */
  health(): Health;
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
  host: string,
  port: number,
  onError: (err: unknown) => void,
): Promise<MetricsServer> {
  const scraper = new Scraper();
  const answer = async (path: string, query: URLSearchParams, res: ServerResponse) => {
    if (path === '/health') {
      const h = source.health();
      const text = h.state === 'degraded' ? `degraded: ${h.reasons.join('; ')}` : h.state;
      return send(res, h.state === 'draining' ? 503 : 200, `${text}\n`);
    }
    if (path.startsWith('/api/')) {
      const a = await apiAnswer(path, query, source);
      return send(res, a.status, `${jsonText(a.body)}\n`, 'application/json');
    }
    if (path !== '/metrics')
      return send(res, 404, 'not found: try /metrics, /health or /api/status\n');
    const text = scraper.text(await source.status(), source.actors());
    send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n');
    const [path = '/', query] = (req.url ?? '/').split('?');
    answer(path, new URLSearchParams(query), res).catch((err: unknown) => {
      // A read that failed (say the ledger closing under a late request) is that request's 500.
      onError(err);
      send(
        res,
        500,
        `${jsonText({ error: 'FAILED', message: String(err) })}\n`,
        'application/json',
      );
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.listen({ host, port });
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: async () => {
      scraper.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
