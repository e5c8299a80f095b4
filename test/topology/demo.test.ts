// `colliery demo`, as README tells a newcomer to run it: from an empty folder, it starts the
// devnet, a node and demo miners (hash, and with --coin primecoin-devnet, prime), prints
// summary lines with accepted shares and found blocks (a share racing a new block may be
// rejected as stale, so rejects are not asserted to be zero), and on Ctrl-C drains and exits 0.
// With --trace-paths it also prints share paths (socket → Share actor → share log → ledger).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/cli.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
let nats: NatsServer | undefined;
after(async () => nats?.stop());

async function demoUntil(args: string[], done: RegExp): Promise<{ out: string; code: number }> {
  nats ??= await startNatsServer('demo');
  const cwd = mkdtempSync(join(tmpdir(), 'colliery-demo-'));
  try {
    const child = spawn(
      process.execPath,
      [cli, 'demo', '--nats', nats.url, '--stratum', '127.0.0.1:0', ...args],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (out += d.toString()));
    const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
    const deadline = Date.now() + 60_000;
    while (!done.test(out) && child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    return { out, code: await exited };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('demo - the hash demo mines devnet blocks through the pool, prints share paths and exits 0 on Ctrl-C', async () => {
  nats ??= await startNatsServer('demo');
  // `colliery trace`, from another process, gets the paths the demo's node publishes.
  const traced = runCli([
    'trace',
    '--nats',
    nats.url,
    '--cluster',
    'demo',
    '--count',
    '1',
    '--json',
  ]);
  const { out, code } = await demoUntil(
    ['--trace-paths'],
    // Two paths (5 s apart): the trace process has been listening for one of them at least.
    /(?=[\s\S]*accepted [1-9]\d* rejected \d+ \| blocks found [1-9])(?=[\s\S]*^share path [\s\S]*^share path )/m,
  );
  const trace = await traced;
  assert.equal(trace.status, 0, trace.stderr);
  const published = JSON.parse(trace.stdout) as { type: string; node: string; line: string };
  assert.equal(published.node, 'demo-1');
  assert.match(published.line, /^share path \(trace [0-9a-f]{8}…, node demo-1\): /);
  assert.ok(out.includes(published.line), 'a line the demo printed');
  assert.match(
    out,
    /^share path \(trace [0-9a-f]{8}…, node demo-1\): miner's socket read → Connection \S+ at \+0\.00 ms .* → Share actor at .* → share log record .* → ledger apply .*; \d+\.\d\d ms from the socket to the ledger$/m,
  );
  assert.match(out, /^colliery demo: stratum on 127\.0\.0\.1:\d+, devnet /m);
  assert.match(
    out,
    /miners 3 \| shares\/s \d+ \| accepted [1-9]\d* rejected \d+ \| blocks found [1-9]/,
  );
  assert.match(out, /ledger seq [1-9]\d*, credited /);
  assert.equal(code, 0, out.slice(-2_000));
});

test('demo - the prime demo finds prime shares and blocks and exits 0 on Ctrl-C', async () => {
  const { out, code } = await demoUntil(
    ['--coin', 'primecoin-devnet'],
    /accepted [1-9]\d* rejected \d+ \| blocks found [1-9]/,
  );
  assert.match(out, /^colliery demo \(primecoin-devnet\): stratum on /m);
  assert.match(
    out,
    /miners 3 \| accepted [1-9]\d* rejected \d+ \| blocks found [1-9]\d* \| chain height \d+/,
  );
  assert.equal(code, 0, out.slice(-2_000));
});
