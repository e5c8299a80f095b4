// The LMDB layout of a ledger replica and the two moves between it and memory: load every
// row into a LedgerState, and write the rows a batch changed. One environment per replica
// directory; named databases:
//   meta      'layout' | 'config' | 'lastApplied' | 'latestNetWeight' | 'counters'
//   accounts  name  → {index, mature, immature, pending, paid, remNum, remDen}
//   blocks    hash  → Block (status and the per-account lines that mature or reverse it)
//   bills     hash  → BlockBill
//   payouts   id    → Payout
//   sources   `<node>:<boot>` → {lastSeq, ns}: the numbers of its latest share records
//                     (record-ids.ts), so a record appended twice is applied once
//   quarantine seq  → QuarantinedRecord: the latest records refused at the edge (trust.ts)
//   pages     seq   → window page bytes (see window.ts): the PPLNS window (pruned beyond any
//                     window) or the PROP round (cleared by the block that closes it)
// Values are msgpack with msgpackr's bigint extension (amounts and PPS remainders can exceed
// 64 bits), keys lmdb's ordered-binary.
import type { Database, DatabaseOptions, RootDatabase } from 'lmdb';
import type { BlockBill } from './bill.js';
import type { QuarantinedRecord } from '../shared/log-records.js';
import type { ResolvedConfig } from './config.js';
import type { Account, Block, LedgerCounters, LedgerState, Payout, SourceIds } from './state.js';
import { addAccount, createState, emptyCounters } from './state.js';
import { decodePage } from './window.js';
import type { WindowPage } from './window.js';

export const LAYOUT_VERSION = 1;

type AccountRow = Omit<Account, 'name'>;

export interface LedgerDbs {
  readonly root: RootDatabase;
  readonly meta: Database<unknown, string>;
  readonly accounts: Database<AccountRow, string>;
  readonly blocks: Database<Block, string>;
  readonly bills: Database<BlockBill, string>;
  readonly payouts: Database<Payout, string>;
  readonly sources: Database<SourceIds, string>;
  readonly quarantine: Database<QuarantinedRecord, number>;
  readonly pages: Database<Uint8Array, number>;
}

const ENCODER = { useBigIntExtension: true };

export function openDbs(root: RootDatabase): LedgerDbs {
  const db = <V, K extends string | number>(name: string): Database<V, K> => {
    // `encoder` settings reach msgpackr (lmdb's open.js); its typings list it on roots only.
    const options: DatabaseOptions & { name: string; encoder: typeof ENCODER } = {
      name,
      encoder: ENCODER,
    };
    return root.openDB<V, K>(options);
  };
  return {
    root,
    meta: db('meta'),
    accounts: db('accounts'),
    blocks: db('blocks'),
    bills: db('bills'),
    payouts: db('payouts'),
    sources: db('sources'),
    quarantine: db('quarantine'),
    pages: root.openDB<Uint8Array, number>({ name: 'pages', encoding: 'binary' }),
  };
}

/** Reads every row (but bills) into a fresh state. */
export function loadState(dbs: LedgerDbs, config: ResolvedConfig): LedgerState {
  const state = createState(config, false);
  state.lastApplied = (dbs.meta.get('lastApplied') as number | undefined) ?? 0;
  state.latestNetWeight = (dbs.meta.get('latestNetWeight') as bigint | undefined) ?? 0n;
  Object.assign(state.counters, emptyCounters(), dbs.meta.get('counters') ?? {});
  for (const { key, value } of dbs.accounts.getRange()) addAccount(state, { name: key, ...value });
  for (const { key, value } of dbs.blocks.getRange()) state.blocks.set(key, value);
  for (const { key, value } of dbs.payouts.getRange()) state.payouts.set(key, value);
  for (const { key, value } of dbs.sources.getRange()) state.sources.set(key, value);
  for (const { key, value } of dbs.quarantine.getRange()) state.quarantine.set(key, value);
  const pages: WindowPage[] = [];
  let total = 0n;
  for (const { key, value } of dbs.pages.getRange()) {
    const page = decodePage(key, value);
    pages.push(page);
    total += page.total;
  }
  state.window.pages = pages;
  state.window.total = total;
  return state;
}

/** Called before every row write (fault injection in tests: throw to fail the batch). */
export type WriteHook = (db: string, key: string | number) => void;

/** Writes the rows the state marks dirty; call inside a write transaction. */
export function writeDirty(dbs: LedgerDbs, state: LedgerState, hook: WriteHook | null): void {
  const d = state.dirty;
  const put = <V, K extends string | number>(
    name: string,
    db: Database<V, K>,
    k: K,
    v: V,
  ): void => {
    hook?.(name, k);
    db.putSync(k, v);
  };
  const del = <V, K extends string | number>(name: string, db: Database<V, K>, k: K): void => {
    hook?.(name, k);
    db.removeSync(k);
  };
  for (const name of d.accounts) {
    const a = state.accounts.get(name) as Account;
    const { name: _name, ...row } = a;
    put('accounts', dbs.accounts, name, row);
  }
  for (const hash of d.blocks) put('blocks', dbs.blocks, hash, state.blocks.get(hash) as Block);
  for (const hash of d.bills) put('bills', dbs.bills, hash, state.bills.get(hash) as BlockBill);
  for (const id of d.payouts) put('payouts', dbs.payouts, id, state.payouts.get(id) as Payout);
  for (const seq of d.quarantine) {
    const q = state.quarantine.get(seq);
    if (q) put('quarantine', dbs.quarantine, seq, q);
    else del('quarantine', dbs.quarantine, seq);
  }
  for (const source of d.sources) {
    const ids = state.sources.get(source);
    if (ids) put('sources', dbs.sources, source, ids);
    else del('sources', dbs.sources, source);
  }
  if (d.pages.size > 0) {
    const live = new Map(state.window.pages.map((p) => [p.seq, p]));
    for (const seq of d.pages) {
      const page = live.get(seq);
      if (page) put('pages', dbs.pages, seq, page.bytes);
      else del('pages', dbs.pages, seq);
    }
  }
  if (d.meta) {
    put('meta', dbs.meta, 'counters', { ...state.counters } satisfies LedgerCounters);
    put('meta', dbs.meta, 'latestNetWeight', state.latestNetWeight);
    put('meta', dbs.meta, 'lastApplied', state.lastApplied);
  }
}

/** Forgets what was written (and, unless bills are retained, the bills themselves). */
export function clearDirty(state: LedgerState): void {
  const d = state.dirty;
  if (!state.retainBills) for (const h of d.bills) state.bills.delete(h);
  d.meta = false;
  d.accounts.clear();
  d.blocks.clear();
  d.bills.clear();
  d.payouts.clear();
  d.pages.clear();
  d.sources.clear();
  d.quarantine.clear();
}
