// Prime mining through the ledger: two pool nodes on one NATS with a prime miner each (two
// accounts), shares verified and weighted by chain length into the real share log, blocks
// found, submitted and accepted by the prime devnet, logged with the job's prime net weight
// and TargetGetMint subsidy, credited by each node's LMDB replica (PPLNS over prime weights;
// every bill sums to its reward), credits matured and paid from later coinbases with no output
// below 0.01 coin, and `colliery ledger verify` (the CLI, as a child process) exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import type { BillLine, BlockBill } from '../../actors/ledger/bill.js';
import type { BlockFoundRecord, LogEntry } from '../../actors/shared/log-records.js';
import { validateLogEntry } from '../../actors/ledger/validate.js';
import { addressToScript, scriptToAddress } from '../../actors/shared/address.js';
import { ByteReader } from '../../actors/shared/byte-reader.js';
import { bytesToHex, hexToBytes } from '../../actors/shared/hex.js';
import { PRIME_NETWORKS } from '../../actors/shared/network.js';
import { primeNetWeight } from '../../actors/shared/prime-share-value.js';
import { readTransaction } from '../../actors/shared/transaction.js';
import { targetMint } from '../../native/index.js';
import { loadConfig, type NodeConfig } from '../../topology/config.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { PrimeStratumMiner } from '../../topology/miner/prime-miner.js';
import { startNode, type NodeHandle } from '../../topology/node.js';
import { PRIME_COIN_PARAMS } from '../../topology/prime-coin.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';
import { runCli } from '../helpers/cli.js';

const COIN = 'primecoin-devnet';
const NETWORK = PRIME_NETWORKS[COIN];
const CENT = NETWORK.prime!.minOutputSats;
const p2pkh = (byte: number): string =>
  scriptToAddress(
    Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(byte), 0x88, 0xac),
    NETWORK,
  ) as string;
const POOL = p2pkh(0x33);
const ACCOUNTS = [p2pkh(0x11), p2pkh(0x22)];
const BITS = 0x04000000;
const MODEL = { stepRatio: PRIME_COIN_PARAMS[COIN]!.stepRatio, baseLength: 2 };
const FEE_BPS = 150;

