// drainTurns - how a draining node paces client.reconnect: the k-th of n connections waits
// k · spread / n, spread = n / perSecond, capped at maxSpreadMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drainTurns } from '../../../actors/connection/server.js';

const turns = (t: ReturnType<typeof drainTurns>, n: number): number[] =>
  Array.from({ length: n }, () => t?.next() ?? 0);

test('drain turns - n at perSecond: evenly over n / perSecond, first at once', () => {
  assert.deepEqual(
    turns(drainTurns({ perSecond: 2, maxSpreadMs: 60_000 }, 4), 4),
    [0, 500, 1_000, 1_500],
  );
});

test('drain turns - the spread is capped (the drain must end within its deadline)', () => {
  assert.deepEqual(
    turns(drainTurns({ perSecond: 1, maxSpreadMs: 1_000 }, 5), 5),
    [0, 200, 400, 600, 800],
  );
});

test('drain turns - a connection past the count taken at drain waits the whole spread', () => {
  const t = drainTurns({ perSecond: 10, maxSpreadMs: 10_000 }, 2);
  assert.deepEqual(turns(t, 3), [0, 100, 200]);
});

test('drain turns - unpaced: rate 0, no pace, or one connection', () => {
  assert.equal(drainTurns({ perSecond: 0, maxSpreadMs: 10_000 }, 100), null);
  assert.equal(drainTurns(undefined, 100), null);
  assert.equal(drainTurns({ perSecond: 5, maxSpreadMs: 10_000 }, 1), null);
});
