// `colliery miner`, as a miner runs it: a child process against a real pool node (its own
// nats-server and devnet), two search threads, one report line a second. For each family it
// must get shares accepted and find a devnet block the node records as its worker's, print the
// rate and the answers, and exit 0 on Ctrl-C. Bad options exit 2 with one line; a pool that
// cannot be reached is named and retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { scriptToAddress } from '../../actors/shared/address.js';
import { hasCode } from '../../actors/shared/errors.js';
import { PRIME_NETWORKS } from '../../actors/shared/network.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { parseMinerArgs, parsePoolUrl } from '../../topology/commands/miner.js';
import { CLI, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/nats-server.js';
import { startTestNode, startTestPool, TEST_ADDRESS, type TestPool } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const PRIME_ADDRESS = scriptToAddress(
  Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x33), 0x88, 0xac),
  PRIME_NETWORKS['primecoin-devnet'],
) as string;

/** `colliery miner ...` running in a child process; its stdout and stderr as they come. */
function startMiner(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, 'miner', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    out: () => out,
    err: () => err,
    /** Ctrl-C; the exit code. */
    interrupt: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** Mines with `colliery miner` on `pool` until the node records a block by `user`. */
async function mineABlock(pool: TestPool, user: string, coin: string) {
  const rpc = new CoinRpc({ url: pool.devnet.url });
  const startHeight = await rpc.call<number>('getblockcount');
  const url = `stratum+tcp://127.0.0.1:${pool.node.stratumPort}`;
  const miner = startMiner([
    '--url',
    url,
    '--user',
    user,
    '--coin',
    coin,
    '--threads',
    '2',
    '--interval',
    '1',
  ]);
  try {
    const block = await until(
      'a block the devnet took, found by the miner',
      async () =>
        (await pool.node.blocks()).find(
          (b) =>
            b.worker === user && b.status === 'submitted' && Object.values(b.results)[0] === null,
        ),
      150_000,
      250,
    );
    assert.ok((await rpc.call<number>('getblockcount')) > startHeight);
    assert.ok(block.height > startHeight);
    await until(
      'a report line with accepted shares and the block',
      () => /accepted [1-9]\d* rejected \d+.* \| blocks [1-9]/.test(miner.out()) || undefined,
    );
  } finally {
    const code = await miner.interrupt();
    assert.equal(
      code,
      0,
      `exit code; stdout:\n${miner.out().slice(-2000)}\nstderr:\n${miner.err()}`,
    );
  }
  return { out: miner.out(), err: miner.err() };
}

test('miner cli - options: missing or bad ones are named in one line', () => {
  const base = ['--url', '127.0.0.1:3333', '--user', 'a.b'];
  const bad: [string[], RegExp][] = [
    [[], /--url is required/],
    [['--url', '127.0.0.1:3333'], /--user is required/],
    [['--url', 'http://127.0.0.1:3333', '--user', 'a'], /only stratum\+tcp:\/\//],
    [['--url', '127.0.0.1', '--user', 'a'], /needs a host and a port/],
    [['--url', 'stratum+tcp://h:99999', '--user', 'a'], /is not stratum\+tcp/],
    [[...base, '--threads', '0'], /--threads needs a whole number/],
    [[...base, '--threads', 'two'], /--threads needs a whole number/],
    [[...base, '--interval', '0'], /--interval needs a number/],
    [[...base, '--coin', 'dogecoin'], /unknown --coin 'dogecoin'; use one of bitcoin, /],
    [[...base, '--speed', '9'], /unknown option --speed/],
    [[...base, 'extra'], /unexpected argument 'extra'/],
    [['--url', '--user', 'a'], /--url needs a value/],
  ];
  for (const [args, message] of bad) {
    assert.throws(
      () => parseMinerArgs(args),
      (err: unknown) => hasCode(err, 'USAGE') && message.test((err as Error).message),
      args.join(' '),
    );
  }
  const ok = parseMinerArgs([
    ...base,
    '--coin=primecoin-devnet',
    '--threads=3',
    '--password',
    'd=0.01',
  ]);
  assert.deepEqual(
    { ...ok },
    {
      host: '127.0.0.1',
      port: 3333,
      user: 'a.b',
      password: 'd=0.01',
      coin: 'primecoin-devnet',
      family: 'prime',
      threads: 3,
      intervalSec: 5,
    },
  );
  assert.equal(parseMinerArgs(base).family, 'hash');
  assert.equal(parseMinerArgs(base).password, 'x');
  assert.deepEqual(parsePoolUrl('stratum+tcp://[::1]:3334'), { host: '::1', port: 3334 });
  assert.deepEqual(parsePoolUrl('pool.example:3333'), { host: 'pool.example', port: 3333 });
});

test('miner cli - a bad option exits 2 with one line and no stack trace', async () => {
  const r = await runCli(['miner', '--url', '127.0.0.1:3333', '--user', 'a.b', '--threads', '-1']);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /^colliery miner: --threads needs a whole number from 1 to 1024, got '-1'/,
  );
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const help = await runCli(['miner', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: colliery miner --url stratum\+tcp:\/\/HOST:PORT/);
});

test('miner cli - a pool that cannot be reached is named and retried; Ctrl-C exits 0', async (t) => {
  const port = await freePort(); // nothing listens there
  const miner = startMiner(['--url', `127.0.0.1:${port}`, '--user', 'a.b', '--threads', '1']);
  t.after(() => miner.interrupt());
  await until(
    'two failed tries',
    () => (miner.err().match(/cannot reach the pool/g) ?? []).length >= 2 || undefined,
  );
  assert.match(
    miner.err(),
    new RegExp(
      `cannot reach the pool at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); retrying in \\d`,
    ),
  );
  assert.equal(await miner.interrupt(), 0, miner.err());
  assert.doesNotMatch(miner.err(), /\n\s+at /);
  assert.match(
    miner.out(),
    /^colliery miner: stopped after \d+ s on bitcoin \| .* \| accepted 0 rejected 0 \| blocks 0$/m,
  );
});

test(
  'miner cli - the hash miner mines devnet blocks through the pool',
  { timeout: 240_000 },
  async (t) => {
    // Network difficulty 2^-8 (2^24 hashes a block): a few seconds for two threads.
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -8)), txsPerBlock: 3 },
      {
        nodeId: 'm1',
        cluster: 'miner-cli',
        startDifficulty: 2 ** -14,
        minDifficulty: 2 ** -16,
        targetShareSeconds: 1,
      },
    );
    t.after(() => pool.stop());
    const user = `${TEST_ADDRESS}.cli`;
    const { out } = await mineABlock(pool, user, 'bitcoin-regtest');
    assert.match(
      out,
      /^colliery miner: mining bitcoin-regtest at 127\.0\.0\.1:\d+ as \S+\.cli, 2 threads, /m,
    );
    assert.match(
      out,
      /^hashrate \d+(\.\d+)? [kMG]?H\/s \| accepted [1-9]\d* rejected \d+( \(.*\))? \| difficulty [\d.e-]+ \| blocks [1-9]/m,
    );
    assert.match(
      out,
      /^colliery miner: stopped after \d+ s on bitcoin-regtest \| .* hashes, .*H\/s \| accepted [1-9]/m,
    );
  },
);

