// Child process for the crash test: applies a synthetic log to the ledger in `argv[2]` one
// entry per batch, printing each applied seq, until the parent kills it (SIGKILL).
import { openLedger } from '../../../actors/ledger/store.js';
import { crashConfig, crashLog } from './crash-log.js';

const store = openLedger(process.argv[2] as string, crashConfig);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (const e of crashLog()) {
  store.applyBatch([e]);
  Atomics.wait(pause, 0, 0, 2); // ~2 ms per entry, so the kill lands mid-log
  process.stdout.write(`${e.seq}\n`);
}
process.stdout.write('done\n');
setInterval(() => undefined, 1000); // wait to be killed
