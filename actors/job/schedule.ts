// The Job actor's pure core: given the current state and a fresh template, decide whether
// to issue a job and whether it is clean (new previous block), keeping a bounded window of
// recent jobs so late shares on the current block are still judged.
//   new prevhash            → clean job at once
//   same prevhash, refresh  → non-clean job (new ntime / transactions)
//   same template, no force → nothing
// A new leader adopts the jobs the cluster is mining (its node's block submitter kept them), so a
// failover with the tip unchanged sends miners nothing and asks none of them to drop their work.
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
  /**
   * Issue only for a new tip: a leader's first template after it carried on the jobs miners
   * have. A change on the same tip (fees, transactions) waits for the refresh, whose cadence
   * carries on too, as it would have under the old leader: a failover sends no job to every miner
   * of the cluster while the failed node's miners are reconnecting.
   */
  readonly newTipOnly?: boolean;
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
  if (!clean && input.newTipOnly === true) return null;
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
  return {
    state: { ...s, seq, current: job, recent: [...s.recent, job].slice(-input.keepJobs) },
    job,
    announcement: announce(job, input),
  };
}

/**
 * The state of a leader that takes over from one whose jobs it heard (oldest first): the newest
 * is current, so a template on the same tip is no new job and a refresh is not a clean one.
 */
export function adoptJobs(s: JobState, jobs: readonly Job[], keepJobs: number): JobState {
  const recent = jobs.slice(-keepJobs);
  const current = recent.at(-1);
  return current === undefined ? s : { ...s, current, recent };
}

/** What every node hears of `job` on the coin's jobs topic (no transactions). */
export function announce(
  job: Job,
  on: Pick<IssueInput, 'coin' | 'family' | 'config'>,
): JobAnnouncement {
  const bits = Number.parseInt(job.bits, 16);
  return {
    type: 'job.new',
    coin: on.coin,
    family: on.family,
    work: withoutTransactions(job),
    notify: notifyParams(job),
    // Connections' vardiff units: hash difficulty, or prime chain work W(nBits).
    networkDifficulty: on.config.prime
      ? chainWork(bits, on.config.prime.model)
      : difficultyFromTarget(targetFromBits(bits)),
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
