// Stratum session - real miner exchanges (slush, public-pool bitaxe, btcpool replay) and
// hostile sequences through decide(), with the wire lines compared to the recordings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { vectorPath } from '../../helpers/paths.js';
import type { Effect } from '../../../actors/connection/messages.js';
import { harness, job, ready } from './session-harness.js';

const vectors = JSON.parse(readFileSync(vectorPath('bitcoin-stratum.json'), 'utf8'));

test('session - public-pool bitaxe exchange: configure mask, suggested difficulty, notify, submit', () => {
  const rec = vectors.stratum_publicpool_testnet3;
  const m = rec.messages;
  const h = harness(rec.expected.extranonce1);
  h.run({ type: 'job', job: job(m.notify_params) });
  const sub = h.sent(h.line(m.subscribe));
  assert.deepEqual(sub[0].result.slice(1), m.subscribe_result_expected.slice(1));
  assert.deepEqual(h.sent(h.line(m.configure))[0].result, m.configure_result_expected);
  const auth = h.sent(h.line(m.authorize));
  assert.deepEqual(auth[0], { id: 3, result: true, error: null });
  assert.equal(
    auth[1].method,
    'mining.set_difficulty',
    'set_difficulty comes before the first notify',
  );
  assert.equal(auth[2].method, 'mining.notify');
  const suggest = h.sent(h.line(m.suggest_difficulty));
  assert.deepEqual(suggest[0], { id: 4, result: true, error: null });
  assert.deepEqual(suggest[1], m.set_difficulty_expected);
  const renotify = suggest[2];
  assert.equal(renotify.method, 'mining.notify');
  assert.notEqual(
    renotify.params[0],
    '1',
    'a re-issue after a difficulty change gets its own job id',
  );
  assert.deepEqual(renotify.params.slice(1, 8), m.notify_params.slice(1, 8));
  assert.deepEqual(auth[2].params, m.notify_params, 'the first notify is the recorded one');

  // The recorded submit names the original job id, issued at difficulty 16 before the suggestion.
  const effects = h.line(m.submit);
  const verify = effects.find((e) => e.kind === 'verify');
  assert.ok(verify && verify.kind === 'verify');
  assert.deepEqual(
    { ...verify.share, worker: undefined },
    {
      requestId: 1,
      jobId: '1',
      worker: undefined,
      extranonce1: '57a6f098',
      extranonce2: 'c7080000',
      ntime: 0x64b3f3ec,
      nonce: 0xed460d91,
      extra: '00002000',
      chainClaim: null,
      versionMask: 0x1fffe000,
      difficulty: 16,
      payoutScript: null,
    },
  );
  const done = h.sent(h.run({ type: 'verdict', verdict: { requestId: 1, verdict: 'accepted' } }));
  assert.deepEqual(done[0], { id: 5, result: m.submit_result, error: null });
});

