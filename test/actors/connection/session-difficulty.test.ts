// Stratum session - the miner's own difficulty: `d=` in the password and
// mining.suggest_difficulty set the connection's difficulty (down as well as up, clamped to the
// pool's bounds) and hold it as the vardiff floor; in both dialects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { primeDialect } from '../../../actors/connection/prime-dialect.js';
import type { Effect } from '../../../actors/connection/messages.js';
import { DEFAULT_VARDIFF } from '../../../actors/connection/vardiff.js';
import { chainWork, wordOfLength } from '../../../actors/shared/prime-share-value.js';
import { cleanJob, harness, type Harness } from './session-harness.js';

/** The methods and first params of the notifications sent. */
function notes(h: Harness, effects: Effect[]): [string, unknown][] {
  return h
    .sent(effects)
    .filter((m) => m.method !== undefined)
    .map((m) => [m.method, m.params[0]]);
}

/** Subscribes and authorizes `acct.rig` with `password`; the first job then comes. */
function authorized(h: Harness, password: string): Effect[] {
  h.line({ id: 1, method: 'mining.subscribe', params: ['cpuminer/2.5.1'] });
  h.line({ id: 2, method: 'mining.authorize', params: ['acct.rig', password] });
  return h.run({ type: 'job', job: cleanJob('a') });
}

function submit(h: Harness, id: number, jobId: string): Effect[] {
  const nonce = id.toString(16).padStart(8, '0');
  return h.line({
    id,
    method: 'mining.submit',
    params: ['acct.rig', jobId, '00000001', '5cb6dd9e', nonce],
  });
}

function verifiedDifficulty(effects: Effect[]): number {
  const v = effects.find((e) => e.kind === 'verify');
  assert.ok(v && v.kind === 'verify', 'the submit goes to Share');
  return v.share.difficulty;
}

test('session - d= in the password lowers the start difficulty (cpuminer -p d=0.001 on a pool starting at 16)', () => {
  const h = harness('0000000a');
  assert.deepEqual(notes(h, authorized(h, 'd=0.001')), [
    ['mining.set_difficulty', 0.001],
    ['mining.notify', 'a'],
  ]);
  assert.equal(verifiedDifficulty(submit(h, 3, 'a')), 0.001, 'judged and credited at 0.001');

  const other = harness('0000000b');
  assert.deepEqual(notes(other, authorized(other, 'x,d=64')), [
    ['mining.set_difficulty', 64],
    ['mining.notify', 'a'],
  ]);
});

test('session - d= is clamped to the pool min and max difficulty', () => {
  const bounds = { vardiff: { ...DEFAULT_VARDIFF, minDifficulty: 0.5, maxDifficulty: 1024 } };
  const low = harness('0000000a', bounds);
  assert.deepEqual(notes(low, authorized(low, 'd=0.001'))[0], ['mining.set_difficulty', 0.5]);
  const high = harness('0000000b', bounds);
  assert.deepEqual(notes(high, authorized(high, 'd=1000000'))[0], ['mining.set_difficulty', 1024]);
});

test('session - vardiff holds the asked difficulty as its floor: an idle miner stays, a fast one is raised and comes back to it', () => {
  const idle = harness('0000000a');
  authorized(idle, 'd=0.001');
  for (let i = 0; i < 60; i++) {
    idle.advance(10_000);
    assert.deepEqual(
      notes(idle, idle.run({ type: 'tick' })),
      [],
      'ten idle minutes change nothing',
    );
  }
  assert.equal(idle.state.vardiff.difficulty, 0.001);

  // Eight shares inside one target interval: the fast path raises it above the floor.
  const h = harness('0000000b');
  authorized(h, 'd=0.001');
  let raised: [string, unknown][] = [];
  for (let id = 10; id < 18; id++) {
    const v = submit(h, id, 'a').find((e) => e.kind === 'verify');
    assert.ok(v && v.kind === 'verify');
    h.advance(100);
    const verdict = { requestId: v.share.requestId, verdict: 'accepted' as const };
    raised = notes(h, h.run({ type: 'verdict', verdict }));
  }
  assert.equal(raised[0]?.[0], 'mining.set_difficulty');
  assert.ok((raised[0]?.[1] as number) > 0.001, `raised to ${String(raised[0]?.[1])}`);

  // Silence again: down on ticks, to the floor and never below it.
  const seen: number[] = [];
  for (let i = 0; i < 360; i++) {
    h.advance(10_000);
    for (const [method, d] of notes(h, h.run({ type: 'tick' })))
      if (method === 'mining.set_difficulty') seen.push(d as number);
  }
  assert.ok(seen.length > 0 && seen.every((d) => d >= 0.001), `lowered through ${seen.join(', ')}`);
  assert.equal(seen.at(-1), 0.001);
});

