// The API the dashboard reads (docs/api.md): Miningcore's routes under /api/pools and
// Colliery's extras under /api/colliery/pools. Same origin: the node serves both.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON document; an answer other than 2xx throws an ApiError with its status. */
export async function getJson(path, signal) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, `the pool does not answer (${err?.message ?? err})`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!res.ok) throw new ApiError(res.status, body?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/** null for a 404 (a miner the pool never credited, a block it does not know), else the body. */
export async function getOrNull(path, signal) {
  try {
    return await getJson(path, signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

const enc = encodeURIComponent;

/** The routes, for one pool id. */
export function routes(poolId) {
  const mc = `/api/pools/${enc(poolId)}`;
  const co = `/api/colliery/pools/${enc(poolId)}`;
  return {
    pool: mc,
    blocks: (page, pageSize) => `${mc}/blocks?page=${page}&pageSize=${pageSize}`,
    /** The same blocks as a page object: { result, pageCount }. */
    blocksPaged: (page, pageSize) =>
      `/api/v2/pools/${enc(poolId)}/blocks?page=${page}&pageSize=${pageSize}`,
    /** range: 'day' (hourly samples), 'hour' (5-minute samples), 'month' (daily). */
    performance: (range) => `${mc}/performance?r=${range}`,
    minerPayments: (a, page, pageSize) =>
      `${mc}/miners/${enc(a)}/payments?page=${page}&pageSize=${pageSize}`,
    minerPerformance: (a, range) => `${mc}/miners/${enc(a)}/performance?mode=${range}`,
    account: (a) => `${co}/miners/${enc(a)}`,
    bills: (a, page, pageSize) => `${co}/miners/${enc(a)}/bills?page=${page}&pageSize=${pageSize}`,
    block: (ref) => `${co}/blocks/${enc(ref)}`,
    leaderboard: (page, pageSize) =>
      `${co}/leaderboard?period=24h&page=${page}&pageSize=${pageSize}`,
    prime: (page, pageSize) => `${co}/prime?page=${page}&pageSize=${pageSize}`,
  };
}
