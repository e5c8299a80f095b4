// How our miners search. A SearchLoop (hash-search.ts, prime-search.ts) does one step at a time
// — a batch of nonces, a sieve, a chunk of chain tests — over its slice of the job: the
// extranonce2 values en2Start + index, then + stride each time one is used up, so N searchers
// on one job never repeat each other's headers. driveSearch runs a loop between event-loop
// turns (so new work arrives between steps), in this thread (the demo's miners) or in a worker
// thread (search-worker.ts, colliery miner); a Searcher hands it work, here or in N workers.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { HashFound, HashSearchOptions, HashWork } from './hash-search.js';
import type { PrimeFound, PrimeSearchOptions, PrimeWork } from './prime-search.js';
import { IDLE, type SearchEvents, type SearchLoop, type SearchSlice } from './search-loop.js';

export { IDLE, type SearchEvents, type SearchLoop, type SearchSlice } from './search-loop.js';

/** Runs `loop` until `running()` is false; at most `maxUnitsPerSec` when given. */
export async function driveSearch(
  loop: SearchLoop<unknown>,
  maxUnitsPerSec: number | undefined,
  running: () => boolean,
): Promise<void> {
  while (running()) {
    const started = Date.now();
    const units = loop.step();
    if (units === IDLE) {
      await sleep(20);
      continue;
    }
    const waitMs = maxUnitsPerSec ? (units * 1000) / maxUnitsPerSec - (Date.now() - started) : 0;
    await (waitMs > 1 ? sleep(waitMs) : new Promise((r) => setImmediate(r)));
  }
}

export interface Searcher<W> {
  setWork(work: W | null): void;
  stop(): Promise<void>;
}

/** One loop in this thread, between event-loop turns. */
export function searchInThread<W>(
  loop: SearchLoop<W>,
  maxUnitsPerSec: number | undefined,
): Searcher<W> {
  let running = true;
  const done = driveSearch(loop as SearchLoop<unknown>, maxUnitsPerSec, () => running);
  return {
    setWork: (work) => loop.setWork(work),
    stop: () => {
      running = false;
      return done;
    },
  };
}

/** What a search worker builds its loop from (cloned into the worker). */
export type SearchSpec =
  | ({ readonly kind: 'hash' } & HashSearchOptions)
  | ({ readonly kind: 'prime' } & PrimeSearchOptions);

export interface SearchWorkerData {
  readonly spec: SearchSpec;
  readonly slice: SearchSlice;
  /** Per worker; unlimited when absent. */
  readonly maxUnitsPerSec: number | undefined;
}

/** Messages to a search worker. */
export type SearchOrder =
  { readonly type: 'work'; readonly work: HashWork | PrimeWork | null } | { readonly type: 'stop' };

/** Messages from a search worker. */
export type SearchReport =
  | { readonly type: 'found'; readonly found: HashFound | PrimeFound }
  | { readonly type: 'progress'; readonly units: number }
  | { readonly type: 'extranonce2'; readonly en2: number };

const WORKER_URL = new URL('./search-worker.js', import.meta.url);
/** A worker told to stop finishes its step and exits; one that does not is terminated. */
const STOP_GRACE_MS = 5_000;

/**
 * `threads` worker threads, one loop each (slice i of `threads`), loading the native core
 * themselves. A worker that fails is reported through `onError`; the others go on.
 */
export function searchInThreads<W extends HashWork | PrimeWork, F extends HashFound | PrimeFound>(
  spec: SearchSpec,
  threads: number,
  maxUnitsPerSec: number | undefined,
  events: SearchEvents<F>,
  onError: (err: Error) => void,
): Searcher<W> {
  const order = (w: Worker, m: SearchOrder) => w.postMessage(m);
  const workers = Array.from({ length: threads }, (_, index) => {
    const workerData: SearchWorkerData = {
      spec,
      slice: { index, stride: threads },
      maxUnitsPerSec: maxUnitsPerSec === undefined ? undefined : maxUnitsPerSec / threads,
    };
    const worker = new Worker(WORKER_URL, { workerData });
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.on('message', (m: SearchReport) => {
      if (m.type === 'found') events.found(m.found as F);
      else if (m.type === 'progress') events.progress(m.units);
      else events.extranonce2(m.en2);
    });
    worker.on('error', onError);
    return { worker, exited };
  });
  let stopped: Promise<void> | null = null;
  return {
    setWork: (work) => {
      for (const { worker } of workers) order(worker, { type: 'work', work });
    },
    // Stopping in the middle of a native call (terminate(), or exiting the process with the
    // workers running) can abort the process: each worker ends its step and exits by itself.
    stop: () =>
      (stopped ??= Promise.all(
        workers.map(async ({ worker, exited }) => {
          order(worker, { type: 'stop' });
          const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }),
      ).then(() => undefined)),
  };
}
