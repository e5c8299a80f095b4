// How one PoW family speaks Stratum: the notify it sends for a job at a connection's
// difficulty, and how it announces that difficulty. The hash family is Stratum V1 as
// every Bitcoin miner speaks it.
import { coinb2ForPayout } from '../job/job.js';
import { CodedError } from '../shared/errors.js';
import type { JobAnnouncement } from './messages.js';

export interface Dialect {
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
}

export const hashDialect: Dialect = {
  notifyParams(job, localJobId, _difficulty, clean, payoutScript) {
    const params = job.notify.slice();
    params[0] = localJobId;
    params[params.length - 1] = clean;
    if (payoutScript !== null) {
      if (!job.work) throw new CodedError('SOLO_NO_WORK', 'SOLO needs the job in the announcement');
      params[3] = coinb2ForPayout(job.work, payoutScript);
    }
    return params;
  },
  difficultyNotification(difficulty) {
    return { method: 'mining.set_difficulty', params: [difficulty] };
  },
};
