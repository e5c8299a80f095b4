// Bitcoin mining against an independent implementation: bcoin 1.0.2 from npm as a regtest
// node (HTTP JSON-RPC). The pool builds jobs from bcoin's templates, our miner mines through
// the pool over Stratum, and bcoin accepts the blocks: first on a pre-segwit template, then —
// after bcoin's own miner activates segwit (BIP9 on regtest: ~432 blocks) and a real P2WPKH
// spend sits in its mempool — on a segwit template with a witness commitment, whose coinbase also
// pays the miner's matured ledger balance (a non-custodial payout output).
// bcoin's regtest uses its own address prefixes (bech32 "rb"); only this test's calls to bcoin
// use them. The pool pays a Bitcoin Core regtest address (bcrt1…), as it would in production.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNatsServer, freePort } from '../helpers/nats-server.js';
import { loadConfig } from '../../topology/config.js';
import { startNode } from '../../topology/node.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { until } from '../helpers/until.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bcoin: any = require('bcoin');
const POOL_ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

test(
  'bcoin - the pool mines blocks bcoin accepts, before and after segwit activation',
  { timeout: 240_000 },
  async () => {
    const httpPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'colliery-bcoin-'));
    const chain = new bcoin.FullNode({
      network: 'regtest',
      memory: true,
      workers: false,
      listen: false,
      selfish: true,
      httpHost: '127.0.0.1',
      httpPort,
      apiKey: 'colliery-test',
      logLevel: 'error',
    });
    await chain.open();
    const nats = await startNatsServer();
    const rpc = new CoinRpc({ url: `http://rpc:colliery-test@127.0.0.1:${httpPort}/` });
    const cfg = loadConfig([], {
      nodeId: 'bcoin-test',
      cluster: 'bcoin',
      natsUrls: [nats.url],
      coin: 'bitcoin-regtest',
      rpc: [{ url: `http://rpc:colliery-test@127.0.0.1:${httpPort}/` }],
      poolAddress: POOL_ADDRESS,
      stratumHost: '127.0.0.1',
      stratumPort: 0,
      startDifficulty: 2 ** -30,
      minDifficulty: 2 ** -32,
      refreshSeconds: 1,
      logLevel: 'warn',
      dataDir,
      payouts: 'coinbase',
    });
    const node = await startNode(cfg, {
      hasher: createPoolHasher(1),
      log: pino({ level: 'warn' }),
      leaseTtlMs: 2_000,
      followMs: 500,
    });
    const miner = new StratumMiner({
      host: '127.0.0.1',
      port: node.stratumPort,
      username: `${POOL_ADDRESS}.bcoin`,
      hashHeaders,
      batchSize: 64,
      maxHashesPerSec: 2_000,
    });
    after(async () => {
      await miner.stop();
      await node.stop();
      await nats.stop();
      // Left alone, two things would hold this process open for a minute after the test: the
      // stopped node's last BIP22 longpoll, which bcoin answers only when its template changes
      // (the node gives up after longpoll + RPC timeout, 70 s), keeps bcoin's HTTP close
      // waiting; and bcoin 1.0.2 keeps a 60 s timer for each transaction it broadcasts until a
      // peer takes it, ended on disconnect only if it ever connected (ours never does).
      chain.http.http.closeAllConnections();
      for (const item of [...chain.pool.invMap.values()]) item.resolve();
      await chain.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const blocksByPool = async (fromHeight: number) =>
      (await node.blocks()).filter(
        (b) => b.height > fromHeight && Object.values(b.results).some((r) => r === null),
      );

    // 1. Pre-segwit: a fresh regtest chain, segwit not active yet.
    const info0 = await rpc.call<{ bip9_softforks: Record<string, { status: string }> }>(
      'getblockchaininfo',
    );
    assert.notEqual(info0.bip9_softforks.segwit?.status, 'active');
    const t0 = await rpc.call<{ default_witness_commitment?: string; rules: string[] }>(
      'getblocktemplate',
      [{ rules: ['segwit'] }],
    );
    // bcoin 1.0.2 offers a commitment to clients that name the rule even before activation;
    // its `rules` say segwit is not in force, so the pool builds a non-segwit coinbase.
    assert.ok(
      !t0.rules.includes('segwit') && !t0.rules.includes('!segwit'),
      `pre-segwit rules: ${t0.rules.join(',')}`,
    );
    await miner.start();
    const [first] = await until('bcoin accepts a pool block (pre-segwit)', async () => {
      const b = await blocksByPool(0);
      return b.length > 0 ? b : undefined;
    });
    await miner.stop();
    assert.ok(first);
    const firstInfo = await rpc.call<{ confirmations: number; height: number }>('getblock', [
      first.hash,
      true,
    ]);
    assert.ok(firstInfo.confirmations >= 1, 'the pool block is on bcoin’s main chain');

    // 2. bcoin mines to its own P2WPKH key until segwit is active.
    const ring = bcoin.KeyRing.fromPrivate(Buffer.alloc(32, 7));
    ring.witness = true;
    const bcoinAddress: string = ring.getAddress('string', 'regtest');
    for (let i = 0; i < 6; i++) {
      const status = (
        await rpc.call<{ bip9_softforks: Record<string, { status: string }> }>('getblockchaininfo')
      ).bip9_softforks.segwit?.status;
      if (status === 'active') break;
      await rpc.call('generatetoaddress', [144, bcoinAddress], 120_000);
    }
    const info1 = await rpc.call<{
      bip9_softforks: Record<string, { status: string }>;
      blocks: number;
    }>('getblockchaininfo');
    assert.equal(
      info1.bip9_softforks.segwit?.status,
      'active',
      'segwit activated on bcoin regtest',
    );

    // 3. A real segwit spend in bcoin's mempool: the coinbase of the first block bcoin mined to its key.
    // (the pool may have mined a few more blocks before the miner stopped: find bcoin's first)
    let spendHeight = first.height + 1;
    let spendBlock = await chain.chain.getBlock(await chain.chain.getHash(spendHeight));
    const paysRing = (blk: {
      txs: { outputs: { getAddress(): { toString(n: string): string } | null }[] }[];
    }) => blk.txs[0]?.outputs[0]?.getAddress()?.toString('regtest') === bcoinAddress;
    while (!paysRing(spendBlock))
      spendBlock = await chain.chain.getBlock(await chain.chain.getHash(++spendHeight));
    const coin = bcoin.Coin.fromTX(spendBlock.txs[0], 0, spendHeight);
    const mtx = new bcoin.MTX();
    mtx.addCoin(coin);
    mtx.addOutput(bcoinAddress, coin.value - 10_000);
    mtx.sign(ring);
    const tx = mtx.toTX();
    // bcoin 1.0.2 rebuilds its cached template on a new mempool tx only when the template is
    // over 10 s old on its whole-second clock (node/rpc.js bindChain: util.now() - lastActivity
    // > 10): wait until the template the pool polls for is that old. (A fixed 11 s from the last
    // block raced the pool's first poll after it: the spend then never reached a template.)
    const bcoinRpc = chain.rpc as { attempt: unknown; lastActivity: number };
    await until('bcoin’s template to be over 10 s old', () =>
      bcoinRpc.attempt && Math.floor(Date.now() / 1000) - bcoinRpc.lastActivity > 10
        ? true
        : undefined,
    );
    assert.ok(tx.hasWitness(), 'the spend carries a witness');
    const sent = await rpc.call('sendrawtransaction', [tx.toRaw().toString('hex')]);
    const txid: string = tx.txid();
    assert.equal(sent, txid);
    const t1 = await until('a segwit template with the spend', async () => {
      const t = await rpc.call<{
        default_witness_commitment?: string;
        rules: string[];
        transactions: { txid: string }[];
      }>('getblocktemplate', [{ rules: ['segwit'] }]);
      return t.transactions.some((x) => x.txid === txid) ? t : undefined;
    });
    assert.ok(t1.default_witness_commitment, 'the segwit template carries a witness commitment');
    assert.ok(
      t1.rules.some((r) => r === 'segwit' || r === '!segwit'),
      'segwit is in force',
    );

    // The first pool block now has 100+ confirmations: the Block actor logs it matured and the
    // miner's credit is spendable, so the next jobs pay it from the coinbase (non-custodial).
    const store = node.ledger.store;
    await until('the first block’s credit matures', () =>
      (store.balance(POOL_ADDRESS)?.matureSats ?? 0n) >= 100_000n ? true : undefined,
    );

    // 4. The pool mines it.
    const before = info1.blocks;
    await miner.start();
    const mined = await until('bcoin accepts a pool block with the witness spend', async () => {
      for (const b of await blocksByPool(before)) {
        const blk = await rpc.call<{ tx: (string | { txid: string })[]; confirmations: number }>(
          'getblock',
          [b.hash, true],
        );
        const ids = blk.tx.map((x) => (typeof x === 'string' ? x : x.txid));
        if (blk.confirmations >= 1 && ids.includes(txid)) return b;
      }
      return undefined;
    });
    await miner.stop();
    assert.equal(Object.values(mined.results)[0], null, 'submitblock answered null');
    // Blocks found after maturity carry the ledger's payout output (the first one at least; one
    // found while an earlier payout is unapplied leaves that account out), and bcoin took them.
    const bill = await until('a pool block paying the miner from its coinbase', async () => {
      for (const b of await blocksByPool(before)) {
        const found = store.bill(b.hash);
        if (found && found.coinbasePaid.length > 0) return found;
      }
      return undefined;
    });
    const paid = bill.coinbasePaid[0];
    const detailed = await rpc.call<{ confirmations: number; tx: { vout: { value: number }[] }[] }>(
      'getblock',
      [bill.hash, true, true],
    );
    assert.ok(detailed.confirmations >= 1, 'the paying block is on bcoin’s main chain');
    const values = (detailed.tx[0]?.vout ?? []).map((o) => BigInt(Math.round(o.value * 1e8)));
    assert.ok(paid && values.includes(paid.sats), `bcoin's block pays ${String(paid?.sats)} sats`);
    assert.equal(await rpc.call('getbestblockhash').then(() => true), true);
  },
);