test('session - suggest_difficulty before the first job (even before authorize) is the start difficulty; the latest ask wins', () => {
  const h = harness('0000000a');
  h.line({ id: 1, method: 'mining.subscribe', params: [] });
  assert.deepEqual(h.sent(h.line({ id: 2, method: 'mining.suggest_difficulty', params: [0.25] })), [
    { id: 2, result: true, error: null },
  ]);
  h.line({ id: 3, method: 'mining.authorize', params: ['acct.rig', 'x'] });
  assert.deepEqual(notes(h, h.run({ type: 'job', job: cleanJob('a') })), [
    ['mining.set_difficulty', 0.25],
    ['mining.notify', 'a'],
  ]);

  const k = harness('0000000b');
  k.line({ id: 1, method: 'mining.suggest_difficulty', params: [0.25] });
  assert.deepEqual(notes(k, authorized(k, 'd=0.004'))[0], ['mining.set_difficulty', 0.004]);
});

test('session - suggest_difficulty after work started retargets at once; shares keep the difficulty their job was sent at', () => {
  const h = harness('0000000a');
  authorized(h, 'x');
  const lowered = h.line({ id: 3, method: 'mining.suggest_difficulty', params: [2] });
  assert.deepEqual(h.sent(lowered)[0], { id: 3, result: true, error: null });
  const [diff, renotify] = h.sent(lowered).slice(1);
  assert.deepEqual(diff.params, [2]);
  assert.equal(renotify.method, 'mining.notify');
  assert.equal(renotify.params[8], false, 'a re-issue, not a clean job');
  assert.equal(verifiedDifficulty(submit(h, 4, 'a')), 16, 'the job sent before: its difficulty');
  assert.equal(verifiedDifficulty(submit(h, 5, renotify.params[0])), 2);
  assert.deepEqual(
    h.sent(h.line({ id: 6, method: 'mining.suggest_difficulty', params: [2] })),
    [{ id: 6, result: true, error: null }],
    'the same difficulty again: nothing to announce',
  );
});

test('session - prime dialect: d= is a chain length, sent back exactly and clamped to the shortest share target', () => {
  const model = { stepRatio: 10, baseLength: 2 }; // the prime devnet's
  const work = (length: number) => chainWork(wordOfLength(length), model);
  const cfg = {
    startDifficulty: work(3),
    vardiff: { ...DEFAULT_VARDIFF, minDifficulty: work(2), maxDifficulty: work(99) },
  };
  const primeJob = {
    ...cleanJob('p', work(6)),
    family: 'prime' as const,
    notify: ['p', '00'.repeat(32), '', '', [], '00000002', '06000000', '5cb6dd9e', true],
  };
  const session = (password: string) => {
    const h = harness('0000000a', cfg, primeDialect(model));
    h.line({ id: 1, method: 'mining.subscribe', params: [] });
    h.line({ id: 2, method: 'mining.authorize', params: ['acct.rig', password] });
    return h.sent(h.run({ type: 'job', job: primeJob }));
  };
  const [diff, notify] = session('d=3.5');
  assert.deepEqual(diff.params, [3.5]);
  assert.equal(notify.params[9], '03800000', 'the share target word of 3.5');
  assert.deepEqual(session('d=1')[0].params, [2], 'no shorter than the pool minimum');
});
