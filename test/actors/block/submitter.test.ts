// The per-node block submitter with a real LMDB journal in a temp dir, coin nodes and a block log
// as doubles: the block is in the journal before submitblock leaves; its records are appended in
// order, retried while the log refuses them, and only then is the entry removed and the block
// handed to the Block leader; a journal a killed process left is submitted again and logged at
// start; a block submitted without the Block lease is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BlockJournal } from '../../../actors/block/journal.js';
import { blockSubmitter } from '../../../actors/block/submitter.js';
import type { SubmitterStats } from '../../../actors/block/messages.js';
import type { Job } from '../../../actors/job/index.js';
import type { CoinRpc } from '../../../actors/job/rpc-client.js';
import type { LogRecord } from '../../../actors/ledger/index.js';
import type { BlockCandidate } from '../../../actors/share/messages.js';
import { SimulatedClock, type ActorContext } from '../../../runtime/index.js';
import { until } from '../../helpers/until.js';
import { bcoinEndToEndJob } from '../vectors.js';

function candidateFor(job: Job): BlockCandidate {
  return {
    type: 'block.candidate',
    coin: 'bitcoin-regtest',
    jobId: job.id,
    submit: {
      jobId: job.id,
      extranonce1: '00000001',
      extranonce2: '00000000',
      ntime: job.ntime.toString(16).padStart(8, '0'),
      nonce: '00000000',
    },
    headerVersion: job.version,
    hash: 'ab'.repeat(32),
    worker: 'acct.rig',
    node: 'n1',
    foundAtMs: 1_700_000_000_000,
    payoutScript: null,
  };
}

function setup(
  dir: string,
  opts: { failAppends: number; holdsLease: boolean; answer: string | null },
) {
  const journal = BlockJournal.open(dir);
  const calls: { method: string; journaled: string[]; hex: string }[] = [];
  const node = {
    name: 'devnet',
    call: (method: string, params: string[] = []) => {
      const journaled = journal.pending().map((e) => e.block.hash);
      calls.push({ method, journaled, hex: params[0] ?? '' });
      return Promise.resolve(opts.answer);
    },
  } as unknown as CoinRpc;
  const appended: string[] = [];
  let failures = opts.failAppends;
  const told: { to: string; msg: { type: string } }[] = [];
  const ctx = {
    self: 'submitter',
    node: 'n1',
    clock: new SimulatedClock(1_700_000_000_000),
    log: pino({ level: 'silent' }),
    lease: undefined,
    tell: (to: string, msg: { type: string }) => void told.push({ to, msg }),
    publish: () => undefined,
    ask: () => Promise.reject(new Error('no asks in this test')),
  } as unknown as ActorContext;
  const stats: SubmitterStats = { journaled: 0, pending: 0, withoutLease: 0, recovered: 0 };
  const start = () =>
    blockSubmitter({
      coin: 'bitcoin-regtest',
      nodes: [node],
      job: 'job' as never,
      block: 'block' as never,
      keepJobs: 8,
      rpcTimeoutMs: 1_000,
      subsidySats: () => 5_000_000_000n,
      journal,
      appendRecord: (r: LogRecord) => {
        if (failures-- > 0) return Promise.reject(new Error('bus away'));
        appended.push(r.type);
        return Promise.resolve(1);
      },
      holdsLease: () => opts.holdsLease,
      stats,
      retryMaxMs: 20,
    })(ctx);
  return { journal, calls, appended, told, ctx, stats, start };
}

