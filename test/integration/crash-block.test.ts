// Kill -9 the Block leader while its coin node is checking a block it found: the block log
// already holds the block (recorded when submitblock was written, not when the node answered),
// and the node that takes over follows it. The devnet holds its answer for 50 ms, as bitcoind
// does over a full block, and the victim dies in that time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { BlockFoundRecord, LogRecord } from '../../actors/ledger/records.js';
import { hashMeetsTarget, targetFromBits } from '../../actors/shared/target.js';
import { hashHeaders } from '../../native/index.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { readLog } from '../../topology/log/reader.js';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { headerFor, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const CLUSTER = 'crashblock';

test('crash - a block found by a node killed while the coin node checks it is in the block log and followed', async () => {
  const nats = await startNatsServer('crash-block');
  let victim: ReturnType<typeof spawn> | undefined;
  let submits = 0;
  const devnet = await startDevnet({
    onCall: (method) => {
      if (method !== 'submitblock' || victim === undefined) return;
      submits++;
      const end = Date.now() + 50; // the devnet "validates" (this process is blocked)
      while (Date.now() < end);
      victim.kill('SIGKILL');
    },
  });
  const rpc = new CoinRpc({ url: devnet.url });
  const nc = await connect({ servers: nats.url });
  let miner: LoadClient | undefined;
  let survivor: Awaited<ReturnType<typeof startTestNode>> | undefined;
  try {
    const port = await freePort();
    const d = String(2 ** -32);
    victim = spawn(
      process.execPath,
      [
        cli,
        'start',
        ...['--coin', 'bitcoin-regtest', '--rpc', devnet.url, '--pool-address', TEST_ADDRESS],
        ...['--nats', nats.url, '--cluster', CLUSTER, '--node-id', 'victim'],
        ...['--stratum', `127.0.0.1:${port}`, '--data', testDataDir(), '--log-level', 'warn'],
        ...['--start-difficulty', d, '--min-difficulty', d, '--max-difficulty', d],
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => victim?.once('exit', () => r()));
    miner = await until(
      'the victim serves miners',
      () =>
        LoadClient.open({
          host: '127.0.0.1',
          port,
          username: `${TEST_ADDRESS}.lucky`,
          stats: newLoadStats(),
        }).catch(() => undefined),
      60_000,
      200,
    );
    const notify = miner.notify as unknown[];
    const target = targetFromBits(parseInt(String(notify[6]), 16));
    const en2 = '00'.repeat(miner.extranonce2Size);
    let nonce = 0;
    while (!hashMeetsTarget(hashHeaders(headerFor(notify, miner.extranonce1, en2, nonce)), target))
      nonce++;
    const height = await rpc.call<number>('getblockcount');
    miner.sendSubmit(String(notify[0]), en2, String(notify[7]), nonce);
    await exited;
    assert.equal(submits, 1, 'the victim submitted the block and was killed meanwhile');
    await until('the devnet took the block', async () =>
      (await rpc.call<number>('getblockcount')) > height ? true : undefined,
    );
    const tip = await rpc.call<string>('getbestblockhash');

    const found: BlockFoundRecord[] = [];
    for await (const batch of readLog(nc, {
      cluster: CLUSTER,
      coin: 'bitcoin-regtest',
      kind: 'blocks',
      fromSeq: 1,
      until: 'end',
      maxBatch: 100,
    }))
      for (const { record } of batch)
        if ((record as LogRecord).type === 'block.found') found.push(record as BlockFoundRecord);
    assert.deepEqual(
      found.map((r) => [r.hash, r.height, r.account, r.worker, r.node]),
      [[tip, height + 1, TEST_ADDRESS, 'lucky', 'victim']],
      'the block log has the block the victim found',
    );

    // The next Block leader (after the victim's lease runs out) follows it from the log.
    survivor = await startTestNode(nats, devnet.url, { cluster: CLUSTER, nodeId: 'survivor' });
    const node = survivor.node;
    const followed = await until(
      'the survivor follows the block',
      async () => (await node.blocks().catch(() => [])).find((b) => b.hash === tip),
      30_000,
      200,
    );
    assert.equal(followed.status, 'submitted');
  } finally {
    miner?.close();
    victim?.kill('SIGKILL');
    await survivor?.stop();
    await nc.close();
    await devnet.close();
    await nats.stop();
  }
});
