// Issue #18, accounts the pool can pay: in pooled mode a miner authorizes with an address of
// the coin's network or an account name from the operator's user list (btcpool's shape, served
// here over HTTP). An unknown name is refused with a clear Stratum error; a name added to the
// list mines within seconds, is credited by its name, and its matured credit is paid by the
// coinbase to the address the list gives it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { hashHeaders } from '../../native/index.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { addressToScript, scriptToAddress } from '../../actors/shared/address.js';
import { bytesToHex, hexToBytes } from '../../actors/shared/hex.js';
import { NETWORKS } from '../../actors/shared/network.js';
import { readTransaction } from '../../actors/shared/transaction.js';
import { ByteReader } from '../../actors/shared/byte-reader.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import type { BlockBill } from '../../actors/ledger/bill.js';
import { until } from '../helpers/until.js';
import { startTestPool } from '../helpers/pool.js';

const JACK_PAID_TO = scriptToAddress(
  Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0x22)]),
  NETWORKS.regtest,
) as string;

test(
  'accounts - an unknown name is refused; one added to the user list mines within seconds and is paid to its address',
  { timeout: 240_000 },
  async () => {
    let list: unknown = { err_no: 0, data: { mary: 7 } };
    const http = createServer((_req, res) => res.end(JSON.stringify(list)));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/users`;
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -10)), txsPerBlock: 2 },
      {
        nodeId: 'a1',
        cluster: 'accounts',
        startDifficulty: 2 ** -12,
        minDifficulty: 2 ** -16,
        targetShareSeconds: 1,
        payouts: 'coinbase',
        minPayoutSats: 10_000n,
        accounts: url,
        tuning: { accountsPollSeconds: 0.5 } as never,
      },
      { followMs: 200, maturity: 5 },
    );
    const miner = (name: string) =>
      new StratumMiner({
        host: '127.0.0.1',
        port: pool.node.stratumPort,
        username: `${name}.rig`,
        hashHeaders,
        maxHashesPerSec: 1_000_000,
      });
    const jack = miner('jack');
    after(async () => {
      await jack.stop();
      await pool.stop();
      http.close();
    });

    await assert.rejects(jack.start(), (err: Error) => {
      assert.match(err.message, /regtest address or an account this pool knows/);
      return true;
    });
    list = { err_no: 0, data: { mary: 7, jack: { id: 8, address: JACK_PAID_TO } } };
    await until('jack is known within seconds', () =>
      jack.start().then(
        () => true,
        () => undefined,
      ),
    );

    const store = pool.node.ledger.store;
    const paying = (): BlockBill | undefined =>
      store
        .blocks()
        .map((b) => store.bill(b.hash))
        .find((bill) => bill?.coinbasePaid.some((p) => p.account === 'jack'));
    await until(
      'jack is credited by name',
      () => ((store.balance('jack')?.immatureSats ?? 0n) > 0n ? true : undefined),
      120_000,
    );
    const paid = await until('a block whose coinbase pays jack', paying, 150_000);
    await jack.stop();
    const raw = await new CoinRpc({ url: pool.devnet.url }).call<string>('getblock', [
      paid.hash,
      0,
    ]);
    const tx = readTransaction(new ByteReader(hexToBytes(raw).subarray(81)));
    const outputs = new Map(tx.outputs.map((o) => [bytesToHex(o.script), o.valueSats]));
    const jackPaid = paid.coinbasePaid.find((p) => p.account === 'jack')!;
    const script = bytesToHex(addressToScript(JACK_PAID_TO, NETWORKS.regtest).script);
    assert.equal(outputs.get(script), jackPaid.sats, "the coinbase pays jack's address");
  },
);
