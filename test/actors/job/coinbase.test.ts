// coinbase - the Stratum split of real coinbases is rebuilt byte for byte; value is conserved;
// scriptSig limits hold; the witness form adds marker, flag and the reserved value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildCoinbase,
  joinCoinbase,
  withCoinbaseWitness,
  type CoinbaseSpec,
} from '../../../actors/job/coinbase.js';
import {
  COINBASE_INVALID,
  COINBASE_SCRIPTSIG_LENGTH,
  COINBASE_VALUE_MISMATCH,
} from '../../../actors/job/errors.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bytesToHex, hexToBytes, reverseHex } from '../../../actors/shared/hex.js';
import { sha256d } from '../../../actors/shared/sha256d.js';
import { parseTransaction } from '../../../actors/shared/transaction.js';
import { bitcoin } from '../vectors.js';

const p2pkh = (h: string) => hexToBytes(`76a914${h}88ac`);

test('coinbase - rebuilds the slush testnet coinbase split (tag pushes around a pushed extranonce)', () => {
  const v = bitcoin.stratum_slush_testnet3;
  const parts = buildCoinbase({
    txVersion: 1,
    height: 25096,
    scriptSigPrefix: hexToBytes('062f503253482f04b8864e50'),
    extranoncePush: true,
    scriptSigSuffix: hexToBytes('072f736c7573682f'),
    sequence: 0,
    extranonce1Size: 4,
    extranonce2Size: 4,
    outputs: [
      { script: p2pkh('d23fcdf86f7e756a64a7a9688ef9903327048ed9'), valueSats: 5_000_000_000n },
    ],
    coinbaseValueSats: 5_000_000_000n,
    witnessCommitmentScript: undefined,
    lockTime: 0,
  });
  assert.equal(bytesToHex(parts.coinb1), v.messages.notify_params[2]);
  assert.equal(bytesToHex(parts.coinb2), v.messages.notify_params[3]);
  const coinbase = joinCoinbase(
    parts.coinb1,
    hexToBytes('08000002'),
    hexToBytes('00000001'),
    parts.coinb2,
  );
  assert.equal(bytesToHex(coinbase), v.expected['coinbase_hex']);
  assert.equal(reverseHex(bytesToHex(sha256d(coinbase))), v.expected['coinbase_txid_display']);
});

test('coinbase - rebuilds the btcpool regtest split (OP_2 height, raw tag, empty-block commitment last)', () => {
  const c = bitcoin.stratum_btcpool_regtest.cases[0];
  assert.ok(c);
  const parts = buildCoinbase({
    txVersion: 2,
    height: 2,
    scriptSigPrefix: hexToBytes('04faf3b65c726567696f6e312f50726f6a65637420425443506f6f6c2f'),
    extranoncePush: false,
    scriptSigSuffix: new Uint8Array(0),
    sequence: 0xffffffff,
    extranonce1Size: 4,
    extranonce2Size: 8,
    outputs: [
      { script: p2pkh('c0174e89bd93eacd1d5a1af4ba1802d412afc086'), valueSats: 5_000_000_000n },
    ],
    coinbaseValueSats: 5_000_000_000n,
    witnessCommitmentScript: hexToBytes(bitcoin.witness_commitment_empty_block.script),
    lockTime: 0,
  });
  assert.equal(bytesToHex(parts.coinb1), c.notify_params[2]);
  assert.equal(bytesToHex(parts.coinb2), c.notify_params[3]);
  assert.equal(parts.scriptSigBytes, 42);
});

function spec(overrides: Partial<CoinbaseSpec> = {}): CoinbaseSpec {
  return {
    txVersion: 2,
    height: 102,
    scriptSigPrefix: new Uint8Array(0),
    extranoncePush: true,
    scriptSigSuffix: new Uint8Array(0),
    sequence: 0xfffffffe,
    extranonce1Size: 4,
    extranonce2Size: 8,
    outputs: [{ script: hexToBytes('0014' + '11'.repeat(20)), valueSats: 5_000_010_000n }],
    coinbaseValueSats: 5_000_010_000n,
    witnessCommitmentScript: undefined,
    lockTime: 101,
    ...overrides,
  };
}

test('coinbase - outputs paying one satoshi more or less than coinbasevalue are refused', () => {
  for (const delta of [1n, -1n]) {
    const outputs = [{ script: hexToBytes('51'), valueSats: 5_000_010_000n + delta }];
    assert.throws(
      () => buildCoinbase(spec({ outputs })),
      (e) => hasCode(e, COINBASE_VALUE_MISMATCH),
    );
  }
  assert.throws(
    () =>
      buildCoinbase(
        spec({ outputs: [{ script: hexToBytes('51'), valueSats: -1n }], coinbaseValueSats: -1n }),
      ),
    (e) => hasCode(e, COINBASE_VALUE_MISMATCH),
  );
});

test('coinbase - outputs always sum to coinbasevalue and parse back in order, commitment last (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 20 }),
      fc.boolean(),
      (values, segwit) => {
        const outputs = values.map((v, i) => ({
          script: hexToBytes('0014' + i.toString(16).padStart(2, '0').repeat(20)),
          valueSats: v,
        }));
        const total = values.reduce((a, b) => a + b, 0n);
        const commitment = hexToBytes(bitcoin.witness_commitment_empty_block.script);
        const parts = buildCoinbase(
          spec({
            outputs,
            coinbaseValueSats: total,
            witnessCommitmentScript: segwit ? commitment : undefined,
          }),
        );
        const tx = parseTransaction(
          joinCoinbase(parts.coinb1, new Uint8Array(4), new Uint8Array(8), parts.coinb2),
        );
        assert.equal(
          tx.outputs.reduce((a, o) => a + o.valueSats, 0n),
          total,
        );
        assert.equal(tx.outputs.length, values.length + (segwit ? 1 : 0));
        if (segwit) assert.deepEqual(tx.outputs.at(-1)?.script, commitment);
        assert.equal(tx.lockTime, 101);
        assert.equal(tx.inputs[0]?.sequence, 0xfffffffe);
      },
    ),
  );
});

test('coinbase - scriptSig must stay within 2..100 bytes', () => {
  assert.doesNotThrow(() =>
    buildCoinbase(spec({ scriptSigPrefix: new Uint8Array(100 - 2 - 1 - 12) })),
  );
  assert.throws(
    () => buildCoinbase(spec({ scriptSigPrefix: new Uint8Array(100 - 2 - 1 - 12 + 1) })),
    (e) => hasCode(e, COINBASE_SCRIPTSIG_LENGTH),
  );
  assert.throws(
    () => buildCoinbase(spec({ extranonce2Size: 0 })),
    (e) => hasCode(e, COINBASE_INVALID),
  );
  assert.throws(
    () => buildCoinbase(spec({ extranonce1Size: 40, extranonce2Size: 40 })),
    (e) => hasCode(e, COINBASE_INVALID),
  );
});

test('coinbase - witness form adds 0001 after the version and one 32-byte zero item before nLockTime', () => {
  const v = bitcoin.regtest_bcoin_end_to_end.expected;
  const nonWitness = hexToBytes(v.coinbase_nonwitness_hex);
  const full = withCoinbaseWitness(nonWitness);
  assert.ok(v.block_hex.includes(bytesToHex(full)));
  const tx = parseTransaction(full);
  assert.equal(tx.hasWitness, true);
  assert.deepEqual(tx.inputs[0]?.witness, [new Uint8Array(32)]);
  assert.deepEqual(tx.stripped, nonWitness);
  assert.equal(reverseHex(bytesToHex(tx.txid)), v.coinbase_txid_display);
});
