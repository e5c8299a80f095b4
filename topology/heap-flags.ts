// V8 flags a pool node runs with. Every share allocates short-lived objects (the parsed line, the
// submit, its verdict, the record it rides in), and each scavenge of V8's young generation copies
// what is still alive: a share in flight survives a 16 MB semi-space (Node 20's ceiling) more
// often than a 32 MB one. With 32 MB the one-node bench (pool.bench 2, --processes 2) spent
// 13.2 µs of node CPU per accepted share against 13.8-14.1 µs with the default, in runs of the
// same hour (64 MB: no better). The young generation then takes up to 64 MB more per process
// under load, none when idle.
//
// V8 reads these flags only when the process starts (v8.setFlagsFromString is too late for the
// heap's sizes), so they travel three ways: the `colliery` command's first line (`env -S`), the
// supervisor's forks (`--processes N`), and whatever starts `node dist/topology/cli.js` itself
// (the test helpers; an operator's own unit: see deploy/systemd).
/** The flags; `topology/cli.ts`'s first line carries the same (test/topology/heap-flags.test.ts). */
export const NODE_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** `execArgv` with every heap flag it does not set itself (a flag given by the operator wins). */
export function withHeapFlags(execArgv: readonly string[]): string[] {
  const named = (f: string): string => f.split('=')[0] as string;
  const given = new Set(execArgv.map(named));
  return [...execArgv, ...NODE_HEAP_FLAGS.filter((f) => !given.has(named(f)))];
}
