// admission - who may open a Stratum connection (per-IP limit, bans, drain) and the extranonce1
// each admitted socket gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from '../../../actors/connection/admission.js';

const NOW = 1_700_000_000_000;
const nothingLive = (): boolean => false;
const gate = () =>
  new Admission({
    extranoncePrefix: 0xab,
    maxPerIp: 2,
    banMs: 60_000,
    strikes: 3,
    strikeWindowMs: 10_000,
  });

test('admission - at most maxPerIp sockets per IP; a closed one frees its place', () => {
  const a = gate();
  assert.notEqual(a.admit('10.0.0.1', NOW, nothingLive), null);
  assert.notEqual(a.admit('10.0.0.1', NOW, nothingLive), null);
  assert.equal(a.admit('10.0.0.1', NOW, nothingLive), null, 'third from one IP');
  assert.notEqual(a.admit('10.0.0.2', NOW, nothingLive), null, 'another IP is counted apart');
  a.release('10.0.0.1');
  assert.notEqual(a.admit('10.0.0.1', NOW, nothingLive), null, 'after one closed');
  assert.equal(a.admit('10.0.0.1', NOW, nothingLive), null);
});

test('admission - a banned IP is refused until its ban ends, then admitted', () => {
  const a = gate();
  a.ban('10.0.0.1', NOW);
  assert.equal(a.admit('10.0.0.1', NOW + 59_999, nothingLive), null);
  assert.notEqual(a.admit('10.0.0.2', NOW + 1, nothingLive), null, 'only that IP');
  assert.notEqual(a.admit('10.0.0.1', NOW + 60_000, nothingLive), null, 'ban over');
  assert.notEqual(a.admit('10.0.0.1', NOW + 60_001, nothingLive), null);
});

test('admission - nothing is admitted once closed (drain)', () => {
  const a = gate();
  a.close();
  assert.equal(a.admit('10.0.0.1', NOW, nothingLive), null);
});

test('admission - extranonce1 is the node prefix byte and a counter, skipping live values', () => {
  const a = gate();
  const live = new Set(['ab000002', 'ab000003']);
  const en1s = ['1', '2', '3', '4'].map((ip) => a.admit(ip, NOW, (x) => live.has(x)));
  assert.deepEqual(en1s, ['ab000001', 'ab000004', 'ab000005', 'ab000006']);
  // a refused socket takes no value
  const b = gate();
  b.ban('9.9.9.9', NOW);
  assert.equal(b.admit('9.9.9.9', NOW, nothingLive), null);
  assert.equal(b.admit('1.1.1.1', NOW, nothingLive), 'ab000001');
});

test('admission - paused while the prefix claim is suspended; resumed under the new prefix', () => {
  const a = gate();
  assert.equal(a.admit('10.0.0.1', NOW, nothingLive)?.slice(0, 2), 'ab');
  a.pause();
  assert.equal(a.admit('10.0.0.2', NOW, nothingLive), null, 'nothing while paused');
  a.resume(0x07);
  assert.equal(a.admit('10.0.0.2', NOW, nothingLive)?.slice(0, 2), '07', 'the new prefix');
  a.close();
  a.resume(0x08);
  assert.equal(a.admit('10.0.0.3', NOW, nothingLive), null, 'a drain is not undone by resume');
});

test('admission - an address is banned only after several of its connections misbehave within the window', () => {
  const a = gate();
  assert.equal(a.strike('10.0.0.1', NOW), false);
  assert.equal(a.strike('10.0.0.1', NOW + 5_000), false);
  assert.notEqual(a.admit('10.0.0.1', NOW + 5_001, nothingLive), null, 'two strikes: not banned');
  // The first strike is out of the window by the third: still not banned.
  assert.equal(a.strike('10.0.0.1', NOW + 10_001), false);
  assert.equal(a.strike('10.0.0.2', NOW + 10_002), false, 'another address counts apart');
  assert.equal(a.strike('10.0.0.1', NOW + 12_000), true, 'three within 10 s');
  const until = a.ban('10.0.0.1', NOW + 12_000);
  assert.equal(until, NOW + 72_000);
  assert.equal(a.banned('10.0.0.1', NOW + 12_001), true);
  assert.equal(a.admit('10.0.0.1', NOW + 12_001, nothingLive), null);
  assert.equal(a.lastRefusal, 'banned');
  a.unban('10.0.0.1');
  assert.notEqual(a.admit('10.0.0.1', NOW + 12_002, nothingLive), null, 'lifted');
  assert.equal(a.strike('10.0.0.1', NOW + 12_003), false, 'a ban clears the strikes');
});
