// block log records: which Block actor event writes what (a found block is logged when its
// submitblock is written; a block every coin node refused is then undone as orphaned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FoundBlock } from '../../actors/block/actor.js';
import { blockRecord } from '../../topology/log/block-log.js';

const block: FoundBlock = {
  hash: 'ab'.repeat(32),
  height: 7,
  jobId: '1x2',
  worker: 'acct.rig',
  account: 'acct',
  workerName: 'rig',
  netWeight: 4096n,
  subsidySats: 5_000_000_000n,
  coinbasePaid: [],
  solo: false,
  node: 'n1',
  coinbaseValueSats: 5_000_010_000n,
  foundAtMs: 1_700_000_000_000,
  submittedAtMs: 1_700_000_000_001,
  results: {},
  status: 'submitted',
  confirmations: 0,
};

test('block log - submitted writes block.found, found nothing more, rejected block.orphaned', () => {
  const found = blockRecord('submitted', block, 'bitcoin-regtest', 1);
  assert.equal(found?.type, 'block.found');
  assert.equal(found?.id, `bitcoin-regtest:${block.hash}:found`);
  assert.equal(blockRecord('found', block, 'bitcoin-regtest', 2), null);
  const undone = blockRecord('rejected', { ...block, status: 'rejected' }, 'bitcoin-regtest', 3);
  assert.deepEqual(undone, {
    type: 'block.orphaned',
    v: found?.v,
    id: `bitcoin-regtest:${block.hash}:orphaned`,
    coin: 'bitcoin-regtest',
    hash: block.hash,
    height: 7,
    atMs: 3,
  });
  assert.equal(blockRecord('confirmed', block, 'bitcoin-regtest', 4)?.type, 'block.matured');
  assert.equal(blockRecord('orphaned', block, 'bitcoin-regtest', 5)?.type, 'block.orphaned');
});
