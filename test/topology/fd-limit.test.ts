// Headroom at the open-file limit: the soft limit read from /proc's text, the descriptors kept
// back (5 %, at least 256) and the miners a node may hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fdReserve, minerCap, openFileLimit, openFilesFor } from '../../topology/fd-limit.js';

test('fd limit - the soft limit from /proc/self/limits text', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units',
    'Max processes             95104                95104                processes',
    'Max open files            20000                1048576              files',
  ].join('\n');
  assert.equal(openFileLimit(text), 20_000);
  assert.equal(
    openFileLimit('Max open files            unlimited            unlimited   files'),
    null,
  );
  assert.equal(openFileLimit('nothing here'), null);
  const mine = openFileLimit();
  assert.ok(mine === null || (Number.isSafeInteger(mine) && mine > 0));
});

test('fd limit - miners are capped below the limit, leaving the reserve for everything else', () => {
  assert.equal(fdReserve(1_024), 256, 'at least 256');
  assert.equal(fdReserve(20_000), 1_000, '5 %');
  assert.equal(minerCap(100_000, 20_000), 19_000, 'the 19,965-of-20,000 node keeps 1,000 free');
  assert.equal(minerCap(5_000, 20_000), 5_000, 'a lower configured cap stands');
  assert.equal(minerCap(100_000, null), 100_000, 'no limit known: the configured cap');
  assert.equal(minerCap(100_000, 100), 1, 'never below one');
});

test('fd limit - the limit a node needs for its miners is the smallest that holds them all', () => {
  for (const miners of [1_000, 4_864, 19_000, 100_000, 1_000_000]) {
    const limit = openFilesFor(miners);
    assert.equal(minerCap(miners, limit), miners, `${miners} fit under ${limit}`);
    assert.ok(minerCap(miners, limit - 1) < miners, `${miners} do not fit under ${limit - 1}`);
  }
  assert.equal(openFilesFor(1_000), 1_256, 'the 256 floor');
});
