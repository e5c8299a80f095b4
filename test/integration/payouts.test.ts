// Custodial payouts against the devnet wallet, with the real log and a real LMDB replica:
// matured balances are paid by one sendmany; a leader that dies between sendmany and logging
// the result does not make its successor pay again; a wallet that refuses gives the balances
// back; an unreachable wallet leaves the payout planned until it answers.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';
import { connectNats } from '../../runtime/index.js';
import { startDevnet, type Devnet } from '../../topology/devnet/index.js';
import { LogAppender } from '../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../actors/shared/log-appender-options.js';
import { DEFAULT_LOG_OPTIONS, ensureLogStream } from '../../actors/shared/log-stream.js';
import { LedgerReplica } from '../../actors/ledger/replica.js';
import { PayoutExecutor, payoutComment, type PayoutLedger } from '../../actors/ledger/payouts.js';
import { openLedger } from '../../actors/ledger/store.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { addressToScript, scriptToAddress } from '../../actors/shared/address.js';
import { NETWORKS } from '../../actors/shared/network.js';
import type { LoggedJob } from '../../actors/shared/log-records.js';

const COIN = 'bitcoin-regtest';
const log = pino({ level: 'silent' });
const addr = (byte: number): string =>
  scriptToAddress(
    Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(byte)]),
    NETWORKS.regtest,
  ) as string;
const ALICE = addr(0x21);
const BOB = addr(0x22);

let nats: NatsServer;
let devnet: Devnet;
let nc: NatsConnection;
const dirs: string[] = [];

before(async () => {
  nats = await startNatsServer('payouts');
  devnet = await startDevnet({ walletBalanceSats: 10_000_000_000n });
  nc = await connectNats(nats.url, 'payouts-test');
});
after(async () => {
  await nc.close();
  await devnet.close();
  await nats.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A log with matured credits for ALICE and BOB, a replica following it, and an executor. */
async function setup(cluster: string, walletUrl = devnet.url) {
  await ensureLogStream(nc, { ...DEFAULT_LOG_OPTIONS, cluster });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: COIN, node: 'pool' },
    log,
  );
  const dir = mkdtempSync(join(tmpdir(), 'colliery-payouts-'));
  dirs.push(dir);
  const store = openLedger(dir, { coin: COIN, scheme: 'pplns', feeBps: 100 });
  const replica = new LedgerReplica(nc, store, { cluster, coin: COIN, maxBatch: 100 }, log);
  replica.start();
  const job: LoggedJob = {
    id: 'j',
    height: 10,
    netWeight: 1_000_000n,
    subsidySats: 5_000_000_000n,
    rewardSats: 5_000_000_000n,
  };
  await appender.append([
    { job, account: ALICE, worker: 'a', weight: 600_000, hash: '01'.repeat(32), atMs: 1 },
    { job, account: BOB, worker: 'b', weight: 400_000, hash: '02'.repeat(32), atMs: 2 },
  ]);
  const hash = 'ab'.repeat(32);
  const base = { v: 1, coin: COIN, hash, height: 10 };
  await appender.appendRecord('blocks', {
    ...base,
    type: 'block.found',
    id: `${cluster}:found`,
    jobId: 'j',
    account: ALICE,
    worker: 'a',
    node: 'pool',
    rewardSats: 5_000_000_000n,
    subsidySats: 5_000_000_000n,
    netWeight: 1_000_000n,
    coinbasePaid: [],
    solo: false,
    atMs: 3,
  });
  const seq = await appender.appendRecord('blocks', {
    ...base,
    type: 'block.matured',
    id: `${cluster}:matured`,
    atMs: 4,
  });
  await replica.waitApplied(seq);
  const ledger: PayoutLedger = {
    pendingPayouts: () => store.payouts().filter((p) => p.status === 'pending'),
    planPayout: (o) => store.planPayout(o),
    lastApplied: () => store.lastApplied(),
    waitApplied: (s) => replica.waitApplied(s),
  };
  const executor = (wallet = walletUrl, app = appender) =>
    new PayoutExecutor(
      ledger,
      new CoinRpc({ url: wallet }),
      app,
      {
        cluster,
        coin: COIN,
        thresholdSats: 100_000n,
        maxPayments: 10,
        rpcTimeoutMs: 2_000,
        payable: (a) => {
          try {
            addressToScript(a, NETWORKS.regtest);
            return true;
          } catch {
            return false;
          }
        },
      },
      log,
    );
  return { store, replica, appender, executor };
}

