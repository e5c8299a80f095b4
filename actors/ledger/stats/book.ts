// The pool's statistics (view.ts says what they answer), kept by every ledger replica beside
// its ledger: a deterministic function of the log, like the ledger itself.
//
// In memory, per series (the pool, each account, each of its workers): the last three 5-minute
// buckets (current figures), and for the pool and accounts the last 25 hours (24 h figures and
// the leaderboard). In LMDB (the ledger's environment, database `stats`), keys ordered-binary:
//   ['f', account, wkey, bucketMs]  → Row   5-minute buckets, 30 days (RETENTION_MS of log time)
//   ['h', account, wkey, hourMs]    → Row   hour buckets, same retention
//   ['s', account, wkey]            → SeriesRow   what memory holds of the series (restart)
//   ['b', blockHash]                → BlockEffort
//   ['p', payoutId]                 → {plannedMs, sentMs}
//   ['m', name]                     → seq | round | net | clock | pruned
// account '@' is the pool (no account starts with '@'); wkey '' is the account's total, 'w:' +
// name a worker. Row = [weight, accepted, stale, invalid, firstMs, lastMs].
//
// Writes are few: a batch adds to deltas in memory, and the deltas go to LMDB at most every
// FLUSH_MS (or when many wait), in the ledger's own write transaction, with `seq`, the last
// log entry they include. A crash loses the deltas since; the replica then reads the log again
// from the stats' seq (LedgerStore.resumeSeq), and the entries the ledger has already applied
// feed the statistics only. So each entry counts once here too.
import type { Database } from 'lmdb';
import type { LogEntry, ShareBatchRecord } from '../../shared/log-records.js';
import { WEIGHT_ONE } from '../../shared/share-weight.js';
import {
  BUCKET_MS,
  DAY_MS,
  HASHRATE_WINDOW_MS,
  LUCK_BLOCKS,
  RETENTION_MS,
  type AccountFigures,
  type BlockEffort,
  type LiveFigures,
  type MinerRank,
  type PoolFigures,
  type StatsSample,
  type StatsView,
  type WorkerFigures,
} from './view.js';

const HOUR_MS = 3_600_000;
const FIVES = 3;
const HOURS = 25;
/** Deltas wait at most this long (wall clock) before they are written. */
export const FLUSH_MS = 10_000;
/** …or until this many wait. */
const FLUSH_ROWS = 50_000;
/** Rankings and online counts are recomputed at most this often. */
const CACHE_MS = 5_000;
const POOL = '@';

type Key = (string | number)[];
type Row = [number, number, number, number, number, number];

interface SeriesRow {
  first: number;
  last: number;
  since: number;
  earliest: number;
  fiveAt: number[];
  fiveW: number[];
  fiveA: number[];
  hourAt?: number[];
  hourW?: number[];
}

/** Adds to one LMDB row at the next write. */
class Delta {
  readonly key: Key;
  readonly at: number;
  readonly v: Row = [0, 0, 0, 0, Infinity, 0];
  written = false;
  constructor(key: Key, at: number) {
    this.key = key;
    this.at = at;
  }
}

class Series {
  readonly account: string;
  readonly wkey: string;
  /** A worker's name ('' for the pool and accounts). */
  readonly name: string;
  first = 0;
  last = 0;
  /** Start of the current run of shares (the first after a gap longer than the window). */
  since = 0;
  /** The oldest bucket this series may have in LMDB (pruning). */
  earliest = Infinity;
  readonly fiveAt = new Float64Array(FIVES).fill(-1);
  readonly fiveW = new Float64Array(FIVES);
  readonly fiveA = new Float64Array(FIVES);
  /** Pool and accounts only. */
  readonly hourAt: Float64Array | null;
  readonly hourW: Float64Array | null;
  dFive: Delta | null = null;
  dirty = false;
  /** Accounts: their workers by name. */
  readonly workers: Map<string, Series> | null;

  constructor(account: string, wkey: string, hours: boolean) {
    this.account = account;
    this.wkey = wkey;
    this.name = wkey.slice(2);
    this.hourAt = hours ? new Float64Array(HOURS).fill(-1) : null;
    this.hourW = hours ? new Float64Array(HOURS) : null;
    this.workers = hours && account !== POOL ? new Map() : null;
  }
}

