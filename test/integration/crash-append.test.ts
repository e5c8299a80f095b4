// Kill -9 a node while its miners' shares are between verification and the log: every share a
// miner was told "accepted" is in the share log. Seeded kill points; each round a fresh
// `colliery start` process, the same NATS server and log, the same devnet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { seededRandom } from '../helpers/random.js';
import { until } from '../helpers/until.js';
import { startWhenListening } from '../helpers/miners.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { readLog } from '../../actors/shared/log-reader.js';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const ROUNDS = 5;

function startNode(args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, [cli, 'start', ...args], { stdio: 'ignore' });
  return { child, exited: new Promise((r) => child.once('exit', () => r())) };
}

test(
  'crash - no share a miner was told "accepted" is missing from the log after kill -9',
  { timeout: 300_000 },
  async () => {
    const random = seededRandom(20261123);
    const nats = await startNatsServer('crash');
    const devnet = await startDevnet({ bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 4)) });
    const nc = await connect({ servers: nats.url });
    after(async () => {
      await nc.close();
      await devnet.close();
      await nats.stop();
    });
    const acked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const port = await freePort();
      const node = startNode([
        '--coin',
        'bitcoin-regtest',
        '--rpc',
        devnet.url,
        '--pool-address',
        ADDRESS,
        '--nats',
        nats.url,
        '--cluster',
        'crash',
        '--node-id',
        'victim',
        '--stratum',
        `127.0.0.1:${port}`,
        '--start-difficulty',
        String(2 ** -14),
        '--min-difficulty',
        String(2 ** -14),
        '--max-difficulty',
        String(2 ** -14),
        '--verifier-threads',
        '1',
        // The next round's node waits out the leases the killed one held before its miners get
        // work: 2 s, as the in-process test pools use, rather than the default 5 s.
        '--lease-ttl-seconds',
        '2',
        '--data',
        testDataDir(),
        '--log-level',
        'warn',
      ]);
      const miners = [1, 2, 3].map(
        (i) =>
          new StratumMiner({
            host: '127.0.0.1',
            port,
            username: `${ADDRESS}.r${round}m${i}`,
            hashHeaders,
            maxHashesPerSec: 2_000_000,
          }),
      );
      for (const m of miners)
        m.on('accepted', (hash: string | undefined) => hash && acked.add(hash));
      await startWhenListening(miners, 60_000, 200);
      const before = acked.size;
      await until('shares flow', () => acked.size >= before + 20 || undefined, 60_000, 20);
      // Kill somewhere in the next 0–1.5 s of steady share flow.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 1_500)));
      node.child.kill('SIGKILL');
      await node.exited;
      await Promise.all(miners.map((m) => m.stop()));
    }
    const logged = new Set<string>();
    for await (const batch of readLog(nc, {
      cluster: 'crash',
      coin: 'bitcoin-regtest',
      kind: 'shares',
      fromSeq: 1,
      until: 'end',
      maxBatch: 500,
    })) {
      for (const e of batch)
        for (const s of (e.record as ShareBatchRecord).shares) logged.add(s.hash);
    }
    const missing = [...acked].filter((h) => !logged.has(h));
    assert.ok(acked.size >= ROUNDS * 20, `miners were told "accepted" ${acked.size} times`);
    assert.deepEqual(
      missing,
      [],
      `${missing.length} of ${acked.size} accepted shares are not in the log`,
    );
  },
);
