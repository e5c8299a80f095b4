// The Block actor's decisions without coin nodes: what the nodes' submitblock answers make of
// a candidate's block, what follow rounds make of the blocks in play, and the found block's
// finder, weight and coinbase split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyConfirmations,
  bestConfirmations,
  foundBlock,
  initBlockState,
  restoreBlocks,
  settle,
  submitAnswer,
  submitting,
  toFollow,
  type Answer,
  type BlockState,
} from '../../../actors/block/blocks.js';
import type { FoundBlock } from '../../../actors/block/messages.js';
import type { Job } from '../../../actors/job/job.js';
import type { BlockCandidate } from '../../../actors/share/messages.js';
import { CodedError } from '../../../actors/shared/errors.js';
import { hashNetWeight } from '../../../actors/shared/share-weight.js';
import { targetFromHex } from '../../../actors/shared/target.js';
import { bcoinEndToEndJob } from '../vectors.js';

const job = (await bcoinEndToEndJob()) as Job;

function candidate(worker: string, payoutScript: string | null = null): BlockCandidate {
  return {
    type: 'block.candidate',
    coin: 'bitcoin-regtest',
    jobId: job.id,
    submit: { jobId: job.id, extranonce1: '00000001', extranonce2: '00', ntime: '00', nonce: '00' },
    headerVersion: job.version,
    hash: 'aa'.repeat(32),
    worker,
    node: 'n1',
    foundAtMs: 1_000,
    payoutScript,
  };
}

let n = 0;
/** A block submitted to the nodes, answers still out. */
function submitted(s: BlockState): FoundBlock {
  const hash = (++n).toString(16).padStart(64, '0');
  const found = foundBlock(candidate('acct.rig'), job, hash, 5_000_000_000n, 2_000);
  assert.equal(submitting(s, found).kind, 'submitted');
  return found;
}

const ok = (name: string, result: unknown = null): Answer =>
  submitAnswer(name, { ok: true, value: result });
const failed = (name: string, error: unknown): Answer => submitAnswer(name, { ok: false, error });
const timeout = (name: string) => failed(name, new CodedError('RPC_TIMEOUT', 'no answer'));

test('blocks - found when any node takes it: accepted, duplicate or inconclusive', () => {
  for (const took of [null, 'duplicate', 'inconclusive']) {
    const s = initBlockState();
    const b = submitted(s);
    const e = settle(s, b, [ok('a', 'high-hash'), ok('b', took), timeout('c')], 8);
    assert.equal(e?.kind, 'found', String(took));
    assert.equal(b.status, 'submitted');
    assert.deepEqual(b.results, { a: 'high-hash', b: took, c: 'error: no answer' });
  }
});

test('blocks - rejected when every node refuses; unresolved (no event) when one never answered', () => {
  const s = initBlockState();
  const refused = submitted(s);
  const e = settle(s, refused, [ok('a', 'bad-txns'), failed('b', new Error('500'))], 8);
  assert.equal(e?.kind, 'rejected', 'an error that is an answer counts as a refusal');
  assert.equal(refused.status, 'rejected');
  const silent = submitted(s);
  const unreachable = failed('b', new CodedError('RPC_UNREACHABLE', 'refused'));
  assert.equal(settle(s, silent, [ok('a', 'bad-txns'), unreachable], 8), null);
  assert.equal(silent.status, 'unresolved');
  assert.deepEqual(
    toFollow(s).map((b) => b.hash),
    [silent.hash],
    'followed; the rejected one is not',
  );
});

test('blocks - only the last keepBlocks are kept', () => {
  const s = initBlockState();
  const bs = [submitted(s), submitted(s), submitted(s)];
  for (const b of bs) settle(s, b, [ok('a')], 2);
  assert.deepEqual([...s.blocks.keys()], [bs[1]!.hash, bs[2]!.hash]);
});

