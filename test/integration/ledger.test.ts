// The ledger end to end on the devnet: shares and blocks flow through the log into the node's
// LMDB replica; blocks mature after the maturity depth and their credits become spendable; the
// next blocks pay those balances straight from the coinbase (accepted by the devnet), the ledger
// debits exactly what the coinbase paid, and `colliery ledger verify|balances|bill` agree.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { addressToScript, scriptToAddress } from '../../actors/shared/address.js';
import { bytesToHex, hexToBytes } from '../../actors/shared/hex.js';
import { NETWORKS } from '../../actors/shared/network.js';
import { readTransaction } from '../../actors/shared/transaction.js';
import { ByteReader } from '../../actors/shared/byte-reader.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { until } from '../helpers/until.js';
import { runCli } from '../helpers/cli.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import type { AccountBalance } from '../../actors/ledger/store.js';
import type { BlockBill } from '../../actors/ledger/bill.js';

// A second regtest P2WPKH address (witness program 0x11 × 20).
const SECOND = scriptToAddress(
  Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0x11)]),
  NETWORKS.regtest,
) as string;

test(
  'ledger - credits mature, the coinbase pays balances, the devnet accepts it and verify passes',
  { timeout: 240_000 },
  async () => {
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -10)), txsPerBlock: 2 },
      {
        nodeId: 'n1',
        cluster: 'ledger',
        startDifficulty: 2 ** -12,
        minDifficulty: 2 ** -16,
        targetShareSeconds: 1,
        payouts: 'coinbase',
        minPayoutSats: 10_000n,
        maxCoinbaseOutputs: 4,
        feeBps: 150,
        payoutScheme: 'pplns',
        metrics: { host: '127.0.0.1', port: 0 },
      },
      // Maturity shortened to 5 confirmations: mining 100 devnet blocks at this difficulty takes minutes.
      { followMs: 200, maturity: 5 },
    );
    const { node, devnet, cfg } = pool;
    const miners = [TEST_ADDRESS, SECOND].map(
      (address, i) =>
        new StratumMiner({
          host: '127.0.0.1',
          port: node.stratumPort,
          username: `${address}.rig${i}`,
          hashHeaders,
          maxHashesPerSec: 1_000_000,
        }),
    );
    after(async () => {
      await Promise.all(miners.map((m) => m.stop()));
      await pool.stop();
    });
    const store = node.ledger.store;
    const rpc = new CoinRpc({ url: devnet.url });
    for (const m of miners) await m.start();
    await until(
      'two blocks in the ledger',
      () => (store.blocks().length >= 2 ? true : undefined),
      120_000,
    );

    // Every block's bill conserves its reward to the satoshi.
    for (const b of store.blocks()) {
      const bill = store.bill(b.hash);
      assert.ok(bill, `bill for ${b.hash}`);
      const total = bill.lines.reduce((sum, l) => sum + l.creditSats, 0n);
      assert.equal(total, bill.rewardSats, `bill ${b.hash} sums to its reward`);
    }
    // Whichever miner the windows credited (the first blocks may come before one has a share).
    const immature = (a: string): bigint => store.balance(a)?.immatureSats ?? 0n;
    const credited = immature(TEST_ADDRESS) >= immature(SECOND) ? TEST_ADDRESS : SECOND;
    assert.ok(immature(credited) > 0n, 'a miner has immature credit');

    // The miners keep finding blocks: after 5 confirmations the Block actor logs block.matured,
    // the credits become mature, and the next jobs pay them from the coinbase.
    let before = new Map<string, AccountBalance>();
    const paying = (): BlockBill | undefined =>
      store
        .blocks()
        .map((b) => store.bill(b.hash))
        .find((bill) => bill !== undefined && bill.coinbasePaid.length > 0);
    node.ledger.onApplied(() => {
      if (paying() === undefined) before = new Map(store.balances().map((x) => [x.account, x]));
    });
    await until(
      'credits mature',
      () => ((store.balance(credited)?.matureSats ?? 0n) > 0n ? true : undefined),
      120_000,
    );
    const paidBlock = await until('a block whose coinbase pays miners', paying, 120_000);
    await Promise.all(miners.map((m) => m.stop()));
    const raw = await rpc.call<string>('getblock', [paidBlock.hash, 0]);
    const coinbase = coinbaseOutputs(raw);
    for (const p of paidBlock.coinbasePaid) {
      const script = bytesToHex(addressToScript(p.account, NETWORKS.regtest).script);
      assert.equal(
        coinbase.get(script),
        p.sats,
        `the devnet block pays ${p.account} what the ledger says`,
      );
      const was = before.get(p.account);
      assert.ok(was, `${p.account} had a balance before the paying block`);
      assert.ok(was.matureSats >= p.sats, `${p.account} is paid no more than its mature balance`);
      const now = store.balance(p.account)?.paidSats ?? 0n;
      assert.ok(now >= was.paidSats + p.sats, `${p.account}: paid grows by the coinbase amount`);
    }

    // The CLI, as an operator runs it while the node is up.
    const common = [
      '--data',
      cfg.dataDir,
      '--nats',
      pool.nats.url,
      '--cluster',
      'ledger',
      '--coin',
      'bitcoin-regtest',
      '--node-id',
      'n1',
      '--fee-bps',
      '150',
      '--payout-scheme',
      'pplns',
    ];
    const verify = await runCli(['ledger', 'verify', ...common]);
    assert.equal(verify.status, 0, `ledger verify: ${verify.stdout}${verify.stderr}`);
    assert.match(verify.stdout, /ledger verified/);
    const balances = await runCli(['ledger', 'balances', '--json', ...common]);
    assert.equal(balances.status, 0, balances.stderr);
    const parsed = JSON.parse(balances.stdout) as {
      accounts: { account: string; paidSats: string }[];
    };
    assert.ok(parsed.accounts.some((a) => a.account === credited));
    const bill = await runCli(['ledger', 'bill', String(paidBlock.height), ...common]);
    assert.equal(bill.status, 0, bill.stderr);
    assert.match(bill.stdout, new RegExp(paidBlock.hash));
    // The node's JSON API answers from the same ledger: the bill is the CLI's, to the satoshi.
    const api = async (
      path: string,
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const r = await fetch(`http://127.0.0.1:${node.metricsPort}${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const cliBill = await runCli(['ledger', 'bill', paidBlock.hash, '--json', ...common]);
    const apiBill = await api(`/api/blocks/${paidBlock.hash}`);
    assert.equal(apiBill.status, 200);
    assert.deepEqual(apiBill.body['bill'], JSON.parse(cliBill.stdout));
    const byHeight = await api(`/api/blocks/${paidBlock.height}`);
    assert.equal((byHeight.body['bill'] as { hash: string }).hash, paidBlock.hash);
    // An account that block's coinbase paid (not necessarily the one credited first).
    const paidAccount = paidBlock.coinbasePaid[0]?.account ?? credited;
    const account = await api(`/api/accounts/${encodeURIComponent(paidAccount)}`);
    assert.equal(account.status, 200);
    const balance = account.body['balance'] as { account: string; paidSats: string };
    assert.equal(balance.account, paidAccount);
    assert.match(balance.paidSats, /^[1-9]\d*$/, 'paid, in base units as a decimal string');
    const blocks = await api('/api/blocks?limit=1000');
    assert.ok((blocks.body['blocks'] as { hash: string }[]).some((b) => b.hash === paidBlock.hash));
    assert.equal((await api('/api/accounts/nobody')).status, 404);
    assert.equal((await api('/api/blocks/ffff')).status, 404);
    assert.equal(((await api('/api/status')).body as { node?: string }).node, 'n1');
    const wrongFee = await runCli(['ledger', 'balances', ...common, '--fee-bps', '50']);
    assert.equal(wrongFee.status, 1, 'a ledger opened under a different payout config is refused');
    assert.match(wrongFee.stderr, /different payout config/);
  },
);

/** The coinbase outputs of a raw block: script hex → value. */
function coinbaseOutputs(blockHex: string): Map<string, bigint> {
  const bytes = hexToBytes(blockHex);
  // header (80) + tx count (1 byte for < 253 txs) → the coinbase.
  const tx = readTransaction(new ByteReader(bytes.subarray(81)));
  return new Map(tx.outputs.map((o) => [bytesToHex(o.script), o.valueSats]));
}
