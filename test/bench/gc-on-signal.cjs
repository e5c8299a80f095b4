// Preloaded (--expose-gc --require) into the pool bench's server children: SIGWINCH runs a full
// garbage collection, so memory samples count what the process keeps, not garbage that merely
// has not been collected yet.
'use strict';
process.on('SIGWINCH', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
});
