// One machine's node as two processes (`colliery start --processes 2`, topology/processes.ts):
// each process binds the one Stratum port (SO_REUSEPORT) and the kernel spreads miners over
// both; each process is a node of the
// cluster (`n1` with the ledger replica, `n1-p1` without) and appends its own shares. A process
// killed with -9 is started again and its miners come back through the same port; SIGTERM to
// the supervisor drains both and it exits 0. Every share a miner heard accepted is in the log
// once, and `colliery ledger verify` of n1's replica passes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, Server, type Socket } from 'node:net';
import { bindReusePort, hashHeaders } from '../../native/index.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { clusterStatus } from '../../topology/commands/status.js';
import type { NodeStatus } from '../../topology/status.js';
import { runCli } from '../helpers/cli.js';
import { assertAckedLoggedOnce, loggedShareLog } from '../helpers/logged-shares.js';
import { freePort, freePortRun, startNatsServer } from '../helpers/nats-server.js';
import { httpGet } from '../helpers/http-get.js';
import { testDataDir } from '../helpers/paths.js';
import { TEST_ADDRESS } from '../helpers/pool.js';
import { CLI, isRunning, spawnChild } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const CLUSTER = 'procs';

/** The processes whose parent is `pid`, by their COLLIERY_PROCESS index. */
function processesOf(pid: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const k = env.find((e) => e.startsWith('COLLIERY_PROCESS='));
      if (k) found.set(Number(k.split('=')[1]), Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test(
  'processes - one node as two processes shares its Stratum port; a killed one comes back; SIGTERM drains both',
  { timeout: 180_000 },
  async () => {
    const nats = await startNatsServer();
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) });
    const port = await freePort();
    const metrics = await freePortRun(2);
    const data = testDataDir();
    const common = ['--nats', nats.url, '--cluster', CLUSTER, '--coin', 'bitcoin-regtest'];
    const node = spawnChild([
      CLI,
      'start',
      ...common,
      ...['--rpc', devnet.url, '--pool-address', TEST_ADDRESS, '--node-id', 'n1'],
      ...['--data', data, '--stratum', `127.0.0.1:${port}`, '--processes', '2'],
      ...['--metrics', `127.0.0.1:${metrics}`],
      ...['--start-difficulty', String(2 ** -16), '--min-difficulty', String(2 ** -16)],
      ...['--max-difficulty', String(2 ** -16), '--verifier-threads', '1', '--log-level', 'warn'],
    ]);
    const miners: StratumMiner[] = [];
    after(async () => {
      for (const m of miners) await m.stop();
      await node.kill();
      await devnet.close();
      await nats.stop();
    });

    const statuses = async (): Promise<NodeStatus[]> =>
      (await clusterStatus([nats.url], CLUSTER)).nodes.filter(
        (n): n is NodeStatus => !('error' in n),
      );
    await until(
      'both processes are nodes of the cluster',
      async () => {
        const ids = (await statuses()).map((s) => s.node).sort();
        return ids.join(',') === 'n1,n1-p1' ? true : undefined;
      },
      60_000,
    );

    // Each process serves its own /metrics: process k on the metrics port + k.
    for (const [k, id] of [
      [0, 'n1'],
      [1, 'n1-p1'],
    ] as const) {
      const got = await httpGet(metrics + k, '/metrics');
      assert.equal(got.status, 200);
      assert.match(got.body, new RegExp(`^colliery_node_info\\{node="${id}",`, 'm'));
    }

    const acked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = new StratumMiner({
        host: '127.0.0.1',
        port,
        username: `${TEST_ADDRESS}.m${i}`,
        hashHeaders,
        maxHashesPerSec: 100_000,
        persistent: true,
      });
      m.on('accepted', (hash: string | undefined) => hash && acked.push(hash));
      miners.push(m);
      await m.start();
    }
    // The kernel spreads connections over both processes' listeners by a hash of their
    // addresses: the six miners land as it falls, and 32 more bare connections reach both.
    const byNode = async (): Promise<Record<string, number>> =>
      Object.fromEntries((await statuses()).map((s) => [s.node, s.connections]));
    const dealt = await until('the miners are connected', async () => {
      const counts = await byNode();
      return (counts['n1'] ?? 0) + (counts['n1-p1'] ?? 0) === 6 ? counts : undefined;
    });
    const held = Object.keys(dealt).filter((id) => (dealt[id] ?? 0) > 0);
    const bare = await Promise.all(
      Array.from({ length: 32 }, () => connectedSocket('127.0.0.1', port)),
    );
    const spread = await until('38 connections over both processes', async () => {
      const counts = await byNode();
      return (counts['n1'] ?? 0) + (counts['n1-p1'] ?? 0) === 38 ? counts : undefined;
    });
    assert.ok(spread['n1']! > 0 && spread['n1-p1']! > 0, JSON.stringify(spread));
    for (const socket of bare) socket.destroy();
    await until('every miner has shares accepted', () =>
      miners.every((m) => m.stats.accepted >= 2) ? true : undefined,
    );

    // kill -9 of process 1: the supervisor starts it again; its miners reconnect to the port.
    const before = processesOf(node.pid);
    assert.deepEqual([...before.keys()].sort(), [0, 1]);
    process.kill(before.get(1)!, 'SIGKILL');
    await until(
      'process 1 runs again, and every miner is connected',
      async () => {
        const now = processesOf(node.pid);
        if (now.get(1) === undefined || now.get(1) === before.get(1)) return undefined;
        const counts = await byNode().catch(() => ({}) as Record<string, number>);
        const total = Object.values(counts).reduce((t, n) => t + n, 0);
        return counts['n1-p1'] !== undefined && total === 6 ? true : undefined;
      },
      90_000,
    );
    assert.equal(processesOf(node.pid).get(0), before.get(0), 'process 0 was not touched');
    const atRestart = miners.map((m) => m.stats.accepted);
    await until('every miner has more shares accepted', () =>
      miners.every((m, i) => m.stats.accepted >= atRestart[i]! + 2) ? true : undefined,
    );

    // SIGTERM to the supervisor: both processes drain, and it exits 0.
    const exited = new Promise<number | null>((r) => node.child.once('exit', (code) => r(code)));
    node.child.kill('SIGTERM');
    assert.equal(await exited, 0, node.log());
    assert.deepEqual([...processesOf(node.pid).keys()], [], 'no process is left');
    for (const m of miners) await m.stop();

    // Each process appended its own shares; none a miner heard accepted is missing or doubled.
    const { shares: logged, nodes } = await loggedShareLog(nats.url, CLUSTER);
    for (const id of held) assert.ok(nodes.has(id), `${id} held miners and logged their shares`);
    assert.ok(
      [...nodes].every((id) => id === 'n1' || id === 'n1-p1'),
      [...nodes].join(),
    );
    const total = assertAckedLoggedOnce(logged, acked);

    // n1's replica (process 0 kept the ledger) agrees with the log.
    const verify = await runCli([
      'ledger',
      'verify',
      '--json',
      ...common,
      '--data',
      data,
      '--node-id',
      'n1',
    ]);
    assert.equal(verify.status, 0, verify.stderr + verify.stdout);
    const report = JSON.parse(verify.stdout) as { ok: boolean; shares: number };
    assert.equal(report.ok, true);
    assert.equal(report.shares, total);
  },
);