test(
  'prime ledger - two nodes, prime-weighted PPLNS bills, coinbase payouts of at least 0.01 coin, CLI verify',
  { timeout: 300_000 },
  async () => {
    const nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    const devnet = await startDevnet({ family: 'prime', bits: BITS, txsPerBlock: 2 });
    const dataDir = mkdtempSync(join(tmpdir(), 'colliery-prime-ledger-'));
    const nodes: NodeHandle[] = [];
    const cfgs: NodeConfig[] = [];
    const miners: PrimeStratumMiner[] = [];
    after(async () => {
      await Promise.all(miners.map((m) => m.stop()));
      for (const n of nodes) await n.stop();
      await nc.close();
      await devnet.close();
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    for (const id of ['p1', 'p2']) {
      const cfg = loadConfig([], {
        nodeId: id,
        cluster: 'primeledger',
        dataDir,
        natsUrls: [nats.url],
        coin: COIN,
        rpc: [{ url: devnet.url }],
        poolAddress: POOL,
        stratumHost: '127.0.0.1',
        stratumPort: 0,
        startDifficulty: 3,
        minDifficulty: 2,
        targetShareSeconds: 1,
        payouts: 'coinbase',
        // Below the coin's 0.01 minimum output: the coinbase builder must still pay nothing smaller.
        minPayoutSats: 10_000n,
        maxCoinbaseOutputs: 4,
        feeBps: FEE_BPS,
        payoutScheme: 'pplns',
        logLevel: 'error',
      });
      cfgs.push(cfg);
      nodes.push(
        await startNode(cfg, {
          hasher: createPoolHasher(1),
          log: pino({ level: 'error' }),
          leaseTtlMs: 2_000,
          followMs: 200,
          // Maturity shortened to 3 confirmations so credits mature and get paid within the test.
          maturity: 3,
        }),
      );
    }
    const rpc = new CoinRpc({ url: devnet.url });
    for (const [i, node] of nodes.entries()) {
      const miner = new PrimeStratumMiner({
        host: '127.0.0.1',
        port: node.stratumPort,
        username: `${ACCOUNTS[i]}.rig${i + 1}`,
        maxCandidatesPerSec: 4000,
      });
      miners.push(miner);
      await miner.start();
    }
    const stores = nodes.map((n) => n.ledger.store);
    await until(
      'two blocks in both ledgers, after shares from both miners',
      () =>
        miners.every((m) => m.stats.accepted >= 5) && stores.every((s) => s.blocks().length >= 2),
      150_000,
    );
    const paying = (): BlockBill | undefined =>
      stores[0]!
        .blocks()
        .map((b) => stores[0]!.bill(b.hash))
        .find((bill) => bill !== undefined && bill.coinbasePaid.length > 0);
    const paidBill = await until('a block whose coinbase pays miners', paying, 150_000);
    await Promise.all(miners.map((m) => m.stop()));
    for (const m of miners)
      assert.equal(m.stats.rejectCodes['20'] ?? 0, 0, JSON.stringify(m.stats.rejectCodes));

    // The log as the ledger reads it; both replicas caught up to its end.
    const entries: LogEntry[] = [];
    for await (const batch of readLog(nc, {
      cluster: 'primeledger',
      coin: COIN,
      fromSeq: 1,
      until: 'end',
      maxBatch: 1_000,
    }))
      for (const e of batch) entries.push(validateLogEntry(e.seq, e.record));
    const lastSeq = entries.at(-1)!.seq;
    await Promise.all(nodes.map((n) => n.ledger.waitApplied(lastSeq)));
    assert.equal(stores[0]!.digest(), stores[1]!.digest(), 'both replicas hold the same ledger');

    // Shares: integer prime weights on jobs carrying the prime net weight and the mint.
    const shares = entries.flatMap(({ seq, record: r }) =>
      r.type === 'shares'
        ? r.shares.map((s, index) => ({ seq, index, s, job: r.jobs[s.job]! }))
        : [],
    );
    const netWeight = primeNetWeight(BITS, MODEL);
    const mint = targetMint(BITS, NETWORK.prime!.minLength).mintSats;
    for (const { s, job } of shares) {
      assert.ok(Number.isSafeInteger(s.weight) && s.weight >= 1, `weight ${s.weight}`);
      // At most the whole block: a share at the block target (vardiff's cap, which a fast miner
      // on this devnet reaches) weighs netWeight, ±1 for the float weight against the exact
      // floor (actors/shared/prime-share-value.ts; pinned in prime-share-value.test.ts).
      assert.ok(BigInt(s.weight) <= netWeight + 1n, `weight ${s.weight} > netWeight ${netWeight}`);
      assert.ok(Number.isSafeInteger(s.atMs));
      assert.equal(job.netWeight, netWeight);
      assert.equal(job.subsidySats, mint);
    }
    assert.deepEqual(new Set(shares.map((x) => x.s.account)), new Set(ACCOUNTS));

    // Blocks: accepted by the devnet, logged with the job's prime net weight and its own mint.
    const found = entries.filter(
      (e): e is LogEntry & { record: BlockFoundRecord } => e.record.type === 'block.found',
    );
    assert.ok(found.length >= 2);
    let onChain = 0;
    for (const { record: b } of found) {
      assert.equal(b.netWeight, netWeight, `block ${b.hash} carries the prime net weight`);
      assert.equal(b.subsidySats, mint, `block ${b.hash} subsidy is TargetGetMint(nBits)`);
      assert.ok(b.rewardSats > mint, 'coinbasevalue = mint + fees');
      assert.ok(Number.isSafeInteger(b.atMs));
      const info = await rpc.call<{ confirmations: number; height: number }>('getblock', [
        b.hash,
        1,
      ]);
      // On the devnet's chain, or beside it (-1) when both miners found a block on one parent.
      assert.ok(info.confirmations >= 1 || info.confirmations === -1, `devnet has ${b.hash}`);
      assert.equal(info.height, b.height);
      onChain += info.confirmations >= 1 ? 1 : 0;
    }
    assert.ok(onChain >= 2, `${onChain} blocks on the devnet's chain`);

    // Bills: PPLNS over the prime weights of the shares logged before each block.
    let finders = 0;
    for (const { seq, record: b } of found) {
      const bill = stores[0]!.bill(b.hash);
      assert.ok(bill, `bill for ${b.hash}`);
      assert.equal(bill.method, 'pplns');
      assert.equal(
        bill.lines.reduce((sum, l) => sum + l.creditSats, 0n),
        bill.rewardSats,
        `bill ${b.hash} sums to its reward`,
      );
      assert.equal(bill.rewardSats, b.rewardSats);
      assert.equal(bill.targetWeight, netWeight * 2n, 'window N = 2 × prime net weight');
      const before = shares.filter((x) => x.seq < seq);
      const at = (p: { seq: number; index: number } | null): number =>
        before.findIndex((x) => x.seq === p?.seq && x.index === p.index);
      const from = at(bill.from);
      const to = at(bill.to);
      assert.equal(to, before.length - 1, 'the window ends at the last share before the block');
      assert.ok(from >= 0 && from <= to);
      const expected = new Map<string, bigint>();
      for (let i = from; i <= to; i++) {
        const { s } = before[i]!;
        const w =
          i === from && bill.boundaryWeight !== null ? bill.boundaryWeight : BigInt(s.weight);
        expected.set(s.account, (expected.get(s.account) ?? 0n) + w);
      }
      const split = bill.rewardSats - bill.feeSats;
      assert.equal(bill.feeSats, (bill.rewardSats * BigInt(FEE_BPS)) / 10_000n);
      for (const [account, weight] of expected) {
        const line: BillLine | undefined = bill.lines.find((l) => l.account === account);
        assert.ok(line, `${account} has a line in ${b.hash}`);
        assert.equal(line.weight, weight, `${account}'s window weight in ${b.hash}`);
        const exact = (split * weight) / bill.targetWeight;
        assert.ok(
          line.creditSats - exact >= 0n && line.creditSats - exact <= 1n,
          `${account} credited by weight: ${line.creditSats} vs ${exact}`,
        );
      }
      // The share that found the block, when it was accepted (a stale one is not), is logged
      // before the block's record and inside its window; never after it.
      const finding = at(before.find((x) => x.s.hash === b.hash) ?? null);
      const late = shares.some((x) => x.seq > seq && x.s.hash === b.hash);
      assert.ok(!late, `the share that found ${b.hash} is logged after its block`);
      if (finding >= 0) {
        finders++;
        assert.ok(finding >= from && finding <= to, `the finding share is in ${b.hash}'s window`);
        const finder = bill.lines.find((l) => l.account === b.account);
        assert.ok(finder && finder.creditSats > 0n, "the finder's window is credited");
      }
    }
    assert.ok(finders >= 1, 'a block whose finding share was accepted');

    // The paying block's coinbase, as the devnet stored it: every output at least 0.01 coin,
    // each paid account getting exactly what the ledger debited.
    const raw = await rpc.call<string>('getblock', [paidBill.hash, 0]);
    const outputs = primeCoinbaseOutputs(raw);
    for (const o of outputs) assert.ok(o.valueSats >= CENT, `output of ${o.valueSats} sats`);
    assert.equal(
      outputs.reduce((sum, o) => sum + o.valueSats, 0n),
      paidBill.rewardSats,
    );
    for (const p of paidBill.coinbasePaid) {
      const script = bytesToHex(addressToScript(p.account, NETWORK).script);
      assert.equal(outputs.find((o) => bytesToHex(o.script) === script)?.valueSats, p.sats);
      assert.ok(p.sats >= CENT);
    }

    // The operator's check, with the payout flags the nodes ran with.
    for (const cfg of cfgs) {
      const verify = await runCli([
        'ledger',
        'verify',
        '--data',
        dataDir,
        '--nats',
        nats.url,
        '--cluster',
        'primeledger',
        '--coin',
        COIN,
        '--node-id',
        cfg.nodeId,
        '--fee-bps',
        String(FEE_BPS),
        '--payout-scheme',
        'pplns',
      ]);
      assert.equal(
        verify.status,
        0,
        `ledger verify ${cfg.nodeId}: ${verify.stdout}${verify.stderr}`,
      );
      assert.match(verify.stdout, /ledger verified/);
    }
  },
);

/** The coinbase outputs of a raw prime block (80-byte header, then the multiplier). */
function primeCoinbaseOutputs(
  blockHex: string,
): readonly { script: Uint8Array; valueSats: bigint }[] {
  const bytes = hexToBytes(blockHex);
  const multiplierLength = bytes[80]!; // CompactSize, one byte below 253 (multipliers ≤ 219 bytes)
  // header, multiplier, then the tx count (one byte below 253 transactions) → the coinbase.
  const tx = readTransaction(new ByteReader(bytes.subarray(80 + 1 + multiplierLength + 1)));
  return tx.outputs;
}