test('session - the same job announced twice is sent once (no re-issue, no stale marking)', () => {
  const h = harness('0000000a');
  ready(h);
  const again = h.run({
    type: 'job',
    job: job(['a', '00'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9e', true]),
  });
  assert.deepEqual(again, []);
  assert.equal(h.state.jobs.length, 1);
  assert.equal(h.state.jobs[0]?.stale, false);
  const next = h.sent(
    h.run({
      type: 'job',
      job: job(['b', '00'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9f', false]),
    }),
  );
  assert.deepEqual(
    next.map((n) => [n.method, n.params[0]]),
    [['mining.notify', 'b']],
  );
});

test('session - slush exchange: subscribe result carries extranonce1 and size, submit is forwarded', () => {
  const rec = vectors.stratum_slush_testnet3;
  const m = rec.messages;
  const h = harness(rec.expected.extranonce1);
  const sub = h.sent(h.line(m.subscribe))[0];
  assert.equal(sub.result[1], m.subscribe_result[1]);
  assert.equal(sub.result[2], m.subscribe_result[2]);
  h.line(m.authorize);
  const notify = h.sent(h.run({ type: 'job', job: job(m.notify_params) }));
  assert.deepEqual(
    notify.map((n) => n.method),
    ['mining.set_difficulty', 'mining.notify'],
  );
  assert.deepEqual(notify[1].params, m.notify_params);
  const verify = h.line(m.submit).find((e) => e.kind === 'verify');
  assert.ok(verify && verify.kind === 'verify');
  assert.equal(verify.share.extranonce2, m.submit.params[2]);
  assert.equal(verify.share.ntime, parseInt(m.submit.params[3], 16));
  assert.equal(verify.share.nonce, parseInt(m.submit.params[4], 16));
  assert.equal(verify.share.extra, null);
});

test('session - btcpool replay: duplicates answered 22 by the connection, verdicts mapped to codes', () => {
  const rec = vectors.stratum_btcpool_regtest;
  const h = harness('01000000', { extranonce2Size: 8, maxPendingSubmits: 100 });
  h.line({ id: 1, method: 'mining.subscribe', params: [] });
  h.line({ id: 2, method: 'mining.authorize', params: ['hu60.111', ''] });
  h.line({ id: 3, method: 'mining.authorize', params: ['hu60.80ti', ''] });
  let verifies = 0;
  const announced = new Set<string>();
  for (const c of rec.cases) {
    if (!announced.has(c.job_id)) h.run({ type: 'job', job: job(c.notify_params) });
    announced.add(c.job_id);
    const effects = h.line(c.submit);
    const verify = effects.find((e) => e.kind === 'verify');
    if (c.duplicate_of_earlier_submit) {
      assert.equal(verify, undefined, 'a duplicate never reaches the Share actor');
      assert.deepEqual(h.sent(effects)[0], c.response);
      continue;
    }
    assert.ok(verify && verify.kind === 'verify');
    verifies++;
    const verdict = c.response.error ? 'low-difficulty' : 'accepted';
    const reply = h.sent(
      h.run({ type: 'verdict', verdict: { requestId: verify.share.requestId, verdict } }),
    );
    assert.equal(reply[0].id, c.response.id);
    assert.equal(reply[0].result === true, c.response.result === true);
    if (c.response.error) assert.equal(reply[0].error[0], c.response.error[0]);
  }
  assert.equal(verifies, rec.cases.length - 2);
});

test('session - submit before subscribe is 25, before authorize 24, unknown job 21, bad extranonce2 20', () => {
  const h = harness('aabbccdd');
  const submit = (id: number, worker = 'acct.w', jobId = 'j1', en2 = '00000001') => ({
    id,
    method: 'mining.submit',
    params: [worker, jobId, en2, '5cb6dd9e', 'fe65ed2f'],
  });
  assert.equal(h.sent(h.line(submit(1)))[0].error[0], 25);
  h.line({ id: 2, method: 'mining.subscribe', params: ['cpuminer/2.5'] });
  assert.equal(h.sent(h.line(submit(3)))[0].error[0], 24);
  assert.equal(
    h.sent(h.line({ id: 4, method: 'mining.authorize', params: ['bad.w', 'x'] }))[0].error[0],
    24,
  );
  h.line({ id: 5, method: 'mining.authorize', params: ['acct.w', 'x'] });
  h.run({
    type: 'job',
    job: job(['j1', '00'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9e', true]),
  });
  assert.equal(h.sent(h.line(submit(6, 'acct.w', 'nope')))[0].error[0], 21);
  assert.equal(h.sent(h.line(submit(7, 'acct.w', 'j1', '0001')))[0].error[0], 20);
  assert.ok(h.line(submit(8)).some((e) => e.kind === 'verify'));
});

test('session - duplicates are exact: the same nonce under other fields is new, each repeat is 22', () => {
  const h = harness('aabbccdd', { maxPendingSubmits: 100 });
  ready(h);
  let id = 10;
  const submit = (en2: string, ntime: string, nonce: string) =>
    h.line({ id: id++, method: 'mining.submit', params: ['acct', 'a', en2, ntime, nonce] });
  const verified = (e: Effect[]) => e.some((x) => x.kind === 'verify');
  const code = (e: Effect[]) => h.sent(e)[0]?.error?.[0];
  // A miner rolling nonces under one extranonce2 and ntime, then the same nonces elsewhere.
  for (let n = 0; n < 3; n++) assert.ok(verified(submit('00000001', '5cb6dd9e', `0000000${n}`)));
  assert.ok(verified(submit('00000002', '5cb6dd9e', '00000001')), 'another extranonce2');
  assert.ok(verified(submit('00000001', '5cb6dd9f', '00000001')), 'another ntime');
  assert.ok(verified(submit('00000003', '5cb6dd9e', '00000001')), 'a third under one nonce');
  assert.equal(code(submit('00000001', '5cb6dd9e', '00000001')), 22);
  assert.equal(code(submit('00000002', '5cb6dd9e', '00000001')), 22);
  assert.equal(code(submit('00000001', '5cb6dd9f', '00000001')), 22);
  assert.equal(code(submit('00000003', '5cb6dd9e', '00000001')), 22);
  assert.equal(code(submit('00000001', '5cb6dd9e', '00000002')), 22, 'back to the first fields');
  assert.ok(verified(submit('00000001', '5cb6dd9e', 'ffffffff')), 'a nonce past int32');
  assert.equal(code(submit('00000001', '5cb6dd9e', 'ffffffff')), 22);
  assert.equal(h.state.dedupEntries, 7);
});

test('session - a clean job makes older jobs stale and frees their dedup keys', () => {
  const h = harness('aabbccdd');
  ready(h);
  const s = {
    id: 3,
    method: 'mining.submit',
    params: ['acct', 'a', '00000001', '5cb6dd9e', '00000000'],
  };
  assert.ok(h.line(s).some((e) => e.kind === 'verify'));
  h.run({
    type: 'job',
    job: job(['b', '11'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9e', true]),
  });
  assert.equal(h.state.dedupEntries, 0);
  // Old job ids are still forwarded (Share judges stale and still catches block candidates).
  assert.ok(h.line({ ...s, id: 4 }).some((e) => e.kind === 'verify'));
});

test('session - a full job list drops its oldest in place; a re-issue of that job keeps its dedup keys', () => {
  const h = harness('aabbccdd', { maxJobs: 2 });
  ready(h); // job 'a'
  const submit = (id: number, jobId: string) => ({
    id,
    method: 'mining.submit',
    params: ['acct', jobId, '00000001', '5cb6dd9e', '00000000'],
  });
  assert.ok(h.line(submit(3, 'a')).some((e) => e.kind === 'verify'));
  const notice = (id: string) =>
    job([id, '00'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9e', false]);
  h.run({ type: 'job', job: notice('b') });
  const list = h.state.jobs;
  assert.deepEqual(
    list.map((j) => j.localId),
    ['a', 'b'],
  );
  // A difficulty change re-issues 'b' as 'b.1': the list is full, so 'a' goes (in place).
  const reissue = h.sent(h.line({ id: 4, method: 'mining.suggest_difficulty', params: [64] }));
  const renotify = reissue.find((m) => m.method === 'mining.notify');
  assert.equal(renotify?.params[0], 'b.1');
  assert.equal(h.state.jobs, list, 'the same array');
  assert.deepEqual(
    list.map((j) => j.localId),
    ['b', 'b.1'],
  );
  assert.equal(h.sent(h.line(submit(5, 'a')))[0].error[0], 21, "'a' is forgotten");
  // Work on 'b' is remembered under either local id; once 'b' is dropped and 'b.1' re-issued
  // again, its keys stay (the incoming entry is of the same job).
  assert.ok(h.line(submit(6, 'b')).some((e) => e.kind === 'verify'));
  assert.equal(h.sent(h.line(submit(7, 'b.1')))[0].error[0], 22);
  h.line({ id: 8, method: 'mining.suggest_difficulty', params: [128] });
  assert.deepEqual(
    list.map((j) => j.localId),
    ['b.1', 'b.2'],
  );
  assert.equal(h.sent(h.line(submit(9, 'b.2')))[0].error[0], 22, 'still a duplicate');
  // A new job drops 'b.1'; 'b.2' still holds job b, so its keys stay until both are gone.
  h.run({ type: 'job', job: notice('c') });
  assert.equal(h.sent(h.line(submit(10, 'b.2')))[0].error[0], 22);
  h.run({ type: 'job', job: notice('d') });
  assert.deepEqual(
    list.map((j) => j.localId),
    ['c', 'd'],
  );
  assert.equal(h.state.dedup.byJob.has('b'), false, "job b's keys go with its last entry");
});

test('session - garbage closes the connection after an error reply; malformed JSON requests are tolerated up to a limit', () => {
  const h = harness('aabbccdd');
  const g = h.run({ type: 'line', line: '\u0000\u0001garbage' });
  assert.equal(h.sent(g)[0].error[0], 20);
  assert.ok(g.some((e) => e.kind === 'close'));
  assert.deepEqual(h.run({ type: 'line', line: '{}' }), [], 'a closed session does nothing');

  const k = harness('aabbccdd');
  for (let i = 0; i < 3; i++) {
    const e = k.line({ id: i, method: 'mining.nonsense', params: [] });
    assert.deepEqual(k.sent(e)[0].error, [20, 'Unknown method: mining.nonsense', null]);
    assert.ok(!e.some((x) => x.kind === 'close'));
  }
  assert.ok(k.line({ id: 9, method: 'mining.nonsense' }).some((x) => x.kind === 'close'));
});

test('session - a flood of invalid requests closes and bans', () => {
  const h = harness('aabbccdd', { banWindow: 10, maxPendingSubmits: 100 });
  ready(h);
  let closed: Effect | undefined;
  for (let i = 0; i < 10 && !closed; i++) {
    const e = h.line({
      id: 10 + i,
      method: 'mining.submit',
      params: ['acct', 'a', '00000001', '5cb6dd9e', i.toString(16).padStart(8, '0')],
    });
    const v = e.find((x) => x.kind === 'verify');
    assert.ok(v && v.kind === 'verify');
    closed = h
      .run({ type: 'verdict', verdict: { requestId: v.share.requestId, verdict: 'invalid' } })
      .find((x) => x.kind === 'close');
  }
  assert.ok(closed && closed.kind === 'close' && closed.ban);
});

test('session - pending submits are capped', () => {
  const h = harness('aabbccdd', { maxPendingSubmits: 2 });
  ready(h);
  const sub = (n: number) => ({
    id: n,
    method: 'mining.submit',
    params: ['acct', 'a', '00000001', '5cb6dd9e', n.toString(16).padStart(8, '0')],
  });
  assert.ok(h.line(sub(3)).some((e) => e.kind === 'verify'));
  assert.ok(h.line(sub(4)).some((e) => e.kind === 'verify'));
  assert.deepEqual(h.sent(h.line(sub(5)))[0].error, [20, 'Too many pending requests', null]);
});

test('session - drain asks the miner to reconnect and closes once in-flight shares are answered', () => {
  const h = harness('aabbccdd');
  ready(h);
  const v = h
    .line({
      id: 3,
      method: 'mining.submit',
      params: ['acct', 'a', '00000001', '5cb6dd9e', '00000000'],
    })
    .find((e) => e.kind === 'verify');
  assert.ok(v && v.kind === 'verify');
  const d = h.run({ type: 'drain' });
  assert.deepEqual(h.sent(d)[0], { id: null, method: 'client.reconnect', params: [] });
  assert.ok(!d.some((e) => e.kind === 'close'), 'waits for the in-flight share');
  const end = h.run({
    type: 'verdict',
    verdict: { requestId: v.share.requestId, verdict: 'accepted' },
  });
  assert.deepEqual(h.sent(end)[0], { id: 3, result: true, error: null });
  assert.ok(end.some((e) => e.kind === 'close'));
});

test('session - a draining connection stays open for its grace: a submit already on the wire is answered, then it closes', () => {
  const h = harness('aabbccdd', { drainGraceMs: 1_000 });
  ready(h);
  const d = h.run({ type: 'drain' });
  assert.deepEqual(h.sent(d)[0], { id: null, method: 'client.reconnect', params: [] });
  assert.ok(!d.some((e) => e.kind === 'close'), 'open for the grace, though nothing is in flight');
  // The miner had sent this before it read the reconnect.
  const v = h
    .line({
      id: 7,
      method: 'mining.submit',
      params: ['acct', 'a', '00000001', '5cb6dd9e', '00000000'],
    })
    .find((e) => e.kind === 'verify');
  assert.ok(v && v.kind === 'verify', 'still judged');
  const answered = h.run({
    type: 'verdict',
    verdict: { requestId: v.share.requestId, verdict: 'accepted' },
  });
  assert.deepEqual(h.sent(answered)[0], { id: 7, result: true, error: null });
  assert.ok(!answered.some((e) => e.kind === 'close'), 'still within the grace');
  h.advance(1_000);
  assert.ok(
    h.run({ type: 'tick' }).some((e) => e.kind === 'close'),
    'the grace over, nothing in flight: closed',
  );
});

test('session - a drain naming a sibling sends client.reconnect [host, port, wait], the port a string', () => {
  const h = harness('aabbccdd');
  ready(h);
  const d = h.run({
    type: 'drain',
    to: { host: 'pool-b.example.com', port: 3334, waitSeconds: 0 },
  });
  // cgminer and sgminer read the port with json_string_value: a number would keep the old one.
  assert.deepEqual(h.sent(d)[0], {
    id: null,
    method: 'client.reconnect',
    params: ['pool-b.example.com', '3334', 0],
  });
  assert.ok(
    d.some((e) => e.kind === 'close'),
    'nothing in flight: closed at once',
  );
});

test('session - a submit with no verdict in time is answered server busy, never left hanging', () => {
  const h = harness('aabbccdd');
  ready(h);
  h.line({
    id: 3,
    method: 'mining.submit',
    params: ['acct', 'a', '00000001', '5cb6dd9e', '00000000'],
  });
  h.advance(5_000);
  assert.deepEqual(h.sent(h.run({ type: 'tick' })), []);
  h.advance(5_000);
  const late = h.sent(h.run({ type: 'tick' }));
  assert.equal(late[0].id, 3);
  assert.equal(late[0].error[0], 20);
  assert.equal(h.state.pending.size, 0);
});

test('session - no subscribe/authorize within the handshake time closes', () => {
  const h = harness('aabbccdd');
  assert.deepEqual(h.run({ type: 'tick' }), []);
  h.advance(30_000);
  assert.ok(h.run({ type: 'tick' }).some((e) => e.kind === 'close'));
});