test('block submitter - journals before submitblock, logs intent then found, then clears and hands the block to the leader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-journal-'));
  const job = await bcoinEndToEndJob();
  const t = setup(dir, { failAppends: 3, holdsLease: false, answer: null });
  try {
    const s = t.start();
    s.receive({ type: 'job.full', job }, t.ctx);
    await s.receive(candidateFor(job), t.ctx);
    assert.deepEqual(
      t.calls.map(({ method, journaled }) => ({ method, journaled })),
      [{ method: 'submitblock', journaled: ['ab'.repeat(32)] }],
    );
    assert.equal(t.stats.withoutLease, 1, 'submitted without the Block lease');
    assert.equal(t.stats.journaled, 1);
    // The coin node answered, but the Share actor has not handed the batch to the sink yet: the
    // found record waits behind its shares (only the intent is appended meanwhile).
    await until('the intent is logged', () => t.appended.length === 1 || undefined, 5_000, 10);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(t.appended, ['block.submitted']);
    assert.equal(t.stats.pending, 1);
    s.receive({ type: 'block.shares-settled', hashes: ['ab'.repeat(32)] }, t.ctx);
    // The log refused three times (the bus is away): the entry stays until it takes them.
    await until(
      'the records are logged',
      () => (t.stats.pending === 0 ? true : undefined),
      5_000,
      10,
    );
    assert.deepEqual(t.appended, ['block.submitted', 'block.found']);
    assert.deepEqual(t.journal.pending(), []);
    const restore = t.told.find((x) => x.msg.type === 'block.restore');
    assert.equal(restore?.to, 'block');
    assert.ok(t.told.some((x) => x.to === 'job' && x.msg.type === 'job.refresh'));
    // The same candidate again (a second share of it): not submitted twice.
    await s.receive(candidateFor(job), t.ctx);
    assert.equal(t.calls.length, 1);
  } finally {
    await t.journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('block submitter - entries a killed process left are submitted again and logged at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-journal-'));
  const job = await bcoinEndToEndJob();
  // First life: the journal is written, then the process "dies" before any answer or append.
  const first = setup(dir, { failAppends: 0, holdsLease: true, answer: null });
  let blockHex = '';
  const neverAnswered = {
    name: 'devnet',
    call: (_m: string, params: string[]) => {
      blockHex = params[0] ?? '';
      return new Promise(() => undefined);
    },
  } as unknown as CoinRpc;
  const dying = blockSubmitter({
    coin: 'bitcoin-regtest',
    nodes: [neverAnswered],
    job: 'job' as never,
    block: 'block' as never,
    keepJobs: 8,
    rpcTimeoutMs: 1_000,
    subsidySats: () => 5_000_000_000n,
    journal: first.journal,
    appendRecord: () => new Promise(() => undefined),
    holdsLease: () => true,
    stats: first.stats,
  })(first.ctx);
  dying.receive({ type: 'job.full', job }, first.ctx);
  assert.ok(job.transactions.length > 0);
  await until('the job is in the journal', () => first.journal.holdsJob(job.id) || undefined);
  void dying.receive(candidateFor(job), first.ctx);
  await new Promise((r) => setTimeout(r, 10));
  const [entry] = first.journal.pending();
  assert.equal(first.journal.pending().length, 1);
  assert.equal(entry?.txsOf, job.id, 'the entry names the job, not its transactions');
  assert.ok(entry.head.length < 1_000);
  const firstHex = blockHex;
  await first.journal.close();

  // Second life on the same journal: the coin node already has it.
  const t = setup(dir, { failAppends: 1, holdsLease: true, answer: 'duplicate' });
  try {
    t.start();
    await until(
      'the journal is drained',
      () => (t.journal.pending().length === 0 ? true : undefined),
      5_000,
      10,
    );
    assert.equal(t.stats.recovered, 1);
    assert.equal(t.calls[0]?.method, 'submitblock', 'submitted again');
    assert.deepEqual(t.appended, ['block.submitted', 'block.found']);
    assert.ok(blockHex.length > 160);
    assert.equal(
      t.calls[0]?.hex,
      firstHex,
      'the same block, rebuilt from the entry and the job row',
    );
    assert.ok(t.told.some((x) => x.to === 'block' && x.msg.type === 'block.restore'));
  } finally {
    await t.journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('block submitter - without word from the Share actor, the found record is appended after a while', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-journal-'));
  const job = await bcoinEndToEndJob();
  const t = setup(dir, { failAppends: 0, holdsLease: true, answer: null });
  try {
    const s = t.start();
    s.receive({ type: 'job.full', job }, t.ctx);
    await s.receive(candidateFor(job), t.ctx);
    await until('the intent is logged', () => t.appended.length === 1 || undefined, 5_000, 10);
    (t.ctx.clock as SimulatedClock).advance(4_999);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(t.appended, ['block.submitted'], 'still waiting for the word');
    (t.ctx.clock as SimulatedClock).advance(1);
    await until('found is logged', () => t.appended.length === 2 || undefined, 5_000, 10);
    assert.deepEqual(t.appended, ['block.submitted', 'block.found']);
  } finally {
    await t.journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