export interface StatsOptions {
  /** Work per unit of share weight: hash coins 2^32 / WEIGHT_ONE (hashes), prime 1 / WEIGHT_ONE. */
  readonly workPerWeight: number;
  /** How long deltas wait before they are written (FLUSH_MS; tests set 0 or Infinity). */
  readonly flushMs?: number;
}

/** Hash coins: hashes per weight unit (a diff-1 share is 2^32 hashes). */
export const HASH_WORK_PER_WEIGHT = 2 ** 32 / WEIGHT_ONE;
/** Prime coins: chain work per weight unit (a weight of WEIGHT_ONE is one unit of chain work). */
export const PRIME_WORK_PER_WEIGHT = 1 / WEIGHT_ONE;

export class StatsBook implements StatsView {
  readonly #db: Database<unknown, Key>;
  readonly #k: number;
  readonly #flushMs: number;
  #seq = 0;
  #clock = 0;
  #round = 0;
  #net: PoolFigures['network'] = null;
  #pruned = 0;
  #pool = new Series(POOL, '', true);
  #accounts = new Map<string, Series>();
  /** 5-minute deltas not written yet (hour rows are summed from them at the write). */
  #deltas = new Map<string, Delta>();
  /** The oldest bucket among the deltas (reads overlay deltas from there on). */
  #pendingFrom = Infinity;
  /** Rows written as they are (block efforts, payout times, meta). */
  #puts = new Map<string, { key: Key; value: unknown }>();
  #lastWrite = Date.now();
  #cache = new Map<string, { atMs: number; value: unknown }>();
  /** The latest blocks' efforts, oldest first (at most LUCK_BLOCKS). */
  #efforts: BlockEffort[] = [];

  constructor(db: Database<unknown, Key>, opts: StatsOptions) {
    this.#db = db;
    this.#k = opts.workPerWeight;
    this.#flushMs = opts.flushMs ?? FLUSH_MS;
    this.#load();
  }

  /** The last log entry the statistics include (in memory). */
  seq(): number {
    return this.#seq;
  }

  asOfSeq(): number {
    return this.#seq;
  }

  // --- applying the log --------------------------------------------------------------------

