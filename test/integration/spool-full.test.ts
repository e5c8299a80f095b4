// Issue #16: a full share spool. The NATS server dies under a mining node whose spool holds a
// few records: once it is full, the miner's shares are answered "server busy" with the reason
// (the spool is full), the node says so once at warn and counts the refused records, and it
// keeps serving; when the bus returns, the spool is appended and shares are accepted again.
// Every share the miner heard "accepted" is in the log once; no refused one is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { assertAckedLoggedOnce, loggedShares } from '../helpers/logged-shares.js';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';

test(
  'spool full - refused shares hear why, accepted ones are logged once after the bus returns',
  { timeout: 180_000 },
  async () => {
    const pool = await startTestPool(
      { bits: bitsFromTarget(shareTargetFromDifficulty(2 ** 20)) }, // no block in this test
      {
        nodeId: 'f1',
        cluster: 'spoolfull',
        ...pinnedDifficulty(2 ** -16),
        tuning: { spoolRecords: 3, spoolAfterSeconds: 0.2 } as never,
      },
    );
    const acked: string[] = [];
    const refused: unknown[] = [];
    const miner = localMiner(pool.node.stratumPort, `${TEST_ADDRESS}.rig`, 100_000);
    miner.on('accepted', (hash: string | undefined) => hash && acked.push(hash));
    miner.on('rejected', (error: unknown) => refused.push(error));
    after(async () => {
      await miner.stop();
      await pool.stop();
    });
    await miner.start();
    await until('shares accepted', () => (miner.stats.accepted >= 3 ? true : undefined));

    await pool.nats.kill('SIGKILL');
    await until('the spool is full', async () =>
      (await pool.node.status()).log.spoolFull > 0 ? true : undefined,
    );
    await until('the miner heard it', () => (refused.length > 0 ? true : undefined));
    const away = await pool.node.status();
    assert.equal(away.log.spoolDepth, 3, 'the spool holds what it may');
    assert.deepEqual(refused[0], [
      20,
      'Server busy, try again: share spool full: the share log is away',
      null,
    ]);
    const acceptedAway = miner.stats.accepted;

    await pool.nats.restart();
    await until('the spool drained', async () =>
      (await pool.node.status()).log.spoolDepth === 0 ? true : undefined,
    );
    await until('shares accepted again', () =>
      miner.stats.accepted > acceptedAway + 3 ? true : undefined,
    );
    // The shares in flight are answered before the miner goes: a share logged and not heard
    // accepted is then one it heard refused.
    await miner.finish();
    assert.equal(miner.stats.accepted + miner.stats.rejected, miner.stats.submitted);
    const store = pool.node.ledger.store;
    await until('the Share actor, the log and the ledger agree', async () => {
      const st = await pool.node.status();
      const accepted = st.shares?.verdicts['accepted'];
      return accepted !== undefined &&
        st.log.shares === accepted &&
        store.counters().shares === accepted
        ? true
        : undefined;
    });

    const logged = await loggedShares(pool.nats.url, 'spoolfull');
    assertAckedLoggedOnce(logged, acked);
    assert.equal(logged.size, acked.length, 'no refused share is logged');
  },
);
