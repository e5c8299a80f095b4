// merkle - Stratum branches and roots against real blocks and templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  merkleBranch,
  merkleRoot,
  merkleRootFromBranch,
  MERKLE_INVALID,
} from '../../../actors/shared/merkle.js';
import { bytesToHex, hexToBytes, reverseBytes, reverseHex } from '../../../actors/shared/hex.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bitcoin } from '../vectors.js';

const internal = (display: string) => reverseBytes(hexToBytes(display));

test('merkle - testnet block 301322 (10 txs): branch from txids, root from branch and from the full tree', () => {
  const v = bitcoin.merkle_branch_testnet_block_301322;
  const txids = v.txids_display.map(internal);
  assert.equal(txids.length, v.tx_count);
  assert.equal(bytesToHex(txids[0] as Uint8Array), v.coinbase_txid_internal);
  const branch = merkleBranch(txids.slice(1));
  assert.deepEqual(branch.map(bytesToHex), v.expected_stratum_merkle_branch_internal);
  const root = merkleRootFromBranch(hexToBytes(v.coinbase_txid_internal), branch);
  assert.equal(bytesToHex(root), v.expected_merkle_root_internal);
  assert.equal(reverseHex(bytesToHex(root)), v.expected_merkle_root_display);
  assert.equal(bytesToHex(merkleRoot(txids)), v.expected_merkle_root_internal);
  assert.equal(v.block_hex.slice(72, 136), v.expected_merkle_root_internal);
});

test('merkle - testnet block 301321 (103 txs): the 7-entry branch folds to the recorded root', () => {
  const v = bitcoin.merkle_branch_testnet_block_301321;
  assert.equal(v.expected_stratum_merkle_branch_internal.length, 7);
  const root = merkleRootFromBranch(
    hexToBytes(v.coinbase_txid_internal),
    v.expected_stratum_merkle_branch_internal.map((h) => hexToBytes(h)),
  );
  assert.equal(bytesToHex(root), v.expected_merkle_root_internal);
});

test('merkle - mainnet block 542213 (4 txs): branch and root', () => {
  const v = bitcoin.witness_commitment_block_542213;
  const txids = v.txids_display.map(internal);
  assert.deepEqual(merkleBranch(txids.slice(1)).map(bytesToHex), v.stratum_merkle_branch);
  assert.equal(bytesToHex(merkleRoot(txids)), v.merkle_root_internal);
});

test('merkle - public-pool testnet template: branch from the GBT txids equals the notify branch', () => {
  const v = bitcoin.stratum_publicpool_testnet3;
  const branch = merkleBranch(v.getblocktemplate.transactions.map((t) => internal(t.txid)));
  assert.deepEqual(branch.map(bytesToHex), v.expected.merkle_branch_from_gbt_txids);
  assert.deepEqual(branch.map(bytesToHex), v.messages.notify_params[4]);
});

test('merkle - no transactions: empty branch, the coinbase txid is the root', () => {
  const cb = hexToBytes('11'.repeat(32));
  assert.deepEqual(merkleBranch([]), []);
  assert.deepEqual(merkleRootFromBranch(cb, []), cb);
  assert.deepEqual(merkleRoot([cb]), cb);
});

test('merkle - root from the branch equals the full-tree root for any tx list (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 70 }),
      (leaves) => {
        const [coinbase, ...rest] = leaves as [Uint8Array, ...Uint8Array[]];
        const branch = merkleBranch(rest);
        assert.equal(branch.length, Math.ceil(Math.log2(rest.length + 1)));
        assert.deepEqual(merkleRootFromBranch(coinbase, branch), merkleRoot(leaves));
      },
    ),
    { numRuns: 200 },
  );
});

test('merkle - nodes that are not 32 bytes are refused', () => {
  assert.throws(
    () => merkleRoot([]),
    (e) => hasCode(e, MERKLE_INVALID),
  );
  assert.throws(
    () => merkleBranch([new Uint8Array(31)]),
    (e) => hasCode(e, MERKLE_INVALID),
  );
});