test(
  'miner cli - the prime miner mines devnet blocks through the pool',
  { timeout: 240_000 },
  async (t) => {
    const pool = await startTestPool(
      { family: 'prime', bits: 0x04000000, txsPerBlock: 2 },
      {
        nodeId: 'p1',
        cluster: 'miner-cli-prime',
        coin: 'primecoin-devnet',
        poolAddress: PRIME_ADDRESS,
        startDifficulty: 3,
        minDifficulty: 2,
        targetShareSeconds: 1,
      },
    );
    t.after(() => pool.stop());
    const user = `${PRIME_ADDRESS}.cli`;
    const { out } = await mineABlock(pool, user, 'primecoin-devnet');
    assert.match(
      out,
      /^chains\/s [\d.]+[kM]? \| accepted [1-9]\d* rejected \d+( \(.*\))? \| share target [\d.]+ \| blocks [1-9]/m,
    );
    assert.match(
      out,
      /^colliery miner: stopped after \d+ s on primecoin-devnet \| .* chains tested, found by length (\d+:\d+ ?)+ \| accepted [1-9]/m,
    );
  },
);

test('miner cli - follows the pool through a restart: told to reconnect, it comes back to the new node', async (t) => {
  const port = await freePort();
  const overrides = {
    cluster: 'miner-cli-restart',
    stratumPort: port,
    startDifficulty: 2 ** -14,
    minDifficulty: 2 ** -16,
    targetShareSeconds: 1,
  };
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)), txsPerBlock: 1 },
    { ...overrides, nodeId: 'r1' },
  );
  const cleanups: (() => Promise<unknown>)[] = [() => pool.stop()];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const miner = startMiner([
    '--url',
    `127.0.0.1:${port}`,
    '--user',
    `${TEST_ADDRESS}.r`,
    '--threads',
    '1',
    '--interval',
    '1',
  ]);
  cleanups.push(() => miner.interrupt());
  const accepted = () => Number(/.*accepted (\d+)/s.exec(miner.out())?.[1] ?? 0);
  await until('shares accepted by the first node', () => accepted() > 0 || undefined);
  await pool.node.stop(); // drains: the miner is told to reconnect
  await until(
    'the miner noticed',
    () => /asked us to reconnect|lost the pool/.test(miner.err()) || undefined,
  );
  const second = await startTestNode(pool.nats, pool.devnet.url, { ...overrides, nodeId: 'r2' });
  cleanups.push(() => second.stop());
  // Shares in flight at the drain are still answered by the first node (its drain grace), so
  // the second node's shares are the ones after the miner says it reconnected.
  await until(
    'the miner reconnected to the second node',
    () => new RegExp(`reconnected to 127\\.0\\.0\\.1:${port}`).test(miner.err()) || undefined,
  );
  const before = accepted();
  await until('shares accepted by the second node', () => accepted() > before || undefined);
  assert.equal(await miner.interrupt(), 0, miner.err());
});