test('payouts - matured balances are paid by one sendmany and the ledger records the txid', async () => {
  const { store, replica, appender, executor } = await setup('pay1');
  const sendsBefore = devnet.wallet.sends.length;
  const alice = store.balance(ALICE)?.matureSats ?? 0n;
  assert.ok(alice > 0n);
  await executor().round();
  const sends = devnet.wallet.sends.slice(sendsBefore);
  assert.equal(sends.length, 1);
  assert.equal(sends[0]?.amounts.get(ALICE), alice);
  const paid = store.payouts().find((p) => p.status === 'sent');
  assert.equal(paid?.txid, sends[0]?.txid);
  assert.equal(sends[0]?.comment, payoutComment(paid?.id ?? ''));
  assert.equal(store.balance(ALICE)?.matureSats, 0n);
  assert.equal(store.balance(ALICE)?.paidSats, alice);
  await executor().round(); // nothing is due any more
  assert.equal(devnet.wallet.sends.length, sendsBefore + 1);
  await appender.close();
  await replica.stop();
});

test('payouts - a leader that dies after sendmany is not followed by a second send', async () => {
  const { store, replica, appender, executor } = await setup('pay2');
  const sendsBefore = devnet.wallet.sends.length;
  // The dying leader: its result record never reaches the log (the process is gone).
  const dying = Object.create(appender) as LogAppender;
  dying.appendRecord = async (kind, record) => {
    if (record.type === 'payout.sent') throw new Error('killed before logging the result');
    return appender.appendRecord(kind, record);
  };
  await assert.rejects(executor(devnet.url, dying).round(), /killed before logging/);
  assert.equal(devnet.wallet.sends.length, sendsBefore + 1, 'the wallet sent once');
  assert.equal(
    store.payouts().filter((p) => p.status === 'pending').length,
    1,
    'the payout is still planned',
  );
  await executor().round(); // the successor settles it from the wallet's own record
  assert.equal(devnet.wallet.sends.length, sendsBefore + 1, 'no second send');
  const sent = store.payouts().find((p) => p.status === 'sent');
  assert.equal(sent?.txid, devnet.wallet.sends.at(-1)?.txid);
  await appender.close();
  await replica.stop();
});

test('payouts - a refusing wallet gives the balances back; an unreachable one leaves it planned', async () => {
  const { store, replica, appender, executor } = await setup('pay3');
  const alice = store.balance(ALICE)?.matureSats ?? 0n;
  const unreachable = 'http://u:p@127.0.0.1:9'; // discard port: nothing listens
  await executor(unreachable).round();
  assert.equal(store.payouts().filter((p) => p.status === 'pending').length, 1);
  assert.equal(store.balance(ALICE)?.pendingSats, alice);
  devnet.wallet.failNext = 1;
  await executor().round();
  const failed = store.payouts().find((p) => p.status === 'failed');
  assert.match(failed?.reason ?? '', /passphrase/);
  assert.equal(store.balance(ALICE)?.matureSats, alice, 'the refused amount is spendable again');
  assert.equal(store.balance(ALICE)?.pendingSats, 0n);
  await until('a later round pays it', async () => {
    await executor().round();
    return store.payouts().some((p) => p.status === 'sent') ? true : undefined;
  });
  await appender.close();
  await replica.stop();
});
