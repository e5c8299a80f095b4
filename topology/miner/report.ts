// The lines `colliery miner` prints: rates over the last period, the pool's answers by reason,
// the share target and blocks. Pure: counts and elapsed time in, text out.
import type { PrimeMinerStats } from './prime-miner.js';
import type { MinerStats } from './stratum-miner.js';
import type { SubmitStats } from './miner-client.js';

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'] as const;

/** withPrefix(12_300_000, 'H/s') → '12.3 MH/s'; withPrefix(21_300) → '21.3k' (three significant digits). */
export function withPrefix(value: number, unit = ''): string {
  let i = 0;
  while (value >= 1000 && i < PREFIXES.length - 1) {
    value /= 1000;
    i++;
  }
  const n = value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
  return unit ? `${n} ${PREFIXES[i]}${unit}` : `${n}${PREFIXES[i]}`;
}

/** 'accepted 41 rejected 2 (low difficulty 1, stale 1)'. */
export function formatAnswers(s: SubmitStats): string {
  const reasons = Object.entries(s.rejectedBy)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${reason} ${n}`);
  return `accepted ${s.accepted} rejected ${s.rejected}${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
}

/** A difficulty for display: up to six significant digits, no exponent below 1e-6. */
export function formatDifficulty(d: number): string {
  return String(Number(d.toPrecision(6)));
}

/** A chain length word (`length << 24 | fraction`) as Primecoin's getdifficulty prints it. */
export function formatLength(word: number): string {
  return String(Number((word / 2 ** 24).toFixed(4)));
}

/** What the work counter (hashes, or chain tests) was at the start of a period. */
export interface Mark {
  readonly atMs: number;
  readonly units: number;
}

export function markOf(stats: MinerStats | PrimeMinerStats, atMs: number): Mark {
  return { atMs, units: 'hashes' in stats ? stats.hashes : stats.candidates };
}

const perSec = (units: number, from: Mark, nowMs: number): number =>
  (units - from.units) / Math.max(1e-3, (nowMs - from.atMs) / 1000);

/** `hashrate 12.3 MH/s | accepted 41 rejected 2 (stale 2) | difficulty 0.01 | blocks 1`. */
export function hashLine(stats: MinerStats, difficulty: number, from: Mark, nowMs: number): string {
  return (
    `hashrate ${withPrefix(perSec(stats.hashes, from, nowMs), 'H/s')} | ${formatAnswers(stats)} | ` +
    `difficulty ${formatDifficulty(difficulty)} | blocks ${stats.blocks}`
  );
}

/**
 * `chains/s 26.8k | accepted 20 rejected 1 (stale 1) | share target 3.5 | blocks 1`: chain
 * tests a second, the prime hashrate (as `colliery demo --coin primecoin-devnet` prints it).
 */
export function primeLine(
  stats: PrimeMinerStats,
  shareTarget: number,
  from: Mark,
  nowMs: number,
): string {
  return (
    `chains/s ${withPrefix(perSec(stats.candidates, from, nowMs))} | ${formatAnswers(stats)} | ` +
    `share target ${formatLength(shareTarget)} | blocks ${stats.blocks}`
  );
}

/** Chains submitted so far by integer length: '3:120 4:9'. */
export function formatLengths(stats: PrimeMinerStats): string {
  return Object.entries(stats.byLength)
    .map(([length, n]) => `${length}:${n}`)
    .join(' ');
}
