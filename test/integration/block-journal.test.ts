// kill -9 of a node between submitblock and the block log append, at seeded points (as the coin
// node reads the request, or a few ms later): the block is in the node's journal, and when the
// node starts again on the same data it submits it again (the coin node answers `duplicate`),
// appends it to the block log and hands it to the Block leader. Each block ends up logged found
// and credited once by the ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { LogRecord } from '../../actors/shared/log-records.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { seededRandom } from '../helpers/random.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const CLUSTER = 'blockjournal';
const COIN = 'bitcoin-regtest';

test(
  'block journal - a node killed between submitblock and the block log append logs the block on restart, credited once',
  { timeout: 180_000 },
  async () => {
    const nats = await startNatsServer('block-journal');
    const random = seededRandom(16);
    let victim: ChildProcess | undefined;
    let killAfterMs = -1;
    const devnet = await startDevnet({
      onCall: (method) => {
        if (method !== 'submitblock' || victim === undefined || killAfterMs < 0) return;
        const v = victim;
        if (killAfterMs === 0) v.kill('SIGKILL');
        else setTimeout(() => v.kill('SIGKILL'), killAfterMs);
        killAfterMs = -1;
      },
    });
    const rpc = new CoinRpc({ url: devnet.url });
    const nc = await connect({ servers: nats.url });
    const data = testDataDir();
    const port = await freePort();
    const d = String(2 ** -32);
    let output = '';
    const start = (): ChildProcess => {
      const child = spawn(
        process.execPath,
        [
          cli,
          'start',
          ...['--coin', COIN, '--rpc', devnet.url, '--pool-address', TEST_ADDRESS],
          ...['--nats', nats.url, '--cluster', CLUSTER, '--node-id', 'victim'],
          ...['--stratum', `127.0.0.1:${port}`, '--data', data, '--log-level', 'warn'],
          ...['--start-difficulty', d, '--min-difficulty', d, '--max-difficulty', d],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
      return child;
    };
    const records = async (): Promise<LogRecord[]> => {
      const out: LogRecord[] = [];
      for await (const batch of readLog(nc, {
        cluster: CLUSTER,
        coin: COIN,
        kind: 'blocks',
        fromSeq: 1,
        until: 'end',
        maxBatch: 100,
      }))
        for (const { record } of batch) out.push(record as LogRecord);
      return out;
    };
    let miner: LoadClient | undefined;
    let observer: Awaited<ReturnType<typeof startTestNode>> | undefined;
    const tips: string[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        victim = start();
        const exited = new Promise<void>((r) => victim?.once('exit', () => r()));
        miner = await until(
          'the victim serves miners',
          () =>
            LoadClient.open({
              host: '127.0.0.1',
              port,
              username: `${TEST_ADDRESS}.r${round}`,
              stats: newLoadStats(),
            }).catch(() => undefined),
          60_000,
          200,
        );
        const b = blockSubmit(miner);
        const height = await rpc.call<number>('getblockcount');
        killAfterMs = round === 0 ? 0 : 1 + Math.floor(random() * 20);
        miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
        await exited;
        miner.close();
        miner = undefined;
        await until('the devnet took the block', async () =>
          (await rpc.call<number>('getblockcount')) > height ? true : undefined,
        );
        const tip = await rpc.call<string>('getbestblockhash');
        tips.push(tip);
        const before = (await records()).filter((r) => r.type === 'block.found' && r.hash === tip);
        // Restart on the same data: the journal's entry is submitted again and logged.
        victim = start();
        await until(
          'the restarted node logs the block found',
          async () =>
            (await records()).some((r) => r.type === 'block.found' && r.hash === tip)
              ? true
              : undefined,
          60_000,
          250,
        );
        // Killed as the coin node read the request: no answer, so nothing logged it found.
        if (round === 0) assert.deepEqual(before, [], 'killed before any answer');
        if (before.length === 0)
          assert.match(
            output,
            /journaled blocks not in the block log/,
            'recovered from the journal',
          );
        const stopped = new Promise<void>((r) => victim?.once('exit', () => r()));
        victim.kill('SIGTERM');
        await stopped;
        victim = undefined;
      }
      const all = await records();
      for (const tip of tips)
        assert.ok(
          all.some((r) => r.type === 'block.found' && r.hash === tip),
          `block ${tip} is logged found`,
        );
      // A fresh replica applies the whole log: each block credited once.
      observer = await startTestNode(nats, devnet.url, { cluster: CLUSTER, nodeId: 'observer' });
      const store = observer.node.ledger.store;
      await until('the observer ledger has both blocks', () =>
        tips.every((t) => store.blocks().some((x) => x.hash === t)) ? true : undefined,
      );
      for (const tip of tips)
        assert.equal(store.blocks().filter((x) => x.hash === tip).length, 1, 'credited once');
    } finally {
      miner?.close();
      victim?.kill('SIGKILL');
      await observer?.stop();
      await nc.close();
      await devnet.close();
      await nats.stop();
    }
  },
);
