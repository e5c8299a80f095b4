// The jobs the Share actor still judges shares against (either family): the last `keep` jobs of
// its coin heard on the jobs topic, oldest dropped first, and the tip they are on — a share on a
// job from an older tip is stale (but still checked as a block candidate).
import type { JobAnnouncement, JobWork } from '../job/index.js';
import type { FamilyJob } from './family.js';

export class RecentJobs<J extends FamilyJob> {
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

  /** Remembers an announced job of this coin (once), as `known` builds it. */
  add(a: JobAnnouncement, known: (work: JobWork) => J): void {
    if (a.coin !== this.#coin || this.#jobs.has(a.work.id)) return;
    this.#jobs.set(a.work.id, known(a.work));
    if (a.work.cleanJobs || this.#tipPrev === '') this.#tipPrev = a.work.prevHash;
    while (this.#jobs.size > this.#keep)
      this.#jobs.delete(this.#jobs.keys().next().value as string);
  }

  /** True when the job builds on an older tip than the newest clean job's. */
  isStale(job: J): boolean {
    return job.work.prevHash !== this.#tipPrev;
  }
}
