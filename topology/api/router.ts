// The node's JSON API (GET, on the --metrics port): Miningcore's pool routes (miningcore.ts),
// Colliery's own under /api/colliery/ (colliery.ts) and the first routes (/api/status,
// /api/blocks, /api/accounts: ../metrics-api.ts). Every answer carries
// `access-control-allow-origin: *`; errors are {error, message}: 400 for a bad parameter,
// 404 for an unknown pool, miner or path, 503 where statistics are needed and off.
// docs/api.md lists every route and field.
import { legacyAnswer, LEGACY_ROUTES } from '../metrics-api.js';
import * as colliery from './colliery.js';
import type { RouteContext } from './context.js';
import type { ApiAnswer } from './http.js';
import { BadParam, badRequest, notFound, Query } from './http.js';
import * as mc from './miningcore.js';
import type { PoolApiSource } from './source.js';

export type { ApiAnswer } from './http.js';

const ROUTES =
  '/api/pools, /api/pools/<id>[/blocks|/payments|/miners|/performance], ' +
  '/api/pools/<id>/miners/<address>[/payments|/performance], /api/v2/pools/<id>/blocks|payments, ' +
  '/api/v2/pools/<id>/miners/<address>/payments, /api/colliery/pools/<id>/miners/<account>[/bills], ' +
  `/api/colliery/pools/<id>/blocks/<hash|height>, /leaderboard, /prime; ${LEGACY_ROUTES}`;

/** The answer to GET `path` (which starts with /api/) with its query. */
export async function apiAnswer(
  path: string,
  query: URLSearchParams,
  source: PoolApiSource,
): Promise<ApiAnswer> {
  let parts: string[];
  try {
    parts = path.slice('/api/'.length).split('/').map(decodeURIComponent);
  } catch {
    return badRequest('malformed percent-encoding in the path');
  }
  if (parts.length > 1 && parts.at(-1) === '') parts.pop(); // a trailing slash
  const c: RouteContext = {
    source,
    q: new Query(query),
    now: source.nowMs(),
    stats: source.stats(),
  };
  try {
    const answer = await route(parts, c);
    if (answer) return answer;
  } catch (err) {
    if (err instanceof BadParam) return badRequest(err.message);
    throw err;
  }
  return (
    (await legacyAnswer(path, query, source)) ?? notFound(`no such path: ${path} (try ${ROUTES})`)
  );
}

/** Null: not a pool route (the legacy routes may know it). */
async function route(parts: readonly string[], c: RouteContext): Promise<ApiAnswer | null> {
  const [a, b] = parts.map((p) => p.toLowerCase());
  if (a === 'pools') {
    if (parts.length === 1) return mc.pools(c);
    return inPool(parts[1] as string, c, () => miningcore(parts.slice(2), c));
  }
  if (a === 'v2' && b === 'pools' && parts.length > 2)
    return inPool(parts[2] as string, c, () => miningcoreV2(parts.slice(3), c));
  if (a === 'colliery' && b === 'pools' && parts.length > 2)
    return inPool(parts[2] as string, c, () => collieryRoute(parts.slice(3), c));
  return null;
}

async function inPool(
  id: string,
  c: RouteContext,
  then: () => Promise<ApiAnswer | null>,
): Promise<ApiAnswer | null> {
  if (id !== c.source.pool.id)
    return notFound(`unknown pool ${id} (this node serves pool ${c.source.pool.id})`);
  return (await then()) ?? notFound(`no such path under pool ${id} (try ${ROUTES})`);
}

async function miningcore(rest: readonly string[], c: RouteContext): Promise<ApiAnswer | null> {
  const [what, address, sub] = rest;
  const w = what?.toLowerCase();
  if (rest.length === 0) return mc.pool(c);
  if (rest.length === 1) {
    if (w === 'blocks') return mc.blocks(c);
    if (w === 'payments') return mc.payments(c, null);
    if (w === 'miners') return mc.miners(c);
    if (w === 'performance') return mc.performance(c);
    return null;
  }
  if (w !== 'miners' || address === undefined || rest.length > 3) return null;
  if (rest.length === 2) return mc.miner(c, address);
  const s = sub?.toLowerCase();
  if (s === 'payments') return mc.payments(c, address);
  if (s === 'performance') return mc.minerPerformance(c, address);
  return null;
}

async function miningcoreV2(rest: readonly string[], c: RouteContext): Promise<ApiAnswer | null> {
  const [what, address, sub] = rest;
  const w = what?.toLowerCase();
  if (rest.length === 1 && w === 'blocks') return mc.blocksV2(c);
  if (rest.length === 1 && w === 'payments') return mc.paymentsV2(c, null);
  if (rest.length === 3 && w === 'miners' && sub?.toLowerCase() === 'payments')
    return mc.paymentsV2(c, address as string);
  return null;
}

async function collieryRoute(rest: readonly string[], c: RouteContext): Promise<ApiAnswer | null> {
  const [what, ref, sub] = rest;
  const w = what?.toLowerCase();
  if (rest.length === 1 && w === 'leaderboard') return colliery.leaderboard(c);
  if (rest.length === 1 && w === 'prime') return colliery.prime(c);
  if (rest.length === 2 && w === 'blocks') return colliery.block(c, ref as string);
  if (w !== 'miners' || ref === undefined) return null;
  if (rest.length === 2) return colliery.minerAccount(c, ref);
  if (rest.length === 3 && sub?.toLowerCase() === 'bills') return colliery.minerBills(c, ref);
  return null;
}
