// A search worker thread (search.ts searchInThreads): loads the native core quietly (the main
// thread already said which backend runs; COLLIERY_NATIVE=off reaches here too), builds the
// hash or prime loop for its slice, takes work from the main thread and reports what it finds
// at once and its progress a few times a second; told to stop, it ends its step and exits.
import { parentPort, workerData } from 'node:worker_threads';
import { impl } from '../../native/index.js';
import { HashSearch, type HashFound, type HashWork } from './hash-search.js';
import { PrimeSearch, type PrimeFound, type PrimeWork } from './prime-search.js';
import {
  driveSearch,
  type SearchEvents,
  type SearchLoop,
  type SearchOrder,
  type SearchReport,
  type SearchWorkerData,
} from './search.js';

const PROGRESS_EVERY_MS = 200;

const port = parentPort;
if (port === null) throw new Error('search-worker.js runs as a worker thread only');
const { spec, slice, maxUnitsPerSec } = workerData as SearchWorkerData;
const report = (m: SearchReport): void => port.postMessage(m);

let units = 0;
const flush = (): void => {
  if (units === 0) return;
  report({ type: 'progress', units });
  units = 0;
};
const ticker = setInterval(flush, PROGRESS_EVERY_MS);
let running = true;

const events: SearchEvents<HashFound | PrimeFound> = {
  found: (found) => report({ type: 'found', found }),
  progress: (n) => void (units += n),
  extranonce2: (en2) => report({ type: 'extranonce2', en2 }),
};

const loop: SearchLoop<HashWork | PrimeWork> =
  spec.kind === 'hash'
    ? (new HashSearch(impl.hashHeaders, slice, spec, events) as SearchLoop<HashWork | PrimeWork>)
    : (new PrimeSearch((origin) => impl.primeChain(origin), slice, spec, events) as SearchLoop<
        HashWork | PrimeWork
      >);

port.on('message', (m: SearchOrder) => {
  if (m.type === 'work') return loop.setWork(m.work);
  running = false; // the loop ends after its step; then nothing keeps the thread alive
  clearInterval(ticker);
  flush();
  port.close();
});
void driveSearch(loop, maxUnitsPerSec, () => running);