  /** Folds one entry in (entries at or below seq() are skipped). */
  note(e: LogEntry): void {
    if (e.seq <= this.#seq) return;
    this.#seq = e.seq;
    const r = e.record;
    switch (r.type) {
      case 'shares':
        return this.#shares(r);
      case 'block.found':
        return this.#found(r.hash, r.netWeight, r.atMs);
      case 'payout.planned':
        return this.#put(['p', r.id], { plannedMs: r.atMs, sentMs: null });
      case 'payout.sent': {
        const t = this.payoutTimes(r.payout);
        if (t) this.#put(['p', r.payout], { ...t, sentMs: r.atMs });
        return;
      }
    }
  }

  #shares(r: ShareBatchRecord): void {
    const lastAt = r.shares[r.shares.length - 1]?.atMs ?? 0;
    for (const j of r.jobs) {
      if (this.#net === null || j.height >= this.#net.height) {
        const difficulty = Number(j.netWeight) / WEIGHT_ONE;
        this.#net = { height: j.height, difficulty, atMs: Math.max(lastAt, this.#net?.atMs ?? 0) };
      }
    }
    const pool = this.#pool;
    let account: Series | undefined;
    let worker: Series | undefined;
    let slot = NO_SLOT;
    for (const s of r.shares) {
      if (account === undefined || account.account !== s.account) {
        account = this.#account(s.account);
        worker = undefined;
      }
      if (worker === undefined || worker.name !== s.worker)
        worker = this.#worker(account, s.worker);
      const at = s.atMs;
      const w = s.weight;
      if (at < slot.five || at >= slot.end) slot = slotOf(at);
      this.#add(pool, slot, at, w, 1, 0, 0);
      this.#add(account, slot, at, w, 1, 0, 0);
      this.#add(worker, slot, at, w, 1, 0, 0);
      this.#round += w;
      if (at > this.#clock) this.#clock = at;
    }
    for (const x of r.rejects ?? []) {
      const account = this.#account(x.account);
      const worker = this.#worker(account, x.worker);
      const b = slotOf(x.atMs);
      for (const s of [this.#pool, account, worker])
        this.#add(s, b, x.atMs, 0, 0, x.stale, x.invalid);
      if (x.atMs > this.#clock) this.#clock = x.atMs;
    }
  }

  #account(name: string): Series {
    let a = this.#accounts.get(name);
    if (a === undefined) this.#accounts.set(name, (a = new Series(name, '', true)));
    return a;
  }

  #worker(account: Series, name: string): Series {
    const workers = account.workers as Map<string, Series>;
    let w = workers.get(name);
    if (w === undefined) workers.set(name, (w = new Series(account.account, `w:${name}`, false)));
    return w;
  }

  /** Adds to a series: memory (current and 24 h figures) and the deltas for LMDB. */
  #add(s: Series, b: Slot, at: number, w: number, a: number, stale: number, invalid: number): void {
    s.dirty = true;
    const five = b.five;
    if (five < s.earliest) s.earliest = five;
    if (a > 0) {
      if (s.first === 0 || at < s.first) s.first = at;
      if (at - s.last > HASHRATE_WINDOW_MS) s.since = at;
      if (at > s.last) s.last = at;
      const i = b.fi;
      const had = s.fiveAt[i] as number;
      if (had !== five) {
        // The slot holds a newer bucket: this share is late, LMDB alone takes it.
        if (had > five) return this.#delta(s, five, w, a, stale, invalid, at);
        s.fiveAt[i] = five;
        s.fiveW[i] = 0;
        s.fiveA[i] = 0;
      }
      s.fiveW[i]! += w;
      s.fiveA[i]! += a;
      const hourAt = s.hourAt;
      const hourW = s.hourW;
      if (hourAt !== null && hourW !== null) {
        const h = b.hi;
        const was = hourAt[h] as number;
        if (was === b.hour) hourW[h]! += w;
        else if (was < b.hour) {
          hourAt[h] = b.hour;
          hourW[h] = w;
        }
      }
    }
    this.#delta(s, five, w, a, stale, invalid, at);
  }

  /** A share's 5-minute delta (hour rows are summed from them when written). */
  #delta(
    s: Series,
    five: number,
    w: number,
    a: number,
    stale: number,
    invalid: number,
    at: number,
  ): void {
    let f = s.dFive;
    if (f === null || f.written || f.at !== five) {
      f = this.#deltaOf('f', s, five);
      if (s.dFive === null || s.dFive.written || five >= s.dFive.at) s.dFive = f;
    }
    addRow(f.v, w, a, stale, invalid, at);
  }

  #deltaOf(kind: 'f' | 'h', s: { account: string; wkey: string }, at: number): Delta {
    const id = `${kind}\t${s.account}\t${s.wkey}\t${at}`;
    let d = this.#deltas.get(id);
    if (d === undefined) {
      this.#deltas.set(id, (d = new Delta([kind, s.account, s.wkey, at], at)));
      if (at < this.#pendingFrom) this.#pendingFrom = at;
    }
    return d;
  }

  #found(hash: string, netWeight: bigint, atMs: number): void {
    if (this.blockEffort(hash) !== undefined) return; // recorded twice: one round
    const net = Number(netWeight);
    const effort = net > 0 ? this.#round / net : 0;
    const networkDifficulty = net / WEIGHT_ONE;
    const row: BlockEffort = { hash, effort, atMs, networkDifficulty };
    this.#put(['b', hash], row);
    this.#efforts.push(row);
    if (this.#efforts.length > LUCK_BLOCKS) this.#efforts.shift();
    this.#round = 0;
    if (atMs > this.#clock) this.#clock = atMs;
  }

  #put(key: Key, value: unknown): void {
    this.#puts.set(key.join('\t'), { key, value });
  }

  // --- writing -----------------------------------------------------------------------------

