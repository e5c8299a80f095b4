// block assembly - full blocks from job + submit equal the recorded ones byte for byte; real
// blocks parse into parts that rebuild them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleBlock } from '../../../actors/block/assemble.js';
import { parseBlock } from '../../../actors/block/parse.js';
import { withCoinbaseWitness } from '../../../actors/job/coinbase.js';
import { buildJob, defaultCoinbaseLayout } from '../../../actors/job/job.js';
import { parseTemplate } from '../../../actors/job/template.js';
import { commitmentFromScript, witnessCommitment } from '../../../actors/job/witness.js';
import { precheckSubmit } from '../../../actors/share/verdict.js';
import { encodeCompactSize } from '../../../actors/shared/compact-size.js';
import { serializeHeader } from '../../../actors/shared/header.js';
import { bytesToHex, concatBytes, hexToBytes, reverseHex } from '../../../actors/shared/hex.js';
import { merkleRoot } from '../../../actors/shared/merkle.js';
import { hashMeetsTarget, targetFromBits } from '../../../actors/shared/target.js';
import { BIP320_MASK, negotiateVersionMask } from '../../../actors/shared/version-rolling.js';
import { bcoinEndToEndJob, bitcoin, publicPoolJob, gbtBcoinRegtest } from '../vectors.js';

const display = (internal: Uint8Array) => reverseHex(bytesToHex(internal));

test('block - bcoin regtest end to end: template -> job -> submit -> the block bcoin accepted', async () => {
  const v = bitcoin.regtest_bcoin_end_to_end;
  const job = await bcoinEndToEndJob();
  const [, jobId, extranonce2, ntime, nonce] = v.submit_params;
  const submit = { jobId, extranonce1: v.extranonce1, extranonce2, ntime, nonce };
  const pre = precheckSubmit(job, submit, { versionMask: 0 });
  assert.ok(pre.ok);
  const block = assembleBlock(job, submit, pre.headerVersion);
  assert.equal(bytesToHex(block.header), v.expected.header_hex);
  assert.equal(block.coinbaseTxid, v.expected.coinbase_txid_display);
  assert.equal(block.hash, v.expected.block_hash_display);
  assert.equal(block.hash, v.node_results.getbestblockhash_after);
  assert.equal(block.blockHex, v.expected.block_hex);
  assert.equal(block.sizeBytes, 469);
  assert.equal(
    hashMeetsTarget(hexToBytes(reverseHex(block.hash)), targetFromBits(parseInt(job.bits, 16))),
    v.expected.meets_regtest_target,
  );
  const parsed = parseBlock(hexToBytes(block.blockHex));
  assert.equal(bytesToHex(parsed.header.merkleRoot), v.expected.merkle_root_internal);
});

test('block - public-pool share assembled as a full block equals the recorded 1573-byte serialization', async () => {
  const v = bitcoin.stratum_publicpool_testnet3;
  const job = await publicPoolJob();
  const [, jobId, extranonce2, ntime, nonce, versionBits] = v.messages.submit.params;
  const submit = {
    jobId,
    extranonce1: String(v.expected['extranonce1']),
    extranonce2,
    ntime,
    nonce,
    versionBits,
  };
  const pre = precheckSubmit(job, submit, { versionMask: negotiateVersionMask(BIP320_MASK) });
  assert.ok(pre.ok);
  const block = assembleBlock(job, submit, pre.headerVersion);
  assert.equal(block.blockHex, v.expected['full_block_hex_with_coinbase_witness']);
  assert.equal(block.sizeBytes, v.expected['full_block_size']);
  assert.equal(block.hash, v.expected['share_hash_display']);
});

