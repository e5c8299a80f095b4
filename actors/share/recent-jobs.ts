// The jobs a Share behaviour still judges shares against (hash and prime alike): the last
// `keep` jobs of its coin heard on the jobs topic, oldest dropped first, and the tip they are
// on — a share on a job from an older tip is stale (but still checked as a block candidate).
import type { JobWork } from '../job/job.js';
import type { JobAnnouncement } from '../job/messages.js';

export class RecentJobs<J extends { readonly work: JobWork }> {
  readonly #coin: string;
  readonly #keep: number;
  readonly #jobs = new Map<string, J>();
  #tipPrev = '';

  constructor(coin: string, keep: number) {
    this.#coin = coin;
    this.#keep = keep;
  }

  get size(): number {
    return this.#jobs.size;
  }

  get(id: string): J | undefined {
    return this.#jobs.get(id);
  }

  /** Remembers an announced job of this coin (once), built by `known`. */
  add(a: JobAnnouncement, known: (work: JobWork) => J): void {
    if (a.coin !== this.#coin || this.#jobs.has(a.work.id)) return;
    this.#jobs.set(a.work.id, known(a.work));
    if (a.work.cleanJobs || this.#tipPrev === '') this.#tipPrev = a.work.prevHash;
    while (this.#jobs.size > this.#keep) {
      this.#jobs.delete(this.#jobs.keys().next().value as string);
    }
  }

  /** 'current' when the job builds on the newest tip, else 'stale'. */
  freshness(job: J): 'current' | 'stale' {
    return job.work.prevHash === this.#tipPrev ? 'current' : 'stale';
  }
}
