// Test helper: builds ledger log entries (records with increasing seq) and temp LMDB dirs.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  CoinbasePayment,
  LogEntry,
  LogRecord,
  LoggedJob,
  LoggedRejects,
  LoggedShare,
} from '../../../actors/shared/log-records.js';
import { LOG_RECORD_VERSION } from '../../../actors/shared/log-records.js';

export const COIN = 'btc-test';

/** A deterministic 64-hex hash from any label. */
export function hashOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export interface JobSpec {
  readonly netWeight?: bigint;
  readonly subsidySats?: bigint;
  readonly rewardSats?: bigint;
  readonly height?: number;
}

export interface ShareSpec {
  readonly account: string;
  readonly weight: number;
  readonly job?: number;
}

export interface BlockSpec {
  readonly account?: string;
  readonly rewardSats?: bigint;
  readonly subsidySats?: bigint;
  readonly netWeight?: bigint;
  readonly height?: number;
  readonly solo?: boolean;
  readonly coinbasePaid?: readonly CoinbasePayment[];
}

/** An accepted share of `account.worker` at difficulty `diff`, made at `atMs` (hash from all three). */
export function loggedShare(
  account: string,
  worker: string,
  diff: number,
  atMs: number,
): LoggedShare {
  return {
    job: 0,
    account,
    worker,
    weight: diff * 65_536,
    hash: hashOf(`${account}.${worker}@${atMs}`),
    atMs,
  };
}

/** Appends records to a log with increasing sequence numbers (optionally with gaps). */
export class LogBuilder {
  readonly entries: LogEntry[] = [];
  #seq = 0;
  #n = 0;
  readonly #gap: number;

  constructor(gap = 1) {
    this.#gap = gap;
  }

  push(record: LogRecord): LogEntry {
    this.#seq += this.#gap;
    const e = { seq: this.#seq, record };
    this.entries.push(e);
    return e;
  }

  shares(shares: readonly ShareSpec[], jobs: readonly JobSpec[] = [{}]): LogEntry {
    const n = this.#n++;
    return this.push({
      type: 'shares',
      v: LOG_RECORD_VERSION,
      id: `node-a:boot:${n}`,
      coin: COIN,
      node: 'node-a',
      jobs: jobs.map((j, i): LoggedJob => ({
        id: `job-${n}-${i}`,
        height: j.height ?? 100,
        netWeight: j.netWeight ?? 1_000_000n,
        subsidySats: j.subsidySats ?? 5_000_000_000n,
        rewardSats: j.rewardSats ?? 5_012_345_678n,
      })),
      shares: shares.map((s, i) => ({
        job: s.job ?? 0,
        account: s.account,
        worker: 'w1',
        weight: s.weight,
        hash: hashOf(`share-${n}-${i}`),
        atMs: 1_700_000_000_000 + n,
      })),
    });
  }

  /**
   * A share record as a node appends it: these shares (their job indexes into `jobs`) and
   * refusals, from `node-a` (or `node`).
   */
  batch(
    shares: readonly LoggedShare[],
    jobs: readonly LoggedJob[],
    rejects?: readonly LoggedRejects[],
    node = 'node-a',
  ): LogEntry {
    return this.push({
      type: 'shares',
      v: LOG_RECORD_VERSION,
      id: `${node}:boot:${this.#n++}`,
      coin: COIN,
      node,
      jobs,
      shares,
      ...(rejects ? { rejects } : {}),
    });
  }

  found(hash: string, b: BlockSpec = {}): LogEntry {
    return this.push({
      type: 'block.found',
      v: LOG_RECORD_VERSION,
      id: `found-${hash.slice(0, 8)}-${this.#n++}`,
      coin: COIN,
      hash,
      height: b.height ?? 100,
      jobId: 'job',
      account: b.account ?? 'finder',
      worker: 'w1',
      node: 'node-a',
      rewardSats: b.rewardSats ?? 5_012_345_678n,
      subsidySats: b.subsidySats ?? 5_000_000_000n,
      netWeight: b.netWeight ?? 1_000_000n,
      coinbasePaid: b.coinbasePaid ?? [],
      solo: b.solo ?? false,
      atMs: 1_700_000_000_000,
    });
  }

  status(hash: string, type: 'block.matured' | 'block.orphaned'): LogEntry {
    return this.push({
      type,
      v: LOG_RECORD_VERSION,
      id: `${type}-${hash.slice(0, 8)}-${this.#n++}`,
      coin: COIN,
      hash,
      height: 100,
      atMs: 1_700_000_000_000,
    });
  }

  planned(id: string, payments: readonly CoinbasePayment[]): LogEntry {
    return this.push({
      type: 'payout.planned',
      v: LOG_RECORD_VERSION,
      id,
      coin: COIN,
      payments,
      atMs: 1_700_000_000_000,
    });
  }

  result(payout: string, type: 'payout.sent' | 'payout.failed'): LogEntry {
    return this.push({
      type,
      v: LOG_RECORD_VERSION,
      id: `${type}-${payout}-${this.#n++}`,
      coin: COIN,
      payout,
      txid: type === 'payout.sent' ? hashOf(payout) : null,
      reason: type === 'payout.failed' ? 'wallet refused' : null,
      atMs: 1_700_000_000_000,
    });
  }
}

/** A fresh temp directory for an LMDB environment, and its remover. */
export function tempDir(): { dir: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'colliery-ledger-'));
  return { dir: join(root, 'db'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Splits entries into consecutive batches at the given cut points (sorted, deduplicated). */
export function batches<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(items.length, c))))].sort(
    (a, b) => a - b,
  );
  const out: T[][] = [];
  let from = 0;
  for (const p of [...points, items.length]) {
    if (p > from) out.push(items.slice(from, p));
    from = Math.max(from, p);
  }
  return out;
}
