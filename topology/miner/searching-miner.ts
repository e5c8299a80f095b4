// What both our miners do with a pool's work, whatever they search: hand each notify to the
// search (here or in worker threads) on a fresh part of the extranonce2 space, and send only
// what was found on work still worth sending (since the last clean job, on this connection).
import type { SearchEvents, Searcher } from './search.js';
import { MinerClient } from './miner-client.js';
import { workFromNotify, type NotifiedWork } from './stratum-wire.js';

export abstract class SearchingMiner<W, F extends { readonly jobId: string }> extends MinerClient {
  #search: Searcher<W> | null = null;
  #work: W | null = null;
  /** The highest extranonce2 handed out or searched for this connection's work. */
  #en2High = -1;
  /** Jobs whose shares are still worth sending: those since the last clean job. */
  readonly #liveJobs = new Set<string>();

  /** The search for this miner's family, reporting to `events`. */
  protected abstract searcher(events: SearchEvents<F>): Searcher<W>;
  /** Search threads (1 in this thread). */
  protected abstract get threads(): number;
  /** The work of a notify, searched from extranonce2 `en2Start`. */
  protected abstract workOf(job: NotifiedWork, en2Start: number, params: unknown[]): W;
  /** Units of work done (hashes, chain tests). */
  protected abstract counted(units: number): void;
  /** Sends a share found on live work. */
  protected abstract send(found: F): void;

  /** The work being searched (null: none). */
  protected get work(): W | null {
    return this.#work;
  }

  protected startSearch(): void {
    if (this.#search !== null) return;
    this.#search = this.searcher({
      found: (f) => {
        if (this.#liveJobs.has(f.jobId)) this.send(f); // else a new block or connection replaced it
      },
      progress: (n) => this.counted(n),
      extranonce2: (en2) => void (this.#en2High = Math.max(this.#en2High, en2)),
    });
    this.#search.setWork(this.#work);
  }

  protected stopSearch(): Promise<void> {
    const search = this.#search;
    this.#search = null;
    return search?.stop() ?? Promise.resolve();
  }

  protected onNotify(params: unknown[]): void {
    const job = workFromNotify(params);
    // New work either way: a clean job starts over, a re-issue moves above every extranonce2
    // searched so far (the same header space again would only produce duplicates).
    const en2Start = job.clean || this.#work === null ? 0 : this.#en2High + 1;
    this.#en2High = en2Start + this.threads - 1;
    if (job.clean) this.#liveJobs.clear();
    this.#liveJobs.add(job.id);
    this.setWork(this.workOf(job, en2Start, params));
    this.emit('job', job.id);
  }

  protected onDisconnected(): void {
    this.#liveJobs.clear();
    this.setWork(null);
  }

  protected setWork(work: W | null): void {
    this.#work = work;
    this.#search?.setWork(work);
  }
}
