// SOLO mode: the coinbase of every job a connection gets pays the miner's own address, and
// the block the devnet accepts pays it; a username that is not an address is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { scriptToAddress } from '../../actors/shared/address.js';
import { NETWORKS } from '../../actors/shared/network.js';
import { bytesToHex, hexToBytes } from '../../actors/shared/hex.js';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { readTransaction } from '../../actors/shared/transaction.js';
import { ByteReader } from '../../actors/shared/byte-reader.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool } from '../helpers/pool.js';

test('solo - blocks pay the finder’s address from the coinbase', async () => {
  const pool = await startTestPool(
    { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** -11)) },
    {
      nodeId: 'solo1',
      cluster: 'solo',
      solo: true,
      startDifficulty: 2 ** -13,
      targetShareSeconds: 1,
    },
  );
  const finderScript = hexToBytes(`0014${'22'.repeat(20)}`);
  const finder = scriptToAddress(finderScript, NETWORKS.regtest) as string;
  const miner = localMiner(pool.node.stratumPort, `${finder}.rig`, 1_000_000);
  after(async () => {
    await miner.stop();
    await pool.stop();
  });

  // A username that is no address is refused in solo mode.
  const raw = connect({ host: '127.0.0.1', port: pool.node.stratumPort });
  let reply = '';
  raw.on('data', (d: Buffer) => (reply += d.toString()));
  raw.write(
    '{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["not-an-address.w","x"]}\n',
  );
  await until('the authorize answer', () => reply.includes('"id":2') || undefined, 10_000, 20);
  assert.match(reply, /"id":2,"result":null,"error":\[24,/);
  raw.destroy();

  await miner.start();
  const rpc = new CoinRpc({ url: pool.devnet.url });
  const block = await until('a block found by the solo miner', async () => {
    const found = (await pool.node.blocks()).find((b) =>
      Object.values(b.results).some((r) => r === null),
    );
    return found;
  });
  const hex = await rpc.call<string>('getblock', [block.hash, 0]);
  // header 80 bytes, tx count 1 byte (a handful of transactions), then the coinbase.
  const coinbase = readTransaction(new ByteReader(hexToBytes(hex.slice(162))));
  assert.equal(
    bytesToHex(coinbase.outputs[0]!.script),
    bytesToHex(finderScript),
    'output 0 pays the finder',
  );
  assert.equal(coinbase.outputs[0]!.valueSats, block.coinbaseValueSats, 'the whole coinbase value');
});
