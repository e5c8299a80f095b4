// Two Colliery nodes in separate OS processes (`colliery start`), one NATS, one devnet: miners
// on both nodes get the same jobs from the single Job leader, and blocks are found and
// accepted from either node.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { until } from '../helpers/until.js';
import { startWhenListening } from '../helpers/miners.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { Runtime, connectNats } from '../../runtime/index.js';
import type { FoundBlock } from '../../actors/block/actor.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const cli = join(repoRoot, 'dist', 'topology', 'cli.js');

function startNodeProcess(args: string[]): {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: () => string;
} {
  const child = spawn(process.execPath, [cli, 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, log: () => out };
}

test(
  'two nodes - miners on both, one Job leader, blocks found from either node',
  { timeout: 180_000 },
  async () => {
    const nats = await startNatsServer();
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -11)) });
    const ports = [await freePort(), await freePort()];
    const nodes = ports.map((port, i) =>
      startNodeProcess([
        '--coin',
        'bitcoin-regtest',
        '--rpc',
        devnet.url,
        '--pool-address',
        ADDRESS,
        '--nats',
        nats.url,
        '--cluster',
        'two',
        '--node-id',
        `node-${i + 1}`,
        '--stratum',
        `127.0.0.1:${port}`,
        '--start-difficulty',
        String(2 ** -14),
        '--share-seconds',
        '1',
        '--verifier-threads',
        '1',
        '--refresh-seconds',
        '2',
        '--data',
        testDataDir(),
        '--log-level',
        'warn',
      ]),
    );
    const client = new Runtime({
      cluster: 'two',
      node: 'test-client',
      log: pino({ level: 'warn' }),
      nc: await connectNats(nats.url, 'test-client'),
    });
    const miners = ports.map(
      (port, i) =>
        new StratumMiner({
          host: '127.0.0.1',
          port,
          username: `${ADDRESS}.rig${i + 1}`,
          hashHeaders,
          maxHashesPerSec: 1_000_000,
        }),
    );
    const jobIds = miners.map(() => new Set<string>());
    miners.forEach((m, i) =>
      m.on('job', (id: string) => jobIds[i]?.add(id.split('.')[0] as string)),
    );
    after(async () => {
      await Promise.all(miners.map((m) => m.stop()));
      for (const n of nodes) n.child.kill('SIGKILL');
      await client.drain();
      await devnet.close();
      await nats.stop();
    });

    // Both nodes accept miners (each retries until its node listens).
    await startWhenListening(miners, 60_000, 250);
    await until(
      'both miners have accepted shares',
      () => miners.every((m) => m.stats.accepted >= 5) || undefined,
      90_000,
    );
    const blocks = await until(
      'blocks found from both nodes',
      async () => {
        const list = await client.ask<FoundBlock[]>(client.address('block', 'bitcoin-regtest'), {
          type: 'block.list',
        });
        const accepted = list.filter((b) => Object.values(b.results).some((r) => r === null));
        const fromNodes = new Set(accepted.map((b) => b.node));
        return fromNodes.has('node-1') && fromNodes.has('node-2') ? accepted : undefined;
      },
      120_000,
      500,
    );
    for (const b of blocks.slice(0, 4)) {
      const info = await fetchBlock(devnet.url, b.hash);
      assert.ok(info.confirmations !== 0, `devnet knows ${b.hash}`);
    }
    // One Job leader: both miners saw jobs from the same issuer (same id sequence).
    const shared = [...(jobIds[0] ?? [])].filter((id) => jobIds[1]?.has(id));
    assert.ok(
      shared.length >= 2,
      `miners on both nodes got the same jobs: ${[...(jobIds[0] ?? [])].join(',')} / ${[...(jobIds[1] ?? [])].join(',')}`,
    );

    // SIGTERM drains each node and exits 0.
    for (const n of nodes) n.child.kill('SIGTERM');
    const codes = await Promise.all(nodes.map((n) => n.exited));
    assert.deepEqual(
      codes,
      [0, 0],
      nodes
        .map((n) => n.log())
        .join('\n---\n')
        .slice(-3000),
    );
  },
);

async function fetchBlock(url: string, hash: string): Promise<{ confirmations: number }> {
  const u = new URL(url);
  const res = await fetch(`${u.protocol}//${u.host}/`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`,
    },
    body: JSON.stringify({ id: 1, method: 'getblock', params: [hash, 1] }),
  });
  return ((await res.json()) as { result: { confirmations: number } }).result;
}