test('block - mainnet block 542213 parses into parts that rebuild it (header, coinbase witness, commitment)', () => {
  const v = bitcoin.witness_commitment_block_542213;
  const bytes = hexToBytes(v.block_hex);
  const b = parseBlock(bytes);
  assert.equal(display(b.hash), v.block_hash_display);
  assert.deepEqual(
    b.transactions.map((t) => display(t.txid)),
    v.txids_display,
  );
  assert.equal(bytesToHex(merkleRoot(b.transactions.map((t) => t.txid))), v.merkle_root_internal);
  assert.equal(bytesToHex(b.header.merkleRoot), v.merkle_root_internal);
  assert.deepEqual(serializeHeader(b.header), b.headerBytes);
  const [coinbase, ...rest] = b.transactions;
  assert.ok(coinbase);
  assert.equal(bytesToHex(coinbase.stripped), v.coinbase_non_witness_hex);
  assert.equal(display(coinbase.wtxid), v.coinbase_wtxid_display_actual);
  assert.deepEqual(withCoinbaseWitness(coinbase.stripped), coinbase.raw);
  assert.deepEqual(
    rest.map((t) => display(t.wtxid)),
    v.wtxids_display.slice(1),
  );
  const committed = coinbase.outputs
    .map((o) => commitmentFromScript(o.script))
    .filter((c) => c !== undefined)
    .at(-1);
  assert.deepEqual(committed, witnessCommitment(rest.map((t) => t.wtxid)));
  const rebuilt = concatBytes(
    serializeHeader(b.header),
    encodeCompactSize(b.transactions.length),
    ...b.transactions.map((t) => t.raw),
  );
  assert.equal(bytesToHex(rebuilt), v.block_hex);
});

test('block - testnet block 301322 parses: ids, merkle root and hash as recorded', () => {
  const v = bitcoin.merkle_branch_testnet_block_301322;
  const b = parseBlock(hexToBytes(v.block_hex));
  assert.equal(display(b.hash), v.block_hash_display);
  assert.deepEqual(
    b.transactions.map((t) => display(t.txid)),
    v.txids_display,
  );
  assert.equal(bytesToHex(b.header.merkleRoot), v.expected_merkle_root_internal);
});

test('block - a job from the bcoin segwit template assembles into a block whose parts check out', () => {
  const template = parseTemplate(gbtBcoinRegtest.result);
  const job = buildJob({
    id: '7',
    template,
    outputs: [
      { script: hexToBytes('0014' + '33'.repeat(20)), valueSats: template.coinbaseValueSats },
    ],
    config: {
      extranonce1Size: 4,
      extranonce2Size: 4,
      coinbase: defaultCoinbaseLayout('/colliery/'),
      lockTime: 'height-minus-one',
      versionRollingMask: BIP320_MASK,
    },
    cleanJobs: true,
    createdAtMs: 0,
  });
  const submit = {
    jobId: '7',
    extranonce1: 'deadbeef',
    extranonce2: '00000002',
    ntime: template.curtime.toString(16),
    nonce: '00000000',
    versionBits: '00004000',
  };
  const pre = precheckSubmit(job, submit, { versionMask: BIP320_MASK });
  assert.ok(pre.ok);
  const block = assembleBlock(job, submit, pre.headerVersion);
  const b = parseBlock(hexToBytes(block.blockHex));
  assert.equal(b.header.version, 0x20004000);
  assert.equal(b.transactions.length, 3);
  assert.deepEqual(b.header.merkleRoot, merkleRoot(b.transactions.map((t) => t.txid)));
  const [coinbase, ...rest] = b.transactions;
  assert.ok(coinbase);
  assert.deepEqual(coinbase.inputs[0]?.witness, [new Uint8Array(32)]);
  assert.equal(coinbase.lockTime, 101);
  assert.equal(
    coinbase.outputs.reduce((s, o) => s + o.valueSats, 0n),
    template.coinbaseValueSats,
  );
  assert.deepEqual(
    commitmentFromScript(coinbase.outputs.at(-1)?.script ?? new Uint8Array()),
    witnessCommitment(rest.map((t) => t.wtxid)),
  );
  assert.deepEqual(
    rest.map((t) => display(t.txid)),
    template.transactions.map((t) => t.txid),
  );
});
