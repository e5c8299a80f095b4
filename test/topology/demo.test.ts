// `colliery demo`, as README tells a newcomer to run it: from an empty folder, with no --nats,
// it starts a nats-server of its own (never the one a test — or anything — already runs), the
// devnet, a node and demo miners (hash, and with --coin primecoin-devnet, prime), prints a
// banner naming cluster, coin, node, Stratum and metrics URLs and the commands to look further,
// then summary lines with accepted shares and found blocks (a share racing a new block may be
// rejected as stale, so rejects are not asserted to be zero). Inside its folder `colliery
// status`, `trace` and `ledger balances` need no flags. Ctrl-C drains, stops its nats-server
// and exits 0 with no stack trace; a second run in the same folder starts from fresh state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { CLI, runCli } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

let nats: NatsServer | undefined;
const folders: string[] = [];
/** Demos still running when the file ends (a failed assertion skipped their Ctrl-C). */
const running = new Set<ChildProcess>();
after(async () => {
  // Ctrl-C stops a demo's own nats-server too; a demo that does not go is killed. Left running,
  // its pipes would hold the test process open (and CI with it).
  await Promise.all(
    [...running].map(async (child) => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }),
  );
  await nats?.stop();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function folder(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'colliery-demo-'));
  folders.push(cwd);
  return cwd;
}

interface Demo {
  out(): string;
  /** Resolves once `done` matches the output (or the demo exits); false on exit or 90 s. */
  until(done: RegExp): Promise<boolean>;
  /** Ctrl-C: the exit code. */
  interrupt(): Promise<number>;
}