  /** Deltas are due to be written (FLUSH_MS since the last write, or many waiting). */
  due(nowMs = Date.now()): boolean {
    const waiting = this.#deltas.size + this.#puts.size;
    if (waiting === 0 && this.#seq === this.#writtenSeq) return false;
    return waiting >= FLUSH_ROWS || nowMs - this.#lastWrite >= this.#flushMs;
  }

  #writtenSeq = 0;

  /** Writes what waits; call inside the ledger's write transaction. */
  write(nowMs = Date.now()): void {
    const db = this.#db;
    for (const d of [...this.#deltas.values()]) {
      const [, account, wkey] = d.key as [string, string, string];
      const h = this.#deltaOf('h', { account, wkey }, floorTo(d.at, HOUR_MS));
      mergeRow(h.v, d.v);
    }
    for (const d of this.#deltas.values()) {
      const old = db.get(d.key) as Row | undefined;
      if (old !== undefined) mergeRow(d.v, old);
      void db.put(d.key, d.v);
      d.written = true;
    }
    this.#deltas.clear();
    this.#pendingFrom = Infinity;
    for (const { key, value } of this.#puts.values()) void db.put(key, value);
    this.#puts.clear();
    const series = (s: Series): void => {
      if (!s.dirty) return;
      s.dirty = false;
      void db.put(['s', s.account, s.wkey], seriesRow(s));
    };
    series(this.#pool);
    for (const a of this.#accounts.values()) {
      series(a);
      for (const w of (a.workers as Map<string, Series>).values()) series(w);
    }
    if (this.#clock - this.#pruned >= HOUR_MS) this.#prune();
    void db.put(['m', 'round'], this.#round);
    void db.put(['m', 'net'], this.#net);
    void db.put(['m', 'clock'], this.#clock);
    void db.put(['m', 'seq'], this.#seq);
    this.#writtenSeq = this.#seq;
    this.#lastWrite = nowMs;
  }

  /** Rows older than RETENTION_MS of log time go; so do series silent that long. */
  #prune(): void {
    const cutoff = this.#clock - RETENTION_MS;
    this.#pruned = this.#clock;
    void this.#db.put(['m', 'pruned'], this.#pruned);
    const prune = (s: Series): boolean => {
      if (s.earliest < cutoff) {
        for (const kind of ['f', 'h']) {
          const range = {
            start: [kind, s.account, s.wkey, 0],
            end: [kind, s.account, s.wkey, cutoff],
          };
          for (const key of this.#db.getKeys(range)) void this.#db.remove(key);
        }
        s.earliest = cutoff - (cutoff % BUCKET_MS);
        s.dirty = true;
      }
      if (s.last >= cutoff || s.account === POOL) return false;
      void this.#db.remove(['s', s.account, s.wkey]);
      return true;
    };
    prune(this.#pool);
    for (const [name, a] of this.#accounts) {
      const workers = a.workers as Map<string, Series>;
      for (const [wn, w] of workers) if (prune(w)) workers.delete(wn);
      if (prune(a) && workers.size === 0) this.#accounts.delete(name);
    }
  }

  /** Back to what LMDB holds (a batch failed to apply or to commit). */
  reload(): void {
    this.#deltas.clear();
    this.#pendingFrom = Infinity;
    this.#puts.clear();
    this.#cache.clear();
    this.#pool = new Series(POOL, '', true);
    this.#accounts = new Map();
    this.#load();
  }

  #load(): void {
    const db = this.#db;
    this.#seq = num(db.get(['m', 'seq']));
    this.#writtenSeq = this.#seq;
    this.#round = num(db.get(['m', 'round']));
    this.#clock = num(db.get(['m', 'clock']));
    this.#pruned = num(db.get(['m', 'pruned']));
    this.#net = (db.get(['m', 'net']) as PoolFigures['network'] | undefined) ?? null;
    const efforts: BlockEffort[] = [];
    for (const { value } of db.getRange({ start: ['b'], end: ['b\u0000'] }))
      efforts.push(value as BlockEffort);
    // In log order: found records carry increasing times per leader; equal times keep hash order.
    this.#efforts = efforts.sort((a, b) => a.atMs - b.atMs).slice(-LUCK_BLOCKS);
    for (const { key, value } of db.getRange({ start: ['s'], end: ['s\u0000'] })) {
      const [, account, wkey] = key as [string, string, string];
      const row = value as SeriesRow;
      let s: Series;
      if (account === POOL) s = this.#pool;
      else if (wkey === '') s = this.#account(account);
      else s = this.#worker(this.#account(account), wkey.slice(2));
      fillSeries(s, row);
    }
  }

  // --- reading -----------------------------------------------------------------------------

  #figures(s: Series, nowMs: number): Omit<LiveFigures, 'accepted24h' | 'stale24h' | 'invalid24h'> {
    const ws = floorTo(nowMs - HASHRATE_WINDOW_MS, BUCKET_MS);
    let w = 0;
    let a = 0;
    for (let i = 0; i < FIVES; i++) {
      const at = s.fiveAt[i] as number;
      if (at >= ws && at <= nowMs) {
        w += s.fiveW[i] as number;
        a += s.fiveA[i] as number;
      }
    }
    const secs = Math.max(1, (nowMs - Math.max(ws, s.since)) / 1000);
    let hashrate24h = 0;
    if (s.hourAt !== null && s.hourW !== null) {
      const hs = floorTo(nowMs - DAY_MS, HOUR_MS);
      let w24 = 0;
      for (let i = 0; i < HOURS; i++) {
        const at = s.hourAt[i] as number;
        if (at >= hs && at <= nowMs) w24 += s.hourW[i] as number;
      }
      hashrate24h = (w24 * this.#k) / Math.max(1, (nowMs - Math.max(hs, s.first)) / 1000);
    }
    return {
      hashrate: (w * this.#k) / secs,
      sharesPerSecond: a / secs,
      hashrate24h,
      lastShareMs: s.last > 0 ? s.last : null,
    };
  }

  /** Sums of a series' hour rows over the last 24 h (and what waits to be written). */
  #day(s: Series, nowMs: number): { w: number; a: number; stale: number; invalid: number } {
    const hs = floorTo(nowMs - DAY_MS, HOUR_MS);
    const out = { w: 0, a: 0, stale: 0, invalid: 0 };
    for (const row of this.#rows('h', s.account, s.wkey, hs, nowMs)) {
      out.w += row[1][0];
      out.a += row[1][1];
      out.stale += row[1][2];
      out.invalid += row[1][3];
    }
    return out;
  }

  /** Rows of one series from LMDB plus deltas not written yet, by bucket. */
  #rows(
    kind: 'f' | 'h',
    account: string,
    wkey: string,
    from: number,
    to: number,
  ): Map<number, Row> {
    const out = new Map<number, Row>();
    const range = { start: [kind, account, wkey, from], end: [kind, account, wkey, to + 1] };
    for (const { key, value } of this.#db.getRange(range)) {
      out.set((key as Key)[3] as number, [...(value as Row)] as Row);
    }
    // Deltas not written yet: 5-minute ones, summed into their hour for hour rows.
    const start = Math.max(floorTo(from, BUCKET_MS), this.#pendingFrom);
    for (let at = start; at <= to; at += BUCKET_MS) {
      const d = this.#deltas.get(`f\t${account}\t${wkey}\t${at}`);
      if (d === undefined) continue;
      const bucket = kind === 'f' ? at : floorTo(at, HOUR_MS);
      const row = out.get(bucket);
      if (row === undefined) out.set(bucket, [...d.v] as Row);
      else mergeRow(row, d.v);
    }
    return out;
  }

  #live(s: Series, nowMs: number): LiveFigures {
    const day = this.#day(s, nowMs);
    const f = this.#figures(s, nowMs);
    // Workers keep no hour ring in memory: their 24 h rate comes from the rows.
    const hashrate24h =
      s.hourAt !== null
        ? f.hashrate24h
        : (day.w * this.#k) /
          Math.max(1, (nowMs - Math.max(floorTo(nowMs - DAY_MS, HOUR_MS), s.first)) / 1000);
    return { ...f, hashrate24h, accepted24h: day.a, stale24h: day.stale, invalid24h: day.invalid };
  }

  pool(nowMs: number): PoolFigures {
    const online = this.#cached(`online`, nowMs, () => {
      const since = nowMs - HASHRATE_WINDOW_MS;
      let miners = 0;
      let workers = 0;
      for (const a of this.#accounts.values()) {
        if (a.last < since) continue;
        miners++;
        for (const w of (a.workers as Map<string, Series>).values()) if (w.last >= since) workers++;
      }
      return { miners, workers };
    });
    const net = this.#net;
    return {
      ...this.#live(this.#pool, nowMs),
      minersOnline: online.miners,
      workersOnline: online.workers,
      currentEffort: net && net.difficulty > 0 ? this.#round / (net.difficulty * WEIGHT_ONE) : null,
      luck: luckOf(this.#efforts),
      network: net,
    };
  }

  account(name: string, nowMs: number): AccountFigures | undefined {
    const a = this.#accounts.get(name);
    if (a === undefined) return undefined;
    const since = nowMs - HASHRATE_WINDOW_MS;
    const workers: WorkerFigures[] = [...(a.workers as Map<string, Series>).values()]
      .map((w) => ({ worker: w.name, online: w.last >= since, ...this.#live(w, nowMs) }))
      .sort((x, y) => (x.worker < y.worker ? -1 : x.worker > y.worker ? 1 : 0));
    return { account: name, ...this.#live(a, nowMs), workers };
  }

  ranking(
    nowMs: number,
    by: 'current' | '24h',
    page: number,
    pageSize: number,
  ): { readonly total: number; readonly rows: readonly MinerRank[] } {
    const all = this.#cached(`ranking:${by}`, nowMs, () => {
      const since = nowMs - HASHRATE_WINDOW_MS;
      const dayAgo = nowMs - DAY_MS;
      const rows: MinerRank[] = [];
      for (const a of this.#accounts.values()) {
        if (a.last < dayAgo) continue;
        const f = this.#figures(a, nowMs);
        let workersOnline = 0;
        for (const w of (a.workers as Map<string, Series>).values())
          if (w.last >= since) workersOnline++;
        rows.push({
          account: a.account,
          hashrate: f.hashrate,
          sharesPerSecond: f.sharesPerSecond,
          hashrate24h: f.hashrate24h,
          lastShareMs: f.lastShareMs,
          workersOnline,
        });
      }
      const key = by === 'current' ? 'hashrate' : 'hashrate24h';
      return rows.sort((x, y) => y[key] - x[key] || (x.account < y.account ? -1 : 1));
    });
    return { total: all.length, rows: all.slice(page * pageSize, (page + 1) * pageSize) };
  }

  poolSeries(fromMs: number, toMs: number, stepMs: number): StatsSample[] {
    return this.#series(POOL, '', fromMs, toMs, stepMs);
  }

  accountSeries(
    name: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): (StatsSample & { readonly workers: Readonly<Record<string, StatsSample>> })[] {
    const a = this.#accounts.get(name);
    if (a === undefined) return [];
    const total = this.#series(name, '', fromMs, toMs, stepMs);
    const perWorker = [...(a.workers as Map<string, Series>).values()].map(
      (w) => [w.name, this.#series(name, w.wkey, fromMs, toMs, stepMs)] as const,
    );
    return total.map((t, i) => {
      const workers: Record<string, StatsSample> = {};
      for (const [wn, samples] of perWorker) {
        const x = samples[i];
        if (x !== undefined && (x.accepted > 0 || x.stale > 0 || x.invalid > 0)) workers[wn] = x;
      }
      return { ...t, workers };
    });
  }

  #series(
    account: string,
    wkey: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): StatsSample[] {
    const step = Math.max(BUCKET_MS, floorTo(stepMs, BUCKET_MS));
    const kind = step % HOUR_MS === 0 ? 'h' : 'f';
    const from = floorTo(fromMs, step);
    const rows = this.#rows(kind, account, wkey, from, toMs);
    // The step holding the series' first share is timed from that share (a pool or a worker
    // that began mid-step is not shown at a fraction of its rate).
    const series =
      account === POOL
        ? this.#pool
        : wkey === ''
          ? this.#accounts.get(account)
          : this.#accounts.get(account)?.workers?.get(wkey.slice(2));
    const first = series?.first ?? 0;
    const out: StatsSample[] = [];
    // Steps up to the one holding toMs; its rate is over its part up to toMs (at least 1 s).
    for (let at = from; at <= toMs; at += step) {
      let w = 0;
      let a = 0;
      let stale = 0;
      let invalid = 0;
      const unit = kind === 'h' ? HOUR_MS : BUCKET_MS;
      for (let b = at; b < at + step; b += unit) {
        const r = rows.get(b);
        if (r === undefined) continue;
        w += r[0];
        a += r[1];
        stale += r[2];
        invalid += r[3];
      }
      const secs = Math.max(1, (Math.min(at + step, toMs) - Math.max(at, first)) / 1000);
      out.push({
        atMs: at,
        hashrate: (w * this.#k) / secs,
        sharesPerSecond: a / secs,
        accepted: a,
        stale,
        invalid,
      });
    }
    return out;
  }

  blockEffort(hash: string): BlockEffort | undefined {
    const waiting = this.#puts.get(`b\t${hash}`);
    if (waiting !== undefined) return waiting.value as BlockEffort;
    return this.#db.get(['b', hash]) as BlockEffort | undefined;
  }

  payoutTimes(
    id: string,
  ): { readonly plannedMs: number; readonly sentMs: number | null } | undefined {
    type Times = { plannedMs: number; sentMs: number | null };
    const waiting = this.#puts.get(`p\t${id}`);
    if (waiting !== undefined) return waiting.value as Times;
    return this.#db.get(['p', id]) as Times | undefined;
  }

  #cached<T>(key: string, nowMs: number, make: () => T): T {
    const c = this.#cache.get(key);
    if (c !== undefined && Math.abs(nowMs - c.atMs) < CACHE_MS) return c.value as T;
    const value = make();
    this.#cache.set(key, { atMs: nowMs, value });
    return value;
  }
}

function luckOf(efforts: readonly BlockEffort[]): PoolFigures['luck'] {
  if (efforts.length === 0) return null;
  let sum = 0;
  for (const e of efforts) sum += e.effort;
  const blocks = efforts.length;
  return { blocks, averageEffort: sum / blocks, luck: sum > 0 ? blocks / sum : 0 };
}

/** Where a time falls: its 5-minute bucket and hour, and their places in the rings. */
interface Slot {
  readonly five: number;
  readonly end: number;
  readonly fi: number;
  readonly hour: number;
  readonly hi: number;
}

const NO_SLOT: Slot = { five: Infinity, end: -Infinity, fi: 0, hour: 0, hi: 0 };

function slotOf(at: number): Slot {
  const five = floorTo(at, BUCKET_MS);
  const hour = floorTo(at, HOUR_MS);
  return {
    five,
    end: five + BUCKET_MS,
    fi: (five / BUCKET_MS) % FIVES,
    hour,
    hi: (hour / HOUR_MS) % HOURS,
  };
}

function addRow(v: Row, w: number, a: number, stale: number, invalid: number, at: number): void {
  v[0] += w;
  v[1] += a;
  v[2] += stale;
  v[3] += invalid;
  if (at < v[4]) v[4] = at;
  if (at > v[5]) v[5] = at;
}

/** Adds row `b` into row `a` (sums, earliest first, latest last). */
function mergeRow(a: Row, b: Row): void {
  a[0] += b[0];
  a[1] += b[1];
  a[2] += b[2];
  a[3] += b[3];
  if (b[4] < a[4]) a[4] = b[4];
  if (b[5] > a[5]) a[5] = b[5];
}

function floorTo(ms: number, step: number): number {
  return ms - (((ms % step) + step) % step);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function seriesRow(s: Series): SeriesRow {
  return {
    first: s.first,
    last: s.last,
    since: s.since,
    earliest: s.earliest,
    fiveAt: [...s.fiveAt],
    fiveW: [...s.fiveW],
    fiveA: [...s.fiveA],
    ...(s.hourAt !== null && s.hourW !== null
      ? { hourAt: [...s.hourAt], hourW: [...s.hourW] }
      : {}),
  };
}

function fillSeries(s: Series, row: SeriesRow): void {
  s.first = row.first;
  s.last = row.last;
  s.since = row.since;
  s.earliest = row.earliest ?? Infinity;
  s.fiveAt.set(row.fiveAt);
  s.fiveW.set(row.fiveW);
  s.fiveA.set(row.fiveA);
  if (s.hourAt !== null && s.hourW !== null && row.hourAt && row.hourW) {
    s.hourAt.set(row.hourAt);
    s.hourW.set(row.hourW);
  }
}
