// Stratum session under abuse, through decide(): per-kind rate limits, unknown-job floods and
// floods that mix in some valid work are closed (a strike against the address), and an
// authorized connection that never finds a share is closed while a slow honest one is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Effect } from '../../../actors/connection/messages.js';
import { primeDialect } from '../../../actors/connection/prime-dialect.js';
import { DEFAULT_VARDIFF } from '../../../actors/connection/vardiff.js';
import { chainWork, wordOfLength } from '../../../actors/shared/prime-share-value.js';
import { cleanJob, harness, ready } from './session-harness.js';

const closeOf = (effects: Effect[]) => effects.find((e) => e.kind === 'close');

test('session abuse - every request kind is rate limited per connection; the bucket refills', () => {
  const h = harness('aabbccdd', { banWindow: 1_000 });
  ready(h);
  assert.equal(
    h.state.rates,
    null,
    'a connection that only subscribed and authorized holds no buckets',
  );
  const suggest = (id: number) => ({ id, method: 'mining.suggest_difficulty', params: [64 + id] });
  // 30 per minute, minus none used: 30 answered, the 31st refused.
  for (let i = 0; i < 30; i++) assert.equal(h.sent(h.line(suggest(100 + i)))[0]?.result, true);
  const refused = h.sent(h.line(suggest(200)));
  assert.deepEqual(refused[0].error, [
    20,
    'Too many requests, slow down: mining.suggest_difficulty at most 30 per 60 s',
    null,
  ]);
  h.advance(2_000); // one more token (30 per 60 s)
  assert.equal(h.sent(h.line(suggest(201)))[0]?.result, true);
  assert.equal(h.sent(h.line(suggest(202)))[0]?.error?.[0], 20);
  // Other kinds have their own buckets.
  for (let i = 0; i < 9; i++) h.line({ id: 300 + i, method: 'mining.subscribe', params: [] });
  assert.equal(
    h.sent(h.line({ id: 310, method: 'mining.subscribe', params: [] }))[0]?.error?.[0],
    20,
    'the 11th subscribe in a minute (one was made by ready)',
  );
});

test('session abuse - a subscribe flood is closed once the window is mostly refusals', () => {
  const h = harness('aabbccdd', { banWindow: 20, banInvalidFraction: 0.5 });
  let closed: Effect | undefined;
  let n = 0;
  while (!closed && n < 1_000) {
    closed = closeOf(h.line({ id: ++n, method: 'mining.subscribe', params: [] }));
  }
  assert.ok(closed?.kind === 'close' && closed.ban, 'closed as misbehaving');
  assert.ok(n <= 40, `closed after ${n} subscribes`);
});

test('session abuse - an unknown-job flood is closed, and so is one mixing in a few valid shares', () => {
  const flood = (validEvery: number) => {
    const h = harness('aabbccdd', {
      banWindow: 50,
      banInvalidFraction: 0.5,
      maxPendingSubmits: 1e6,
    });
    ready(h);
    for (let i = 0; i < 1_000; i++) {
      const valid = i % validEvery === 0;
      const params = [
        'acct',
        valid ? 'a' : 'nope',
        '00000001',
        '5cb6dd9e',
        (i + 1).toString(16).padStart(8, '0'),
      ];
      const effects = h.line({ id: 10 + i, method: 'mining.submit', params });
      const c = closeOf(effects);
      if (c) return { closedAfter: i + 1, close: c };
      const v = effects.find((e) => e.kind === 'verify');
      if (v?.kind === 'verify') {
        const verdict = { requestId: v.share.requestId, verdict: 'accepted' as const };
        const c2 = closeOf(h.run({ type: 'verdict', verdict }));
        if (c2) return { closedAfter: i + 1, close: c2 };
      }
    }
    return { closedAfter: null, close: undefined };
  };
  const unknown = flood(1_000_000);
  assert.ok(unknown.close?.kind === 'close' && unknown.close.ban);
  assert.equal(unknown.closedAfter, 50, 'as soon as the window is full');
  const mixed = flood(10); // one valid share per 9 unknown-job submits
  assert.ok(mixed.close?.kind === 'close' && mixed.close.ban, 'mixing 10 % valid work');
  const honest = flood(1); // all valid: never closed
  assert.equal(honest.closedAfter, null);
});