test('blocks - a found block is confirmed at maturity, orphaned when no node has it on its chain', () => {
  const s = initBlockState();
  const [young, mature, orphan] = [submitted(s), submitted(s), submitted(s)];
  for (const b of [young, mature, orphan]) settle(s, b, [ok('a')], 8);
  const events = applyConfirmations(
    s,
    { [young.hash]: 99, [mature.hash]: 100, [orphan.hash]: -1, ['ff'.repeat(32)]: 5 },
    100,
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.block.hash]),
    [
      ['confirmed', mature.hash],
      ['orphaned', orphan.hash],
    ],
  );
  assert.deepEqual(
    [young, mature, orphan].map((b) => [b.status, b.confirmations]),
    [
      ['submitted', 99],
      ['confirmed', 100],
      ['orphaned', -1],
    ],
  );
  assert.deepEqual(applyConfirmations(s, { [mature.hash]: 150, [orphan.hash]: 3 }, 100), []);
  assert.deepEqual(toFollow(s), [young]);
});

test('blocks - an unresolved block is found when a node has it, else rejected, once its answers are in', () => {
  const s = initBlockState();
  const restored = { ...submitted(s), status: 'unresolved' as const };
  s.submitting.clear();
  const onChain = { ...restored, hash: 'bb'.repeat(32) };
  const gone = { ...restored, hash: 'cc'.repeat(32) };
  restoreBlocks(s, [onChain, gone]);
  // a restored intent whose own submitblock is still out waits for those answers
  const waiting = submitted(s);
  waiting.status = 'unresolved';
  s.blocks.set(waiting.hash, waiting);
  const events = applyConfirmations(
    s,
    { [onChain.hash]: 1, [gone.hash]: -1, [waiting.hash]: -1 },
    100,
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.block.hash]),
    [
      ['found', onChain.hash],
      ['rejected', gone.hash],
    ],
  );
  assert.equal(s.blocks.get(onChain.hash)?.status, 'submitted');
  assert.equal(s.blocks.get(onChain.hash)?.confirmations, 1);
  assert.equal(waiting.status, 'unresolved');
  restoreBlocks(s, [{ ...onChain, status: 'unresolved' }]);
  assert.equal(s.blocks.get(onChain.hash)?.status, 'submitted', 'a restore keeps what it knows');
});

test('blocks - confirmations are the most any node reports; not found is -1; other errors say nothing', () => {
  const notFound = { ok: false as const, error: Object.assign(new Error('x'), { rpcCode: -5 }) };
  const down = { ok: false as const, error: new CodedError('RPC_UNREACHABLE', 'down') };
  assert.equal(bestConfirmations([{ ok: true, value: { confirmations: 3 } }, notFound]), 3);
  assert.equal(bestConfirmations([notFound, { ok: true, value: { confirmations: 7 } }]), 7);
  assert.equal(bestConfirmations([notFound, down]), -1);
  assert.equal(bestConfirmations([{ ok: true, value: {} }]), -1, 'no count: not on a chain');
  assert.equal(bestConfirmations([down, down]), null);
  assert.equal(bestConfirmations([]), null);
});

test('blocks - the finder, its net weight and what a SOLO coinbase paid', () => {
  const pooled = foundBlock(candidate('acct.rig.2'), job, 'aa'.repeat(32), 1n, 2_000);
  assert.deepEqual(
    [pooled.account, pooled.workerName, pooled.solo, pooled.coinbasePaid],
    ['acct', 'rig.2', false, job.coinbasePaid],
  );
  assert.equal(pooled.netWeight, hashNetWeight(targetFromHex(job.networkTarget)));
  const solo = foundBlock(candidate('bcrt1qsolo', '0014' + '11'.repeat(20)), job, 'aa', 1n, 2);
  assert.deepEqual(
    [solo.account, solo.workerName, solo.solo, solo.coinbasePaid],
    ['bcrt1qsolo', '', true, [{ account: 'bcrt1qsolo', sats: job.coinbaseValueSats }]],
  );
});
