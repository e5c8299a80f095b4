// How one PoW family speaks Stratum: the notify it sends for a job at a connection's
// difficulty, how it announces that difficulty, how its wire difficulty maps to the work
// units vardiff steers in, and what it accepts in mining.submit's extra params. The hash
// family is Stratum V1 as every Bitcoin miner speaks it (difficulty = work, identity maps);
// the prime family is in prime-dialect.ts (docs/primecoin-stratum.md).
import { coinb2ForPayout } from '../job/index.js';
import { CodedError } from '../shared/errors.js';
import type { Rejection } from './errors.js';
import type { JobAnnouncement } from './messages.js';

export interface Dialect {
  readonly family: 'hash' | 'prime';
  /**
   * mining.notify params for this connection: local job id, this connection's difficulty and,
   * in SOLO mode, its payout script (the coinbase pays the miner's own address).
   */
  notifyParams(
    job: JobAnnouncement,
    localJobId: string,
    difficulty: number,
    clean: boolean,
    payoutScript: string | null,
  ): unknown[];
  /** The notification that tells the miner its new share difficulty. */
  difficultyNotification(difficulty: number): { method: string; params: unknown[] };
  /**
   * Wire difficulty → work per share (what vardiff's rate estimate is linear in), and back.
   * SessionConfig's start/min/max difficulties and JobAnnouncement.networkDifficulty are in
   * work units; set_difficulty, d= and suggest_difficulty in wire units.
   */
  toWork(difficulty: number): number;
  fromWork(work: number): number;
  /** Cheap shape checks of the submit's 6th/7th params; null when acceptable. */
  checkSubmit(
    extra: string | null,
    claim: string | null,
  ): { rejection: Rejection; detail: string } | null;
}

/** SOLO: the notify params with coinb2 paying the connection's own script. */
export function withPayout(params: unknown[], job: JobAnnouncement, script: string | null): void {
  if (script === null) return;
  if (!job.work) throw new CodedError('SOLO_NO_WORK', 'SOLO needs the job in the announcement');
  params[3] = coinb2ForPayout(job.work, script);
}

export const hashDialect: Dialect = {
  family: 'hash',
  notifyParams(job, localJobId, _difficulty, clean, payoutScript) {
    const params = job.notify.slice();
    params[0] = localJobId;
    params[params.length - 1] = clean;
    withPayout(params, job, payoutScript);
    return params;
  },
  difficultyNotification(difficulty) {
    return { method: 'mining.set_difficulty', params: [difficulty] };
  },
  toWork: (d) => d,
  fromWork: (w) => w,
  checkSubmit: (_extra, claim) =>
    claim === null ? null : { rejection: 'bad-params', detail: 'submit takes 5 or 6 params' },
};
