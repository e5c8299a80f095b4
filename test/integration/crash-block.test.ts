// Kill -9 the Block leader while its coin node is checking a block it found: the block log
// already holds the leader's intent (block.submitted, appended as the request left, credited by
// nobody), and the node that takes over asks the coin node, finds the block on its chain,
// appends block.found for the victim's finder and follows it. The devnet holds its answer for
// 50 ms, as bitcoind does over a full block, and the victim dies in that time.
import { generateKeyPairSync } from 'node:crypto';
import { RecordSigner } from '../../actors/shared/log-sign.js';
import { openNodeKeys } from '../../topology/node-keys.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { BlockFoundRecord, LogRecord } from '../../actors/shared/log-records.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { LogAppender } from '../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../actors/shared/log-appender-options.js';
import { blockRecord } from '../../actors/block/log.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { ensureLogStream, DEFAULT_LOG_OPTIONS } from '../../actors/shared/log-stream.js';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const CLUSTER = 'crashblock';

test('crash - a block found by a node killed while the coin node checks it is resolved by the next leader, logged and followed', async () => {
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
    const b = blockSubmit(miner);
    const height = await rpc.call<number>('getblockcount');
    miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
    await exited;
    assert.equal(submits, 1, 'the victim submitted the block and was killed meanwhile');
    await until('the devnet took the block', async () =>
      (await rpc.call<number>('getblockcount')) > height ? true : undefined,
    );
    const tip = await rpc.call<string>('getbestblockhash');

    const records = async (type: LogRecord['type']): Promise<BlockFoundRecord[]> => {
      const out: BlockFoundRecord[] = [];
      for await (const batch of readLog(nc, {
        cluster: CLUSTER,
        coin: 'bitcoin-regtest',
        kind: 'blocks',
        fromSeq: 1,
        until: 'end',
        maxBatch: 100,
      }))
        for (const { record } of batch)
          if ((record as LogRecord).type === type) out.push(record as BlockFoundRecord);
      return out;
    };
    const summary = (rs: BlockFoundRecord[]) =>
      rs.map((r) => [r.hash, r.height, r.account, r.worker, r.node]);
    const expected = [[tip, height + 1, TEST_ADDRESS, 'lucky', 'victim']];
    assert.deepEqual(summary(await records('block.submitted')), expected, 'the intent is logged');
    assert.deepEqual(await records('block.found'), [], 'the victim died before logging it found');

    // The next Block leader (after the victim's lease runs out) follows it from the log.
    survivor = await startTestNode(
      nats,
      devnet.url,
      { cluster: CLUSTER, nodeId: 'survivor' },
      { followMs: 200 },
    );
    const node = survivor.node;
    const followed = await until(
      'the survivor follows the block',
      async () =>
        (await node.blocks().catch(() => [])).find(
          (b) => b.hash === tip && b.status !== 'unresolved',
        ),
      30_000,
      200,
    );
    assert.equal(followed.status, 'submitted');
    const found = await until('the survivor logs it found', async () => {
      const rs = await records('block.found');
      return rs.length > 0 ? rs : undefined;
    });
    assert.deepEqual(summary(found), expected, "found, credited to the victim's finder");
  } finally {
    miner?.close();
    victim?.kill('SIGKILL');
    await survivor?.stop();
    await nc.close();
    await devnet.close();
    await nats.stop();
  }
});

test('crash - an intent no coin node has is resolved as rejected', async () => {
  const nats = await startNatsServer('crash-block-rejected');
  const devnet = await startDevnet({});
  const nc = await connect({ servers: nats.url });
  let node: Awaited<ReturnType<typeof startTestNode>> | undefined;
  try {
    // A leader that died while its nodes refused a block left only its intent.
    const cluster = 'crashrejected';
    await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
    // The dead leader's key was trusted by the cluster: its records are followed.
    const signer = new RecordSigner('gone', generateKeyPairSync('ed25519').privateKey);
    await (await openNodeKeys(nc, cluster)).put('gone', signer.publicKey);
    const appender = new LogAppender(
      nc,
      { ...DEFAULT_APPENDER, cluster, coin: 'bitcoin-regtest', node: 'gone', signer },
      pino({ level: 'silent' }),
    );
    const hash = '7e'.repeat(32);
    const intent = blockRecord(
      'submitted',
      {
        hash,
        height: 1,
        jobId: '1x1',
        worker: `${TEST_ADDRESS}.w`,
        account: TEST_ADDRESS,
        workerName: 'w',
        netWeight: 2n,
        subsidySats: 5_000_000_000n,
        coinbasePaid: [],
        solo: false,
        node: 'gone',
        coinbaseValueSats: 5_000_000_000n,
        foundAtMs: 1,
        submittedAtMs: 1,
        results: {},
        status: 'submitted',
        confirmations: 0,
      },
      'bitcoin-regtest',
      1,
    );
    await appender.appendRecord('blocks', intent);
    await appender.close();
    node = await startTestNode(nats, devnet.url, { cluster, nodeId: 'next' }, { followMs: 200 });
    const types = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const batch of readLog(nc, {
        cluster,
        coin: 'bitcoin-regtest',
        kind: 'blocks',
        fromSeq: 1,
        until: 'end',
        maxBatch: 100,
      }))
        for (const { record } of batch) out.push((record as LogRecord).type);
      return out;
    };
    assert.deepEqual(
      await until('the next leader resolves the intent', async () => {
        const t = await types();
        return t.length > 1 ? t : undefined;
      }),
      ['block.submitted', 'block.rejected'],
    );
    const n = node.node;
    const listed = await until('the leader lists it rejected', async () =>
      (await n.blocks().catch(() => [])).find((b) => b.hash === hash),
    );
    assert.equal(listed.status, 'rejected');
  } finally {
    await node?.stop();
    await nc.close();
    await devnet.close();
    await nats.stop();
  }
});
