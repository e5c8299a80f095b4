// Where a node hashes shares: a lone share on an idle verifier is hashed on the event loop by
// the addon (hashSubmitsNow); a flood goes to the Piscina pool in batches, at most two per
// pool thread outstanding (what arrives meanwhile waits for the next). Both are accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativeImpl } from '../../native/index.js';
import type { SubmitHasher } from '../../actors/share/index.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';
import { LoadClient, newLoadStats, openClients } from '../helpers/stratum-load.js';

test('inline hashing - a lone share is hashed on the event loop, a flood in Piscina batches', async (t) => {
  if (nativeImpl === null) return t.skip('no addon: every share goes to the pool');
  const pool = createPoolHasher(1);
  const now = pool.hashSubmitsNow;
  assert.ok(now);
  const calls = { now: 0, pooled: 0, pooledShares: 0, outstanding: 0, mostOutstanding: 0 };
  const hasher: SubmitHasher & { close(): Promise<void> } = {
    close: () => pool.close(),
    threads: pool.threads,
    hashSubmits: async (inputs) => {
      calls.pooled++;
      calls.pooledShares += inputs.length;
      calls.mostOutstanding = Math.max(calls.mostOutstanding, ++calls.outstanding);
      try {
        const hashes = await pool.hashSubmits(inputs);
        await sleep(10); // a busy pool thread: without the limit, a batch would go every check phase
        return hashes;
      } finally {
        calls.outstanding--;
      }
    },
    hashSubmitsNow: (inputs) => {
      calls.now++;
      return now(inputs);
    },
  };
  const d = 2 ** -32; // the lowest difficulty: all but 1 hash in 65,536 is a share
  const tp = await startTestPool(
    { bits: 0x1d00ffff },
    { startDifficulty: d, minDifficulty: d, maxDifficulty: d },
    { hasher },
  );
  const clients: LoadClient[] = [];
  try {
    const stats = newLoadStats();
    const lone = await LoadClient.open({
      host: '127.0.0.1',
      port: tp.node.stratumPort,
      username: `${TEST_ADDRESS}.lone`,
      stats,
    });
    clients.push(lone);
    const notify = lone.notify as unknown[];
    const code = new Promise<number>((resolve) => (lone.onReply = (_id, c) => resolve(c)));
    lone.sendSubmit(String(notify[0]), '00'.repeat(lone.extranonce2Size), String(notify[7]), 1);
    assert.equal(await code, 0, 'accepted');
    assert.deepEqual([calls.now, calls.pooled], [1, 0]);

    const flood = await openClients(40, {
      host: '127.0.0.1',
      port: tp.node.stratumPort,
      localAddresses: ['127.0.0.1'],
      username: (i) => `${TEST_ADDRESS}.f${i}`,
      stats,
    });
    clients.push(...flood);
    // Miners start one after another: their submits reach the node in many separate reads.
    for (const c of flood) {
      c.startSubmitting(8);
      await sleep(1);
    }
    while (stats.accepted < 2_000) await sleep(20);
    for (const c of flood) c.stopSubmitting();
    assert.ok(calls.pooled > 0, 'a flood reaches the Piscina pool');
    assert.ok(
      calls.pooledShares / calls.pooled > 4,
      `in batches (${calls.pooledShares} shares in ${calls.pooled} calls)`,
    );
    // 320 submits in flight never fill a 2,048-share batch: only the thread limit holds them.
    assert.equal(pool.threads, 1);
    assert.ok(calls.mostOutstanding <= 2, `${calls.mostOutstanding} batches at one thread`);
  } finally {
    for (const c of clients) c.close();
    await tp.stop();
  }
});
