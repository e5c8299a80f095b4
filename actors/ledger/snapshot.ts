// The ledger's state as canonical plain data: what two replicas compare (digest) and what
// verify diffs against a replay. Every section is sorted by its key; Number accumulators are
// folded into exact bigints, so equal ledgers give byte-equal canonical text.
import { createHash } from 'node:crypto';
import type { BlockBill } from './bill.js';
import type { QuarantinedRecord } from '../shared/log-records.js';
import type { Account, Block, LedgerCounters, LedgerState, Payout, SourceIds } from './state.js';

export interface LedgerSnapshot {
  readonly lastApplied: number;
  readonly latestNetWeight: bigint;
  readonly counters: LedgerCounters;
  readonly accounts: readonly Account[];
  readonly blocks: readonly Block[];
  readonly bills: readonly BlockBill[];
  readonly payouts: readonly Payout[];
  readonly pages: readonly { readonly seq: number; readonly bytes: Uint8Array }[];
  /** The latest records refused at the edge, by seq (quarantine.ts). */
  readonly quarantine: readonly (QuarantinedRecord & { readonly seq: number })[];
  /** Recent share record ids by source (record-ids.ts). */
  readonly sources: readonly (SourceIds & { readonly source: string })[];
}

export interface LedgerDifference {
  /** e.g. `accounts/alice`, `blocks/<hash>`, `meta/lastApplied`. */
  readonly path: string;
  /** Canonical text from the replay (missing: "∅"). */
  readonly expected: string;
  /** Canonical text from LMDB (missing: "∅"). */
  readonly actual: string;
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical snapshot of a state; `bills` are the bills to include (all of them). */
export function snapshotOf(state: LedgerState, bills: Iterable<BlockBill>): LedgerSnapshot {
  return {
    lastApplied: state.lastApplied,
    latestNetWeight: state.latestNetWeight,
    counters: { ...state.counters },
    accounts: [...state.accounts.values()].sort((a, b) => cmp(a.name, b.name)),
    blocks: [...state.blocks.values()].sort((a, b) => cmp(a.hash, b.hash)),
    bills: [...bills].sort((a, b) => cmp(a.hash, b.hash)),
    payouts: [...state.payouts.values()].sort((a, b) => cmp(a.id, b.id)),
    pages: state.window.pages.map((p) => ({ seq: p.seq, bytes: p.bytes })),
    quarantine: [...state.quarantine]
      .map(([seq, q]) => ({ seq, ...q }))
      .sort((a, b) => a.seq - b.seq),
    sources: [...state.sources]
      .map(([source, ids]) => ({ source, lastSeq: ids.lastSeq, ns: ids.ns }))
      .sort((a, b) => cmp(a.source, b.source)),
  };
}

/** JSON with sorted keys; bigint as "<digits>n", bytes as hex. Deterministic. */
export function canonical(value: unknown): string {
  if (typeof value === 'bigint') return `"${value}n"`;
  if (value instanceof Uint8Array) return `"${Buffer.from(value).toString('hex')}"`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** sha256 (hex) of the canonical snapshot. */
export function digestOf(s: LedgerSnapshot): string {
  const h = createHash('sha256');
  h.update(canonical({ ...s, pages: [], bills: [] }));
  for (const b of s.bills) h.update(canonical(b));
  for (const p of s.pages) h.update(`${p.seq}:`).update(p.bytes);
  return h.digest('hex');
}

function keyed<T>(items: readonly T[], key: (t: T) => string): Map<string, string> {
  return new Map(items.map((t) => [key(t), canonical(t)]));
}

const clip = (s: string | undefined): string =>
  s === undefined ? '∅' : s.length > 400 ? `${s.slice(0, 400)}…` : s;

/** Every difference between a replay (`expected`) and what the store holds (`actual`). */
export function diffSnapshots(
  expected: LedgerSnapshot,
  actual: LedgerSnapshot,
): LedgerDifference[] {
  const out: LedgerDifference[] = [];
  const section = (name: string, e: Map<string, string>, a: Map<string, string>): void => {
    for (const k of new Set([...e.keys(), ...a.keys()])) {
      if (e.get(k) !== a.get(k)) {
        out.push({ path: `${name}/${k}`, expected: clip(e.get(k)), actual: clip(a.get(k)) });
      }
    }
  };
  const meta = (s: LedgerSnapshot): Map<string, string> =>
    new Map([
      ['lastApplied', canonical(s.lastApplied)],
      ['latestNetWeight', canonical(s.latestNetWeight)],
      ...Object.entries(s.counters).map(([k, v]): [string, string] => [k, canonical(v)]),
    ]);
  section('meta', meta(expected), meta(actual));
  section(
    'accounts',
    keyed(expected.accounts, (a) => a.name),
    keyed(actual.accounts, (a) => a.name),
  );
  section(
    'blocks',
    keyed(expected.blocks, (b) => b.hash),
    keyed(actual.blocks, (b) => b.hash),
  );
  section(
    'bills',
    keyed(expected.bills, (b) => b.hash),
    keyed(actual.bills, (b) => b.hash),
  );
  section(
    'payouts',
    keyed(expected.payouts, (p) => p.id),
    keyed(actual.payouts, (p) => p.id),
  );
  section(
    'quarantine',
    keyed(expected.quarantine, (q) => String(q.seq)),
    keyed(actual.quarantine, (q) => String(q.seq)),
  );
  section(
    'sources',
    keyed(expected.sources, (s) => s.source),
    keyed(actual.sources, (s) => s.source),
  );
  section(
    'pages',
    keyed(expected.pages, (p) => String(p.seq)),
    keyed(actual.pages, (p) => String(p.seq)),
  );
  return out;
}
