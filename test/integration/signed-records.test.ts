// Issue #18, signed records: an outsider on the bus publishes share records on the cluster's
// share-log subject — unsigned, signed by a node the cluster does not trust, signed with its
// own key in the name of the honest node, and bytes that are no record at all. Each is
// quarantined by the node's ledger replica and by `colliery ledger verify`: never credited,
// listed by `colliery ledger quarantine`, counted in /metrics; the honest records around them
// are applied as usual, and the next block's bill holds only honest miners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { readLog } from '../../actors/shared/log-reader.js';
import type { ShareBatchRecord } from '../../actors/shared/log-records.js';
import { encodeRecord, logSubject } from '../../actors/shared/log-stream.js';
import { RecordSigner } from '../../actors/shared/log-sign.js';
import { runCli } from '../helpers/cli.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const CLUSTER = 'signed';
const COIN = 'bitcoin-regtest';
const ATTACKER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf7w6e';

test(
  'signed records - forged records on the log are quarantined, never credited; verify agrees and says so',
  { timeout: 240_000 },
  async () => {
    const pool = await startTestPool(
      // A block every ~2^16 hashes: found by blockSubmit below (a search on this thread, so
      // kept short), hardly ever by the few dozen shares.
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -16)) },
      { cluster: CLUSTER, nodeId: 'o1', ...pinnedDifficulty(2 ** -32) },
    );
    const nc = await connect({ servers: pool.nats.url });
    const stats = newLoadStats();
    let miner: LoadClient | undefined;
    try {
      miner = await LoadClient.open({
        host: '127.0.0.1',
        port: pool.node.stratumPort,
        username: `${TEST_ADDRESS}.honest`,
        stats,
      });
      miner.startSubmitting(1);
      await until('honest shares', () => (stats.accepted >= 20 ? true : undefined));
      miner.stopSubmitting();
      const store = pool.node.ledger.store;
      await until('in the ledger', () =>
        store.counters().shares >= stats.accepted ? true : undefined,
      );

      // A genuine record, to copy its job from.
      let genuine: ShareBatchRecord | undefined;
      for await (const batch of readLog(nc, {
        cluster: CLUSTER,
        coin: COIN,
        kind: 'shares',
        fromSeq: 1,
        until: 'end',
        maxBatch: 10,
      }))
        genuine ??= batch[0]?.record as ShareBatchRecord;
      assert.ok(genuine);
      const forged = (id: string, node: string): Uint8Array =>
        encodeRecord({
          ...genuine!,
          id,
          node,
          shares: [{ ...genuine!.shares[0]!, account: ATTACKER, worker: 'x', weight: 600 }],
        });
      const js = jetstream(nc);
      const subject = logSubject(CLUSTER, COIN, 'shares');
      const outsider = new RecordSigner('hostile-1', generateKeyPairSync('ed25519').privateKey);
      const impostor = new RecordSigner('o1', generateKeyPairSync('ed25519').privateKey);
      const unsigned = forged('hostile-1:x:1', 'hostile-1');
      await js.publish(subject, unsigned);
      const untrusted = forged('hostile-1:x:2', 'hostile-1');
      await js.publish(subject, untrusted, { headers: outsider.headers(untrusted) });
      const inOurName = forged('o1:x:3', 'o1');
      await js.publish(subject, inOurName, { headers: impostor.headers(inOurName) });
      await js.publish(subject, Uint8Array.of(0xc1, 0xff, 0x00));

      // Honest work after the forgeries, then a block: its window covers all of them.
      const before = stats.accepted;
      miner.startSubmitting(1);
      await until('more honest shares', () => (stats.accepted >= before + 20 ? true : undefined));
      miner.stopSubmitting();
      await until('four quarantined', () => (store.counters().quarantined >= 4 ? true : undefined));
      assert.deepEqual(
        store.quarantine().map((q) => q.reason),
        [
          'unsigned',
          'node hostile-1 has no trusted key',
          'bad signature',
          store.quarantine()[3]!.reason,
        ],
      );
      assert.match(store.quarantine()[3]!.reason, /^not a valid record/);
      assert.ok(
        store.balances().every((b) => b.account !== ATTACKER),
        'the attacker has no balance',
      );
      await until('every honest share applied', () =>
        store.counters().shares === stats.accepted ? true : undefined,
      );
      const st = await pool.node.status();
      assert.equal(st.ledger?.quarantined, 4);

      const flags = [
        '--data',
        pool.cfg.dataDir,
        '--nats',
        pool.nats.url,
        '--cluster',
        CLUSTER,
        '--coin',
        COIN,
        '--node-id',
        'o1',
      ];
      const listed = await runCli(['ledger', 'quarantine', ...flags]);
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /4 log record\(s\) quarantined/);
      assert.match(
        listed.stdout,
        /hostile-1 +shares +1 +hostile-1:x:2 +node hostile-1 has no trusted key/,
      );
      const verify = await runCli(['ledger', 'verify', ...flags]);
      assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /4 log record\(s\) quarantined, never credited/);
      assert.match(verify.stdout, /ledger verified/);

      // A block now: its bill's window covers the forged records, and holds the honest
      // miner's shares only.
      const rpc = new CoinRpc({ url: pool.devnet.url });
      const height = await rpc.call<number>('getblockcount');
      const b = blockSubmit(miner);
      miner.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
      await until('the block', async () =>
        (await rpc.call<number>('getblockcount')) > height ? true : undefined,
      );
      const found = await until('credited', () => store.blocks()[0]);
      const bill = store.bill(found.hash);
      assert.ok(bill);
      assert.deepEqual(
        bill.lines.filter((l) => !l.account.startsWith('@')).map((l) => l.account),
        [TEST_ADDRESS],
      );
      assert.ok(store.balances().every((x) => x.account !== ATTACKER));
    } finally {
      miner?.close();
      await nc.close();
      await pool.stop();
    }
  },
);
