// The node's first read-only JSON API, kept as it was: /api/status (this node's NodeStatus),
// /api/blocks (the ledger's blocks, newest first, ?limit= up to 1,000), /api/blocks/<hash|height>
// (a block's bill: who was credited what, from which shares), /api/accounts/<account> (its
// balance): what `colliery ledger` prints with --json, amounts as decimal strings of base
// units. Any node answers for the whole cluster (every replica applies the same log), as of
// the log sequence each answer names. The pool API (Miningcore's routes and Colliery's own)
// is topology/api/router.ts, which answers these paths through legacyAnswer.
import type { LedgerStore } from '../actors/ledger/index.js';
import type { ApiAnswer } from './api/http.js';
import { badRequest, notFound, ok } from './api/http.js';
import type { NodeStatus } from './status.js';

export type { ApiAnswer } from './api/http.js';

/** What the legacy routes read. */
export interface LegacySource {
  status(): Promise<NodeStatus>;
  ledger(): LedgerStore;
}

/** The answer to GET `path` (which starts with /api/) on the legacy routes; null: not one. */
export async function legacyAnswer(
  path: string,
  query: URLSearchParams,
  source: LegacySource,
): Promise<ApiAnswer | null> {
  let parts: string[];
  try {
    parts = path.slice('/api/'.length).split('/').map(decodeURIComponent);
  } catch {
    return badRequest('malformed percent-encoding');
  }
  const [what, ref, more] = parts;
  if (more !== undefined) return null;
  if (what === 'status' && ref === undefined) {
    return ok(await source.status());
  }
  const store = source.ledger();
  const asOfSeq = store.lastApplied();
  if (what === 'blocks' && ref === undefined) {
    const limit = Math.min(1_000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    const blocks = store
      .blocks()
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit);
    return ok({ asOfSeq, blocks });
  }
  if (what === 'blocks' && ref !== undefined) {
    const bill = store.bill(/^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase());
    return bill ? ok({ asOfSeq, bill }) : notFound(`no block ${ref} in the ledger`);
  }
  if (what === 'accounts' && ref !== undefined && ref !== '') {
    const balance = store.balance(ref);
    return balance
      ? ok({ asOfSeq, balance })
      : notFound(`no account ${ref} in the ledger (credited only once a block pays it)`);
  }
  return null;
}

export const LEGACY_ROUTES =
  '/api/status, /api/blocks, /api/blocks/<hash|height>, /api/accounts/<account>';

/**
 * The legacy routes alone, for a server that has no PoolApiSource yet (topology/metrics.ts
 * until it calls topology/api/router.ts): a 404 naming them for any other path.
 */
export async function apiAnswer(
  path: string,
  query: URLSearchParams,
  source: LegacySource,
): Promise<ApiAnswer> {
  return (
    (await legacyAnswer(path, query, source)) ??
    notFound(`no such path: ${path} (try ${LEGACY_ROUTES})`)
  );
}
