// Piscina's task file for the verifier pool. Piscina loads a task file with require() first;
// on Node ≥ 20.19 requiring the ESM worker (worker.ts) is require(esm), which now and then
// aborted a whole process in Node 20.20 (a V8 fatal error: IsGraphAsync on a module not yet
// instantiated, from piscina's worker.js). This CommonJS entry is what Piscina requires; it
// starts importing the worker with import() as the thread loads it (Piscina's preload) and
// hands each task to the worker's handler.
const loaded = import('./worker.js').then((m) => m.default);

async function run(task: Parameters<Awaited<typeof loaded>>[0]): Promise<unknown> {
  return (await loaded)(task);
}

export = run;
