// Issue #17, the connection cap: past --max-connections new sockets are refused, said once at
// warn and counted (refused{reason="full"}); the miners already in keep mining.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestPool, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

test('connection cap - sockets past the cap are refused and counted; those in keep mining', async () => {
  const pool = await startTestPool(
    {},
    { cluster: 'cap', nodeId: 'c1', maxConnections: 2, ...pinnedDifficulty(2 ** -32) },
  );
  const stats = newLoadStats();
  const open = (i: number) =>
    LoadClient.open({
      host: '127.0.0.1',
      port: pool.node.stratumPort,
      username: `${TEST_ADDRESS}.c${i}`,
      stats,
    });
  const clients = [await open(1), await open(2)];
  try {
    const extra = connect({ host: '127.0.0.1', port: pool.node.stratumPort });
    extra.on('error', () => undefined);
    await new Promise((r) => extra.once('close', r));
    await until('counted', async () =>
      ((await pool.node.status()).stratum.refused['full'] ?? 0) >= 1 ? true : undefined,
    );
    for (const c of clients) c.startSubmitting(1);
    await until('the two mine on', () => (stats.accepted >= 10 ? true : undefined));
    assert.equal((await pool.node.status()).connections, 2);
  } finally {
    for (const c of clients) c.close();
    await pool.stop();
  }
});
