// Runs the `colliery` CLI (dist/topology/cli.js) as a child process, without blocking this one:
// a test's own nodes keep running meanwhile (spawnSync would freeze them, and a CLI that waits
// on one of them — an LMDB write lock, a NATS server whose output this process reads — hangs).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const CLI = join(repoRoot, 'dist', 'topology', 'cli.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `timeoutMs`: SIGTERM the child then (a command that runs until a signal, like `trace`);
 * `cwd`: where it runs (a demo's folder, whose settings file it then reads).
 */
export function runCli(
  args: readonly string[],
  timeoutMs = 120_000,
  cwd?: string,
  env?: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd === undefined ? {} : { cwd }),
      ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', () => clearTimeout(timer));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
