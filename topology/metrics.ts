// The node's HTTP endpoints: `--metrics HOST:PORT` and `--http HOST:PORT` (both off by
// default; the same HOST:PORT is one server).
//   GET /metrics (metrics only): Prometheus text read at scrape time (metrics-scrape.ts);
//   GET /health: 200 "ok" while the node serves, 200 "degraded: …" while it serves with
//     something it leans on away (health.ts), 503 once it drains (a load balancer stops
//     sending miners);
//   GET /api/…: the pool API (topology/api: Miningcore-compatible routes, Colliery's own, and
//     this node's status), read-only JSON over this node's ledger replica and statistics;
//   GET / and /dashboard/…, /vendor/uplot.{js,css}: the dashboard (topology/dashboard), static
//     files read once at start and served from memory (nothing else on disk is reachable).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActorStats } from '../runtime/index.js';
import type { Health } from './health.js';
import { apiAnswer } from './api/router.js';
import type { PoolApiSource } from './api/source.js';
import { Scraper } from './metrics-scrape.js';
import type { NodeStatus } from './status.js';

const NO_LEDGER = {
  error: 'UNAVAILABLE',
  message:
    'this node keeps no ledger (--ledger off): the pool API and the dashboard are on the ledger nodes (colliery ledger run --http)',
};

/** What the endpoint reads: the pool API's source (status, ledger, statistics), actor stats, health. */
export interface MetricsSource {
  /** Null: the node keeps no ledger (--ledger off): no API and no dashboard here. */
  readonly api: PoolApiSource | null;
  /** The node's status (/metrics reads it). */
  status(): Promise<NodeStatus>;
  actors(): ActorStats[];
  /** Read on every /health (no asks: a health check answers at once). */
  health(): Health;
}

/** What one server answers: /metrics, and the dashboard's pages (/api and /health always). */
export interface ServeParts {
  readonly metrics: boolean;
  readonly pages: boolean;
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
  parts: ServeParts = { metrics: true, pages: true },
): Promise<MetricsServer> {
  const scraper = parts.metrics ? new Scraper() : null;
  const pages = parts.pages && source.api !== null ? dashboardFiles() : null;
  const answer = async (path: string, query: URLSearchParams, res: ServerResponse) => {
    if (path === '/health') {
      const h = source.health();
      const text = h.state === 'degraded' ? `degraded: ${h.reasons.join('; ')}` : h.state;
      return send(res, h.state === 'draining' ? 503 : 200, `${text}\n`);
    }
    if (path.startsWith('/api/')) {
      if (source.api === null)
        return send(res, 503, `${jsonText(NO_LEDGER)}\n`, 'application/json');
      const a = await apiAnswer(path, query, source.api);
      return send(res, a.status, `${jsonText(a.body)}\n`, 'application/json', a.headers);
    }
    const file = pages?.get(path === '/' ? '/index.html' : path);
    if (file !== undefined) return send(res, 200, file.body, file.type, file.headers);
    if (path !== '/metrics' || scraper === null) {
      const tries = [parts.metrics ? '/metrics' : '', pages ? '/' : '', '/health', '/api/pools'];
      return send(res, 404, `not found: try ${tries.filter(Boolean).join(', ')}\n`);
    }
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
  // exclusive: in a node of several processes (processes.ts) each serves its own port.
  server.listen({ host, port, exclusive: true });
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: async () => {
      scraper?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain',
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly headers: Readonly<Record<string, string>>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * The dashboard's files by URL path, read once (a few tens of KB): topology/dashboard/** under
 * /dashboard/ (index.html also at /), uPlot from its npm package under /vendor/. The pages ask
 * the browser to check back (no-cache: a node upgraded under them serves the new files).
 */
function dashboardFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const add = (path: string, file: string): void => {
    const type = TYPES[extname(file)];
    if (type === undefined) return;
    const headers = {
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    };
    files.set(path, { body: readFileSync(file), type, headers });
  };
  // dist/topology/metrics.js and topology/metrics.ts both sit two levels below the root.
  const root = fileURLToPath(new URL('../../topology/dashboard/', import.meta.url));
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else add(`/dashboard/${relative(root, full).split(sep).join('/')}`, full);
    }
  };
  walk(root);
  const index = files.get('/dashboard/index.html');
  if (index !== undefined) files.set('/index.html', index);
  const require = createRequire(import.meta.url);
  add('/vendor/uplot.js', require.resolve('uplot/dist/uPlot.iife.min.js'));
  add('/vendor/uplot.css', require.resolve('uplot/dist/uPlot.min.css'));
  return files;
}
