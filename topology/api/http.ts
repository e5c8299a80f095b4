// The API's answers and the request's parameters: status, JSON body and headers (CORS on every
// answer: Miningcore frontends are served from other origins), error bodies {error, message},
// query parameters read case-insensitively (as ASP.NET binds them: frontends send `pagesize`),
// paging and the formatting every route shares (ISO-8601 times, amounts in coin units).

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const CORS: Readonly<Record<string, string>> = { 'access-control-allow-origin': '*' };

export function ok(body: unknown): ApiAnswer {
  return { status: 200, body, headers: CORS };
}

export function notFound(message: string): ApiAnswer {
  return { status: 404, body: { error: 'NOT_FOUND', message }, headers: CORS };
}

export function badRequest(message: string): ApiAnswer {
  return { status: 400, body: { error: 'BAD_REQUEST', message }, headers: CORS };
}

export function unavailable(message: string): ApiAnswer {
  return { status: 503, body: { error: 'UNAVAILABLE', message }, headers: CORS };
}

/** A bad parameter: thrown by the readers below, answered 400 by the router. */
export class BadParam extends Error {}

/** Query parameters by lower-cased name (ASP.NET model binding ignores the name's case). */
export class Query {
  readonly #all = new Map<string, string[]>();

  constructor(params: URLSearchParams) {
    for (const [k, v] of params) {
      const key = k.toLowerCase();
      const list = this.#all.get(key);
      if (list) list.push(v);
      else this.#all.set(key, [v]);
    }
  }

  get(name: string): string | undefined {
    return this.#all.get(name.toLowerCase())?.[0];
  }

  getAll(name: string): readonly string[] {
    return this.#all.get(name.toLowerCase()) ?? [];
  }

  /** A whole number in [min, max], `fallback` when absent or empty. */
  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.get(name);
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d+$/.test(raw.trim()))
      throw new BadParam(`${name} must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max)
      throw new BadParam(`${name} must be between ${min} and ${max}, got ${raw}`);
    return n;
  }

  /** One of `names` (case-insensitive; Miningcore's enums also bind from their numbers). */
  choice<T extends string>(
    name: string,
    names: readonly T[],
    fallback: T,
    numbers: Readonly<Record<string, T>> = {},
  ): T {
    const raw = this.get(name);
    if (raw === undefined || raw === '') return fallback;
    const lower = raw.trim().toLowerCase();
    const hit = names.find((n) => n.toLowerCase() === lower) ?? numbers[lower];
    if (hit === undefined)
      throw new BadParam(`${name} must be one of ${names.join(', ')}, got "${raw}"`);
    return hit;
  }
}

/** The largest page the API serves; a larger pageSize is served as this many rows. */
export const MAX_PAGE_SIZE = 1_000;

export interface Paging {
  /** Zero-based. */
  readonly page: number;
  readonly pageSize: number;
}

/** Miningcore's paging: zero-based `page` (default 0) and `pageSize` (default 15). */
export function paging(q: Query, defaultSize = 15): Paging {
  const page = q.int('page', 0, 0, 1_000_000_000);
  const asked = q.int('pageSize', defaultSize, 1, Number.MAX_SAFE_INTEGER);
  return { page, pageSize: Math.min(asked, MAX_PAGE_SIZE) };
}

/** The rows of `p` among `items`. */
export function pageOf<T>(items: readonly T[], p: Paging): T[] {
  return items.slice(p.page * p.pageSize, (p.page + 1) * p.pageSize);
}

/** Pages needed for `total` rows (ceil; 0 when there are none). */
export function pageCount(total: number, pageSize: number): number {
  return Math.ceil(total / pageSize);
}

/** ISO-8601 UTC time ('2026-12-06T10:00:00.000Z'). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Base units as a decimal string of coin units ('123456789' with 8 decimals → '1.23456789'). */
export function coinText(sats: bigint, decimals: number): string {
  const neg = sats < 0n;
  const digits = (neg ? -sats : sats).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac === '' ? '' : `.${frac}`}`;
}

/**
 * Base units as a JSON number of coin units (Miningcore's decimal amounts): the double
 * nearest the exact decimal, so it prints as that decimal up to 15 significant digits (base
 * units are given alongside as decimal strings for exact amounts).
 */
export function coins(sats: bigint, decimals: number): number {
  return Number(coinText(sats, decimals));
}

/**
 * Drops the properties whose value is null or undefined: Miningcore's API omits null values
 * (System.Text.Json WhenWritingNull, its default), and frontends test for presence.
 */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as Partial<T>;
}
