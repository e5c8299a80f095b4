// witness - BIP141 commitments computed from wtxids equal the real ones and the node's default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commitmentFromScript,
  templateWitnessCommitmentScript,
  witnessCommitment,
  witnessCommitmentScript,
  witnessRoot,
} from '../../../actors/job/witness.js';
import { parseTemplate } from '../../../actors/job/template.js';
import { WITNESS_COMMITMENT_MISMATCH } from '../../../actors/job/errors.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bytesToHex, hexToBytes, reverseBytes } from '../../../actors/shared/hex.js';
import { bitcoin, gbtBcoinRegtest } from '../vectors.js';

test('witness - mainnet block 542213: root and commitment from its wtxids match the block', () => {
  const v = bitcoin.witness_commitment_block_542213;
  const wtxids = v.wtxids_display.slice(1).map((h) => reverseBytes(hexToBytes(h)));
  assert.equal(bytesToHex(witnessRoot(wtxids)), v.witness_root_internal);
  const c = witnessCommitment(wtxids, hexToBytes('00'.repeat(32)));
  assert.equal(bytesToHex(c), v.expected_commitment);
  assert.equal(bytesToHex(witnessCommitmentScript(c)), v.commitment_output_script);
  assert.ok(v.coinbase_non_witness_hex.includes(v.commitment_output_script));
  assert.equal(
    bytesToHex(commitmentFromScript(hexToBytes(v.commitment_output_script)) ?? new Uint8Array()),
    v.expected_commitment,
  );
});

test('witness - a coinbase-only block commits to e2f61c3f...8cf9', () => {
  const v = bitcoin.witness_commitment_empty_block;
  assert.equal(bytesToHex(witnessCommitment([])), v.commitment);
  assert.equal(bytesToHex(witnessCommitmentScript(witnessCommitment([]))), v.script);
});

test('witness - computed commitments equal default_witness_commitment on real templates', () => {
  const templates = [
    bitcoin.stratum_publicpool_testnet3.getblocktemplate,
    bitcoin.regtest_bcoin_end_to_end.getblocktemplate,
    gbtBcoinRegtest.result,
  ];
  for (const raw of templates) {
    const t = parseTemplate(raw);
    assert.equal(bytesToHex(templateWitnessCommitmentScript(t)), raw.default_witness_commitment);
  }
  const pp = bitcoin.stratum_publicpool_testnet3;
  const wtxids = pp.getblocktemplate.transactions.map((t) => reverseBytes(hexToBytes(t.hash)));
  assert.equal(bytesToHex(witnessRoot(wtxids)), pp.expected['witness_root_internal']);
  assert.equal(bytesToHex(witnessCommitment(wtxids)), pp.expected['witness_commitment']);
});

test('witness - a template whose default commitment disagrees with its transactions is refused', () => {
  const raw = {
    ...gbtBcoinRegtest.result,
    transactions: gbtBcoinRegtest.result.transactions.slice(0, 1),
  };
  const t = parseTemplate(raw);
  assert.throws(
    () => templateWitnessCommitmentScript(t),
    (e) => hasCode(e, WITNESS_COMMITMENT_MISMATCH),
  );
});

test('witness - scripts without the commitment header are not commitments', () => {
  assert.equal(commitmentFromScript(hexToBytes('6a24aa21a9ee' + '00'.repeat(32))), undefined);
  assert.equal(commitmentFromScript(hexToBytes('6a24aa21a9ed')), undefined);
});
