// The small C++ programs of the tests and benches (test/bench/<name>.cc: the notify reader, the
// load harness) as child processes: each is compiled with g++ (-O2, C++17) once per process into
// one temp dir, its children are spawned with piped stdio and read line by line, and both the
// children and the temp dir go when the test process exits, however it exits.
import {
  execFile,
  spawn,
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
} from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

const live = new Set<ChildProcess>();
const binaries = new Map<string, Promise<string>>();
let buildDir: string | undefined;

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
});

/** Compiles test/bench/<name>.cc once per process; resolves with the binary's path. */
export function compileCc(name: string): Promise<string> {
  let binary = binaries.get(name);
  if (binary === undefined) {
    const source = join(repoRoot, 'test', 'bench', `${name}.cc`);
    binary = new Promise((resolve, reject) => {
      buildDir ??= mkdtempSync(join(tmpdir(), 'colliery-cc-'));
      const out = join(buildDir, name);
      execFile('g++', ['-O2', '-std=c++17', '-o', out, source], (err, _stdout, stderr) => {
        if (err === null) return resolve(out);
        const why =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? `g++ not found on PATH (the ${name} needs a C++17 compiler)`
            : `g++ failed to compile ${source}:\n${stderr}`;
        reject(new Error(why));
      });
    });
    binaries.set(name, binary);
  }
  return binary;
}

export interface CcChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** The child's last 4,000 characters of stderr. */
  stderr(): string;
  /** Resolves on 'close': after the last stdout line (an `error` line explains an exit). */
  readonly closed: Promise<void>;
}

/**
 * Spawns `exe` with piped stdio, killed with SIGKILL if the test process exits first; calls
 * `onLine` for every stdout line (latin1, without its newline). Writes to a child that died are
 * dropped (its 'close' reports it).
 */
export function spawnCc(
  exe: string,
  args: readonly string[],
  onLine: (line: string) => void,
): CcChild {
  const child = spawn(exe, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  let buf = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf('\n', start)) >= 0) {
      onLine(buf.slice(start, nl));
      start = nl + 1;
    }
    buf = buf.slice(start);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.stdin.on('error', () => undefined); // EPIPE after the child died: 'close' reports it
  const closed = new Promise<void>((r) =>
    child.once('close', () => {
      live.delete(child);
      r();
    }),
  );
  return { child, stderr: () => stderr, closed };
}

/** Ends the child's stdin with `quit`, SIGKILL after `graceMs`; resolves once it closed. */
export async function quitCc(c: CcChild, graceMs = 5_000): Promise<void> {
  const { child } = c;
  if (child.exitCode !== null || child.signalCode !== null) return c.closed;
  child.stdin.end('quit\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await c.closed;
  clearTimeout(timer);
}
