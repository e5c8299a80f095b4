// Share record ids: a source keeps its latest RECENT_PER_SOURCE record numbers, the ledger its
// MAX_SOURCES most recently seen sources; ids of another shape are sources of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SOURCES,
  RECENT_PER_SOURCE,
  seenBefore,
  splitRecordId,
} from '../../../actors/ledger/record-ids.js';
import { createState } from '../../../actors/ledger/state.js';
import { COIN } from './log.js';

const fresh = () => createState({ coin: COIN, scheme: 'pplns', feeBps: 0 } as never);

test('record ids - split into source and number', () => {
  assert.deepEqual(splitRecordId('n1:ab12cd34:17'), ['n1:ab12cd34', 17]);
  assert.deepEqual(splitRecordId('odd-id'), ['odd-id', 0]);
  assert.deepEqual(splitRecordId('n1:boot:x'), ['n1:boot:x', 0]);
  assert.deepEqual(splitRecordId(':5'), [':5', 0]);
});

test('record ids - a source remembers its latest numbers; the oldest source goes first', () => {
  const s = fresh();
  assert.equal(seenBefore(s, 1, 'a:b:1'), false);
  assert.equal(seenBefore(s, 2, 'a:b:1'), true);
  assert.equal(seenBefore(s, 3, 'c:d:1'), false, 'another source');
  for (let n = 2; n <= RECENT_PER_SOURCE + 1; n++) seenBefore(s, 3 + n, `a:b:${n}`);
  assert.equal(seenBefore(s, 9_000, 'a:b:1'), false, 'forgotten beyond RECENT_PER_SOURCE');
  assert.equal(seenBefore(s, 9_001, `a:b:${RECENT_PER_SOURCE}`), true);
  for (let i = 0; i < MAX_SOURCES - 1; i++) seenBefore(s, 10_000 + i, `x:${i}:1`);
  assert.equal(s.sources.size, MAX_SOURCES);
  assert.ok(!s.sources.has('c:d'), 'c:d was seen longest ago');
  assert.ok(s.dirty.sources.has('c:d'), 'and is removed from the store');
  assert.equal(seenBefore(s, 20_000, 'a:b:9'), true, 'a:b was seen lately');
});
