// The Job actor's pure core: given the current state and a fresh template, decide whether
// to issue a job and whether it is clean (new previous block), keeping a bounded window of
// recent jobs so late shares on the current block are still judged.
//   new prevhash            → clean job at once
//   same prevhash, refresh  → non-clean job (new ntime / transactions)
//   same template, no force → nothing
import { chainWork } from '../shared/prime-share-value.js';
import { difficultyFromTarget, targetFromBits } from '../shared/target.js';
import type { CoinbaseOutput } from './coinbase.js';
import type { Job, JobConfig } from './job.js';
import { buildJob } from './job.js';
import type { JobAnnouncement } from './messages.js';
import { notifyParams } from './notify.js';
import type { Template } from './template.js';

export interface JobState {
  readonly prefix: string; // unique per leader term (the lease fence), so ids never repeat across failovers
  readonly seq: number;
  readonly current: Job | null;
  /** Newest last; stale jobs stay too, so late block candidates can still be assembled. */
  readonly recent: readonly Job[];
}

export interface IssueInput {
  readonly coin: string;
  readonly family: 'hash' | 'prime';
  readonly template: Template;
  readonly outputs: readonly CoinbaseOutput[];
  readonly config: JobConfig;
  readonly nowMs: number;
  /** Issue even when the template did not change (periodic refresh). */
  readonly force: boolean;
  readonly keepJobs: number;
}

export function initJobState(prefix: string): JobState {
  return { prefix, seq: 0, current: null, recent: [] };
}

export function issueJob(
  s: JobState,
  input: IssueInput,
): { state: JobState; job: Job; announcement: JobAnnouncement } | null {
  const { template } = input;
  const prev = s.current;
  const clean = prev === null || prev.prevHash !== template.previousBlockHash;
  const changed =
    clean ||
    prev.coinbaseValueSats !== template.coinbaseValueSats ||
    prev.transactions.length !== template.transactions.length;
  if (!clean && !changed && !input.force) return null;
  if (prev !== null && !clean && template.height < prev.height) return null;
  const seq = s.seq + 1;
  const job = buildJob({
    id: `${s.prefix}${seq.toString(16)}`,
    template,
    outputs: input.outputs,
    config: input.config,
    cleanJobs: clean,
    createdAtMs: input.nowMs,
    ntime: Math.max(template.curtime, Math.floor(input.nowMs / 1000)),
  });
  const announcement: JobAnnouncement = {
    type: 'job.new',
    coin: input.coin,
    family: input.family,
    work: withoutTransactions(job),
    notify: notifyParams(job),
    // Connections' vardiff units: hash difficulty, or prime chain work W(nBits).
    networkDifficulty: input.config.prime
      ? chainWork(template.bits, input.config.prime.model)
      : difficultyFromTarget(targetFromBits(template.bits)),
  };
  return {
    state: { ...s, seq, current: job, recent: [...s.recent, job].slice(-input.keepJobs) },
    job,
    announcement,
  };
}

export function findJob(s: JobState, id: string): Job | null {
  for (let i = s.recent.length - 1; i >= 0; i--)
    if (s.recent[i]?.id === id) return s.recent[i] as Job;
  return null;
}

function withoutTransactions(job: Job): JobAnnouncement['work'] {
  const { transactions: _transactions, ...work } = job;
  return work;
}
