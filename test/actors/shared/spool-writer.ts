// A child process for the spool's crash test: adds numbered records to the spool in `argv[2]`
// as fast as it can and prints each number once its add has resolved (on disk), until killed.
import { LogSpool } from '../../../actors/shared/log-spool.js';

const spool = LogSpool.open(process.argv[2] as string, { maxRecords: 1e9, maxBytes: 1e12 });
for (let n = 1; ; n++) {
  const data = new Uint8Array(1_000 + (n % 7) * 500).fill(n % 251);
  await spool.add({ kind: 'shares', id: `w:${n}`, shares: n, data });
  process.stdout.write(`${n}\n`);
}