/** A TCP connection to host:port, once connected. */
function connectedSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => resolve(socket));
    socket.once('error', reject);
  });
}

test('processes - when the supervisor is killed its processes stop too: at once while waiting for the bus, by a drain once serving', async () => {
  const nats = await startNatsServer();
  after(() => nats.stop());
  const started = async (natsUrl: string) => {
    const node = spawnChild([
      CLI,
      'start',
      ...['--nats', natsUrl, '--cluster', 'orphans', '--coin', 'bitcoin-regtest'],
      ...['--rpc', `http://u:p@127.0.0.1:${await freePort()}/`, '--pool-address', TEST_ADDRESS],
      ...['--data', testDataDir(), '--stratum', '127.0.0.1:0', '--processes', '2'],
      ...['--verifier-threads', '1', '--log-level', 'warn'],
    ]);
    after(() => node.kill());
    const kids = await until('both processes run', () => {
      const found = processesOf(node.pid);
      return found.size === 2 ? [...found.values()] : undefined;
    });
    return { node, kids };
  };
  const gone = (pids: number[]) => () => pids.every((pid) => !isRunning(pid)) || undefined;

  // No bus: the processes wait for it; with their supervisor gone they exit at once.
  const waiting = await started(`nats://127.0.0.1:${await freePort()}`);
  await waiting.node.kill();
  await until('the waiting processes exit', gone(waiting.kids), 15_000);

  // Serving: they drain (the bus sees them leave) and exit.
  const serving = await started(nats.url);
  await until('both processes are nodes of the cluster', async () => {
    const status = await clusterStatus([nats.url], 'orphans').catch(() => undefined);
    return status?.nodes.length === 2 || undefined;
  });
  await serving.node.kill();
  await until('the serving processes drain and exit', gone(serving.kids), 60_000);
  assert.match(serving.node.log(), /the supervisor is gone: draining/);
});

test('processes - a Stratum port another node of several processes listens on is refused by the supervisor, not shared', async () => {
  // What a second `colliery start --processes 2` on the same port would find: a listener with
  // SO_REUSEPORT, which the kernel would let its processes join without a word.
  const other = new Server((socket) => socket.destroy());
  const taken = bindReusePort('127.0.0.1', 0, true, 16);
  other.listen({ fd: taken.fd }, 16);
  after(() => other.close());
  const node = spawnChild([
    CLI,
    'start',
    ...['--nats', `nats://127.0.0.1:${await freePort()}`, '--cluster', 'taken'],
    ...['--coin', 'bitcoin-regtest', '--rpc', 'http://u:p@127.0.0.1:1/'],
    ...['--pool-address', TEST_ADDRESS, '--data', testDataDir()],
    ...['--stratum', `127.0.0.1:${taken.port}`, '--processes', '2', '--log-level', 'warn'],
  ]);
  after(() => node.kill());
  const code = await new Promise<number | null>((r) => node.child.once('exit', (c) => r(c)));
  assert.equal(code, 1, node.log());
  assert.match(node.log(), new RegExp(`Stratum port 127\\.0\\.0\\.1:${taken.port} is taken`));
});
