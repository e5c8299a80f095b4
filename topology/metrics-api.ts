// The read-only JSON API beside /metrics: /api/status (this node's NodeStatus), /api/blocks
// (the ledger's blocks, newest first, ?limit= up to 1,000), /api/blocks/<hash|height> (a
// block's bill: who was credited what, from which shares), /api/accounts/<account> (its
// balance): what `colliery ledger` prints with --json, amounts as decimal strings of base
// units. Any node answers for the whole cluster (every replica applies the same log), as of
// the log sequence each answer names.
import type { LedgerStore } from '../actors/ledger/index.js';
import type { NodeStatus } from './status.js';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const notFound = (message: string): ApiAnswer => ({
  status: 404,
  body: { error: 'NOT_FOUND', message },
});

/** The answer to GET `path` (which starts with /api/). */
export async function apiAnswer(
  path: string,
  query: URLSearchParams,
  source: { status(): Promise<NodeStatus>; ledger(): LedgerStore },
): Promise<ApiAnswer> {
  let parts: string[];
  try {
    parts = path.slice('/api/'.length).split('/').map(decodeURIComponent);
  } catch {
    return { status: 400, body: { error: 'BAD_REQUEST', message: 'malformed percent-encoding' } };
  }
  const [what, ref, more] = parts;
  if (more !== undefined) return notFound(`no such path: ${path}`);
  if (what === 'status' && ref === undefined) return { status: 200, body: await source.status() };
  const store = source.ledger();
  const asOfSeq = store.lastApplied();
  if (what === 'blocks' && ref === undefined) {
    const limit = Math.min(1_000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    const blocks = store
      .blocks()
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit);
    return { status: 200, body: { asOfSeq, blocks } };
  }
  if (what === 'blocks' && ref !== undefined) {
    const bill = store.bill(/^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase());
    return bill
      ? { status: 200, body: { asOfSeq, bill } }
      : notFound(`no block ${ref} in the ledger`);
  }
  if (what === 'accounts' && ref !== undefined && ref !== '') {
    const balance = store.balance(ref);
    return balance
      ? { status: 200, body: { asOfSeq, balance } }
      : notFound(`no account ${ref} in the ledger (credited only once a block pays it)`);
  }
  return notFound(
    `no such path: ${path} (try /api/status, /api/blocks, /api/blocks/<hash|height>, /api/accounts/<account>)`,
  );
}
