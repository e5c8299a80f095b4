// Child process for the statistics crash test: applies the statistics log to the ledger in
// `argv[2]` one entry per batch with statistics that never come due (kept in memory only),
// says `done`, and waits for the parent's SIGKILL.
import { HASH_WORK_PER_WEIGHT, openLedger } from '../../../actors/ledger/index.js';
import { statsConfig, statsLog } from './stats-log.js';

const store = openLedger(process.argv[2] as string, statsConfig, {
  stats: { workPerWeight: HASH_WORK_PER_WEIGHT, flushMs: Infinity },
});
for (const e of statsLog()) store.applyBatch([e]);
process.stdout.write('done\n');
setInterval(() => undefined, 1000);
