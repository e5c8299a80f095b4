// The ledger's state, in memory: accounts and balances, blocks, bills, payouts, the PPLNS
// window pages (PPLNS window or PROP round), counters, and the set of rows a batch changed (what the LMDB
// store writes in the batch's transaction). The apply functions mutate it; nothing else does.
import type { AccountScheme, ResolvedConfig } from './config.js';
import { FEE_ACCOUNT, POOL_ACCOUNT, PPS_ACCOUNT, schemeOf } from './config.js';
import type { BlockBill } from './bill.js';
import type { CoinbasePayment, QuarantinedRecord } from '../shared/log-records.js';
import type { Window } from './window.js';

export interface Account {
  readonly name: string;
  /** Stable index (first-seen order in the log), used by the window pages. */
  readonly index: number;
  /** Spendable; negative = a debt recovered from later credits. */
  mature: bigint;
  /** Credited by blocks not yet matured. */
  immature: bigint;
  /** Debited into a planned payout not yet sent. */
  pending: bigint;
  /** Sent (custodial payouts) or paid in a coinbase. */
  paid: bigint;
  /** PPS/FPPS sub-satoshi remainder remNum / remDen (remDen 0n: none). */
  remNum: bigint;
  remDen: bigint;
}

export type BlockStatus = 'immature' | 'matured' | 'orphaned';

/** What a block did to one account; enough to mature or reverse it exactly. */
export interface BlockLine {
  readonly account: string;
  readonly creditSats: bigint;
  /** Paid to the account by the block's own coinbase. */
  readonly coinbasePaidSats: bigint;
  /** The part of coinbasePaidSats that paid this block's own credit (SOLO finder). */
  readonly selfPaidSats: bigint;
}

export interface Block {
  readonly hash: string;
  readonly height: number;
  readonly seq: number;
  readonly rewardSats: bigint;
  readonly solo: boolean;
  status: BlockStatus;
  statusSeq: number | null;
  /** Sorted by account. */
  readonly lines: readonly BlockLine[];
}

export type PayoutStatus = 'pending' | 'sent' | 'failed';

export interface Payout {
  readonly id: string;
  readonly seq: number;
  /** Merged per account, sorted by account. */
  readonly payments: readonly CoinbasePayment[];
  status: PayoutStatus;
  txid: string | null;
  reason: string | null;
}

export interface LedgerCounters {
  records: number;
  shares: number;
  /** block.found for a hash already recorded (two nodes recording one block): credited once. */
  duplicateBlocks: number;
  /** block.matured/orphaned for a hash the ledger never saw: ignored (a warning). */
  unknownBlockStatus: number;
  /** block status that does not change anything (matured twice, matured after orphaned). */
  repeatedBlockStatus: number;
  duplicatePayouts: number;
  unknownPayoutResults: number;
  repeatedPayoutResults: number;
  /** Records of another coin: skipped. */
  otherCoin: number;
  /** Share records whose id was applied before (appended again after a lost ack): skipped. */
  duplicateRecords: number;
  /** Records refused at the ledger's edge (unsigned, untrusted, bad signature, invalid). */
  quarantined: number;
}

/** A record-id source's recent share records (record-ids.ts). */
export interface SourceIds {
  /** Log sequence of the source's latest record. */
  lastSeq: number;
  /** Its latest record numbers, in apply order (at most RECENT_PER_SOURCE). */
  readonly ns: number[];
}

/** Rows changed since the last write. */
export interface Dirty {
  meta: boolean;
  readonly accounts: Set<string>;
  readonly blocks: Set<string>;
  readonly bills: Set<string>;
  readonly payouts: Set<string>;
  /** Pages by seq: written if still in the window, removed if pruned. */
  readonly pages: Set<number>;
  /** Record-id sources: written if kept, removed if dropped. */
  readonly sources: Set<string>;
  /** Quarantined records by seq: written if kept, removed if dropped. */
  readonly quarantine: Set<number>;
}

export interface LedgerState {
  readonly config: ResolvedConfig;
  lastApplied: number;
  /** Largest netWeight of the latest share record or block: sizes window retention. */
  latestNetWeight: bigint;
  readonly counters: LedgerCounters;
  readonly accounts: Map<string, Account>;
  /** Account names by index. */
  readonly names: string[];
  /** Scheme by account index (from config). */
  readonly schemes: AccountScheme[];
  readonly blocks: Map<string, Block>;
  /** Bills of the batch (the store moves them to LMDB), or all of them when retained. */
  readonly bills: Map<string, BlockBill>;
  readonly retainBills: boolean;
  readonly payouts: Map<string, Payout>;
  /** PPLNS: the retained window; PROP: the current round. */
  readonly window: Window;
  /** Recent share record ids by source (record-ids.ts): a record appended twice applies once. */
  readonly sources: Map<string, SourceIds>;
  /** The latest quarantined records (quarantine.ts), by seq, oldest first. */
  readonly quarantine: Map<number, QuarantinedRecord>;
  readonly dirty: Dirty;
}

export const RESERVED_ACCOUNTS = [FEE_ACCOUNT, POOL_ACCOUNT, PPS_ACCOUNT] as const;

export function emptyCounters(): LedgerCounters {
  return {
    records: 0,
    shares: 0,
    duplicateBlocks: 0,
    unknownBlockStatus: 0,
    repeatedBlockStatus: 0,
    duplicatePayouts: 0,
    unknownPayoutResults: 0,
    repeatedPayoutResults: 0,
    otherCoin: 0,
    duplicateRecords: 0,
    quarantined: 0,
  };
}

export function emptyDirty(): Dirty {
  return {
    meta: false,
    accounts: new Set(),
    blocks: new Set(),
    bills: new Set(),
    payouts: new Set(),
    pages: new Set(),
    sources: new Set(),
    quarantine: new Set(),
  };
}

/** A fresh ledger (nothing applied). `retainBills`: keep every bill in memory (replay/verify). */
export function createState(config: ResolvedConfig, retainBills = true): LedgerState {
  return {
    config,
    lastApplied: 0,
    latestNetWeight: 0n,
    counters: emptyCounters(),
    accounts: new Map(),
    names: [],
    schemes: [],
    blocks: new Map(),
    bills: new Map(),
    retainBills,
    payouts: new Map(),
    window: { pages: [], total: 0n },
    sources: new Map(),
    quarantine: new Map(),
    dirty: emptyDirty(),
  };
}

/** The account named `name`, created (with the next index) on first sight. */
export function account(state: LedgerState, name: string): Account {
  let a = state.accounts.get(name);
  if (a === undefined) {
    a = {
      name,
      index: state.names.length,
      mature: 0n,
      immature: 0n,
      pending: 0n,
      paid: 0n,
      remNum: 0n,
      remDen: 0n,
    };
    addAccount(state, a);
  }
  state.dirty.accounts.add(name);
  return a;
}

/** Registers a loaded or new account under its index. */
export function addAccount(state: LedgerState, a: Account): void {
  state.accounts.set(a.name, a);
  state.names[a.index] = a.name;
  state.schemes[a.index] = a.name.startsWith('@') ? 'pplns' : schemeOf(state.config, a.name);
}

/** The index of account `name`, creating it on first sight (hot path: no dirty mark otherwise). */
export function accountIndex(state: LedgerState, name: string): number {
  const a = state.accounts.get(name);
  if (a !== undefined) return a.index;
  return account(state, name).index;
}