function demo(cwd: string, args: string[]): Demo {
  const child = spawn(process.execPath, [CLI, 'demo', '--stratum', '127.0.0.1:0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (out += d.toString()));
  running.add(child);
  const exited = new Promise<number>((r) =>
    child.once('exit', (code) => {
      running.delete(child);
      r(code ?? -1);
    }),
  );
  return {
    out: () => out,
    until: async (done) => {
      const deadline = Date.now() + 90_000;
      while (!done.test(out) && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      return done.test(out);
    },
    interrupt: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

test('demo - its own bus, banner and settings file; status, trace and ledger need no flags in its folder; Ctrl-C exits 0 and stops its nats-server', async () => {
  // Another nats-server already runs on this machine: the demo must not use it.
  nats ??= await startNatsServer('demo');
  const cwd = folder();
  const d = demo(cwd, ['--trace-paths']);
  assert.ok(await d.until(/Ctrl-C to stop\./), d.out());
  const banner = /^colliery demo: cluster demo, coin bitcoin-regtest, node demo-1$/m;
  assert.match(d.out(), banner);
  assert.match(d.out(), /^ {2}stratum {2}stratum\+tcp:\/\/127\.0\.0\.1:\d+ {2}\(user: /m);
  assert.match(d.out(), /^ {2}metrics {2}http:\/\/127\.0\.0\.1:\d+\/metrics /m);
  const busUrl = /^ {2}nats {5}(nats:\/\/\S+) {2}\(its own nats-server/m.exec(d.out())?.[1];
  assert.ok(busUrl !== undefined && busUrl !== nats.url, d.out());
  assert.doesNotMatch(d.out(), /moved to/, 'an empty folder has no previous run');
  assert.match(d.out(), /^ {2}look: {4}\S.* status {3}\S.* ledger balances {3}/m);
  const settings = JSON.parse(readFileSync(join(cwd, 'data', 'colliery.json'), 'utf8')) as {
    natsUrls: string[];
    cluster: string;
  };
  assert.deepEqual(settings.natsUrls, [busUrl]);
  const pid = Number(readFileSync(join(cwd, 'data', 'nats', 'nats-server.pid'), 'utf8'));
  assert.ok(alive(pid));

  // `colliery trace`, from another process in the demo's folder, gets the paths the node publishes.
  const traced = runCli(['trace', '--count', '1', '--json'], 120_000, cwd);
  assert.ok(
    await d.until(
      // Two paths (5 s apart): the trace process has been listening for one of them at least.
      /(?=[\s\S]*accepted [1-9]\d* rejected \d+( \([^)]*\))? \| blocks found [1-9])(?=[\s\S]*^share path [\s\S]*^share path )/m,
    ),
    d.out().slice(-2_000),
  );
  const trace = await traced;
  assert.equal(trace.status, 0, trace.stderr);
  assert.match(trace.stderr, /settings from data\/colliery\.json/);
  const published = JSON.parse(trace.stdout) as { type: string; node: string; line: string };
  assert.equal(published.node, 'demo-1');
  assert.ok(d.out().includes(published.line), 'a line the demo printed');
  assert.match(
    d.out(),
    /^share path \(trace [0-9a-f]{8}…, node demo-1\): miner's socket read → Connection \S+ at \+0\.00 ms .* → Share actor at .* → share log record .* → ledger apply .*; \d+\.\d\d ms from the socket to the ledger$/m,
  );
  assert.match(
    d.out(),
    /miners 3 \| shares\/s \d+ \| accepted [1-9]\d* rejected \d+( \([^)]*\))? \| blocks found [1-9]/,
  );
  assert.match(d.out(), /ledger seq [1-9]\d*, credited /);

  const status = await runCli(['status', '--json'], 60_000, cwd);
  assert.equal(status.status, 0, status.stderr);
  const cluster = JSON.parse(status.stdout) as { cluster: string; nodes: { node: string }[] };
  assert.equal(cluster.cluster, 'demo');
  assert.deepEqual(
    cluster.nodes.map((n) => n.node),
    ['demo-1'],
  );

  const code = await d.interrupt();
  assert.equal(code, 0, d.out().slice(-2_000));
  assert.doesNotMatch(d.out(), /\n\s+at |Error:|"level":[5-6]0/, 'no stack trace, no error');
  assert.match(d.out(), /colliery demo: stopped; the ledger stays in /);
  await until('the demo to stop its nats-server', () => !alive(pid), 10_000);

  // After the demo: the ledger, in its folder with no flags, and by --data alone from elsewhere.
  const here = await runCli(['ledger', 'balances', '--json'], 60_000, cwd);
  assert.equal(here.status, 0, here.stderr);
  const elsewhere = await runCli(
    ['ledger', 'balances', '--json', '--data', join(cwd, 'data')],
    60_000,
    folder(),
  );
  assert.equal(elsewhere.status, 0, elsewhere.stderr);
  assert.equal(elsewhere.stdout, here.stdout);
  const balances = JSON.parse(here.stdout) as { accounts: { account: string }[] };
  assert.ok(
    balances.accounts.some((a) => a.account.startsWith('bcrt1q')),
    here.stdout,
  );

  // A second run in the same folder: a new chain, so fresh state, and the old run moved aside.
  const again = demo(cwd, []);
  assert.ok(await again.until(/Ctrl-C to stop\./), again.out());
  assert.match(again.out(), /moved to \S+previous\)/);
  assert.ok(existsSync(join(cwd, 'data', 'previous', 'ledger')));
  assert.ok(await again.until(/ledger seq [1-9]\d*/), again.out().slice(-2_000));
  const firstSeq = Number(/ledger seq (\d+)/.exec(again.out())?.[1]);
  const lastSeqBefore = Math.max(
    ...[...d.out().matchAll(/ledger seq (\d+)/g)].map((m) => Number(m[1])),
  );
  assert.ok(firstSeq < lastSeqBefore, `fresh log: ${firstSeq} < ${lastSeqBefore}`);
  assert.equal(await again.interrupt(), 0, again.out().slice(-2_000));
});

test('demo - the prime demo on a given --nats with --nodes 2: a cluster of its own, miners over both nodes, prime shares and blocks, reads like the hash line, exits 0 on Ctrl-C', async () => {
  nats ??= await startNatsServer('demo');
  const d = demo(folder(), ['--coin', 'primecoin-devnet', '--nats', nats.url, '--nodes', '2']);
  assert.ok(
    await d.until(/accepted [1-9]\d* rejected \d+( \([^)]*\))? \| blocks found [1-9]/),
    d.out().slice(-2_000),
  );
  assert.match(
    d.out(),
    /^colliery demo \(primecoin-devnet\): cluster demo-prime-[0-9a-z]+, coin primecoin-devnet, nodes demo-prime-1, demo-prime-2$/m,
  );
  assert.match(
    d.out(),
    /^ {2}stratum {2}stratum\+tcp:\/\/127\.0\.0\.1:\d+ stratum\+tcp:\/\/127\.0\.0\.1:\d+ {2}\(/m,
  );
  assert.match(
    d.out(),
    new RegExp(`^ {2}nats {5}${nats.url.replace(/\./g, '\\.')} {2}\\(yours`, 'm'),
  );
  assert.match(
    d.out(),
    /miners 3 \| shares\/s \d+ \| accepted [1-9]\d* rejected \d+( \([^)]*\))? \| blocks found [1-9]\d* \| chain height \d+ \| \d+\.\d\dk chains\/s \| ledger seq \d+, credited /,
  );
  assert.equal(await d.interrupt(), 0, d.out().slice(-2_000));
  assert.doesNotMatch(d.out(), /\n\s+at |Error:|"level":[5-6]0/, 'no stack trace, no error');
});