test('session abuse - an authorized connection without a valid share is closed; a slow honest one is not', () => {
  const idle = harness('aabbccdd', { idleShareMs: 60_000 });
  ready(idle);
  idle.advance(59_000);
  assert.equal(closeOf(idle.run({ type: 'tick' })), undefined);
  idle.advance(1_000);
  const c = closeOf(idle.run({ type: 'tick' }));
  assert.ok(c?.kind === 'close' && !c.ban, 'closed, not a strike (a broken device is no attacker)');
  assert.match(c.reason, /^no valid share/);

  // A device whose shares come every 100 s gets ten times that.
  const slow = harness('aabbccdd', { idleShareMs: 60_000, maxPendingSubmits: 100 });
  ready(slow);
  for (let i = 0; i < 5; i++) {
    slow.advance(100_000);
    const params = ['acct', 'a', '00000001', '5cb6dd9e', (i + 1).toString(16).padStart(8, '0')];
    const v = slow
      .line({ id: 10 + i, method: 'mining.submit', params })
      .find((e) => e.kind === 'verify');
    assert.ok(v?.kind === 'verify');
    slow.run({ type: 'verdict', verdict: { requestId: v.share.requestId, verdict: 'accepted' } });
  }
  slow.advance(900_000);
  assert.equal(closeOf(slow.run({ type: 'tick' })), undefined, '900 s < 10 × 100 s');
  slow.advance(100_000);
  assert.ok(closeOf(slow.run({ type: 'tick' })));
});

test('session abuse - the prime dialect has the same limits: rate, unknown-job flood, idle', () => {
  const model = { stepRatio: 10, baseLength: 2 }; // the prime devnet's
  const work = (length: number) => chainWork(wordOfLength(length), model);
  const cfg = {
    startDifficulty: work(3),
    vardiff: { ...DEFAULT_VARDIFF, minDifficulty: work(2), maxDifficulty: work(99) },
    banWindow: 20,
    banInvalidFraction: 0.5,
    idleShareMs: 60_000,
    maxPendingSubmits: 1_000,
  };
  const primeJob = {
    ...cleanJob('p', work(6)),
    family: 'prime' as const,
    notify: ['p', '00'.repeat(32), '', '', [], '00000002', '06000000', '5cb6dd9e', true],
  };
  const start = () => {
    const h = harness('0000000a', cfg, primeDialect(model));
    h.line({ id: 1, method: 'mining.subscribe', params: [] });
    h.line({ id: 2, method: 'mining.authorize', params: ['acct.rig', 'x'] });
    h.run({ type: 'job', job: primeJob });
    return h;
  };
  const rated = start();
  for (let i = 0; i < 30; i++)
    rated.line({ id: 10 + i, method: 'mining.suggest_difficulty', params: [3] });
  assert.equal(
    rated.sent(rated.line({ id: 99, method: 'mining.suggest_difficulty', params: [3] }))[0]
      ?.error?.[0],
    20,
  );

  const flood = start();
  let closed: Effect | undefined;
  for (let i = 0; i < 100 && !closed; i++) {
    const params = ['acct.rig', 'nope', '00000000', '5cb6dd9e', '00000001', '02', 'TWN07.000000'];
    closed = closeOf(flood.line({ id: 10 + i, method: 'mining.submit', params }));
  }
  assert.ok(closed?.kind === 'close' && closed.ban, 'an unknown-job flood is closed');

  const idle = start();
  idle.advance(60_000);
  assert.ok(closeOf(idle.run({ type: 'tick' })), 'no share in 60 s: closed');
});
