// Preloaded (--expose-gc --require) into the benches' server children: SIGWINCH runs a full
// garbage collection, so memory samples count what the process keeps, not garbage that merely
// has not been collected yet. With COLLIERY_BENCH_MEMDUMP=DIR (for MISS analysis) each signal
// also appends, after the collection, a line of where the memory is (V8 heap, external,
// ArrayBuffers, RSS, heap spaces) to DIR/<pid>.jsonl.
'use strict';
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const dumpDir = process.env['COLLIERY_BENCH_MEMDUMP'];
process.on('SIGWINCH', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  if (dumpDir === undefined) return;
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics())
    spaces[s.space_name] = { used: s.space_used_size, size: s.space_size };
  appendFileSync(
    join(dumpDir, `${process.pid}.jsonl`),
    JSON.stringify({ at: Date.now(), ...process.memoryUsage(), spaces }) + '\n',
  );
});
