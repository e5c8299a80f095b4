// Issue #16, coin nodes: a pool node with three --rpc URLs, the first stalled (it takes the
// connection and never answers) and the second killed (nothing listens), the third a devnet.
// With the RPC timeout at 600 s, anything that waited for the stalled node would hold this test
// past its own timeout: templates (hedged), block submits (settled at the first node that took
// the block) and the found records must not wait for it. Blocks are found and logged with each
// node's answer; /health names the node that is away. Then every coin node goes away: the
// miner keeps its job and its shares are accepted, and the node says no coin node answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import type { FoundBlock } from '../../actors/block/index.js';
import { CoinRpc } from '../../actors/job/rpc-client.js';
import { Runtime, connectNats } from '../../runtime/index.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { startTestNode, TEST_ADDRESS, pinnedDifficulty } from '../helpers/pool.js';
import { blockSubmit, LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

test(
  'coin nodes - one stalled and one killed slow neither jobs nor blocks; all away keeps the last job and says so',
  { timeout: 120_000 },
  async () => {
    const cluster = 'coinnodes';
    const held: Socket[] = [];
    const stalled = createServer((s) => void held.push(s));
    const stalledPort = await listening(stalled);
    const gone = createServer();
    const killedPort = await listening(gone);
    await new Promise((r) => gone.close(r)); // nothing listens there now
    const nats = await startNatsServer();
    const devnet = await startDevnet({});
    const devnetName = new CoinRpc({ url: devnet.url }).name;
    const stalledName = `127.0.0.1:${stalledPort}`;
    const killedName = `127.0.0.1:${killedPort}`;
    const pool = await startTestNode(
      nats,
      devnet.url,
      {
        cluster,
        nodeId: 'c1',
        ...pinnedDifficulty(2 ** -32),
        rpc: [
          { url: `http://u:p@${stalledName}` },
          { url: `http://u:p@${killedName}` },
          { url: devnet.url },
        ],
        tuning: { rpcTimeoutSeconds: 600 } as never,
      },
      { followMs: 200 },
    );
    const stats = newLoadStats();
    const clients: LoadClient[] = [];
    after(async () => {
      for (const c of clients) c.close();
      await pool.stop();
      for (const s of held) s.destroy();
      stalled.close();
      await devnet.close().catch(() => undefined);
      await nats.stop();
    });
    // Authorized once a job exists: the first template came past the stalled node.
    const m = await LoadClient.open({
      host: '127.0.0.1',
      port: pool.node.stratumPort,
      username: `${TEST_ADDRESS}.hedge`,
      stats,
    });
    clients.push(m);
    const rpc = new CoinRpc({ url: devnet.url });
    const store = pool.node.ledger.store;
    for (let i = 1; i <= 3; i++) {
      const height = await rpc.call<number>('getblockcount');
      const b = blockSubmit(m);
      m.sendSubmit(b.jobId, b.extranonce2, b.ntime, b.nonce);
      await until(`block ${i} on the devnet`, async () =>
        (await rpc.call<number>('getblockcount')) > height ? true : undefined,
      );
      // The next job, at the new height, reaches the miner (the refresh after a block).
      await until(`a job on top of block ${i}`, () =>
        m.notify !== null && String(m.notify[0]) !== b.jobId && m.notify[1] !== undefined
          ? true
          : undefined,
      );
      await until(`block ${i} in the ledger`, () =>
        store.blocks().length >= i ? true : undefined,
      );
    }

    // Each block as the Block leader follows it, with every coin node's submitblock answer.
    const client = new Runtime({
      cluster,
      node: 'test-client',
      log: pino({ level: 'warn' }),
      nc: await connectNats(nats.url, 'test-client'),
    });
    const found = await until('the Block leader follows the three blocks', async () => {
      const list = await client.ask<FoundBlock[]>(client.address('block', 'bitcoin-regtest'), {
        type: 'block.list',
      });
      return list.length >= 3 ? list : undefined;
    });
    await client.drain();
    assert.equal(found.length, 3);
    for (const f of found) {
      assert.equal(f.results[devnetName], null, 'the devnet took it');
      assert.equal(f.results[stalledName], 'no answer yet', 'not waited for');
      assert.match(String(f.results[killedName]), /^error: /);
    }
    const health = (await pool.node.status()).health;
    assert.equal(health.state, 'degraded');
    assert.ok(
      health.reasons.some((r) => r.includes('coin node away') && r.includes(killedName)),
      JSON.stringify(health.reasons),
    );

    // Every coin node away: the stalled one now refuses too, the devnet stops.
    stalled.close();
    for (const s of held) s.destroy();
    await devnet.close();
    await until('the node says no coin node answers', async () =>
      (await pool.node.status()).health.reasons.some((r) => r.includes('no coin node answers'))
        ? true
        : undefined,
    );
    const before = stats.accepted;
    const job = String(m.notify?.[0]);
    const extranonce2 = '01'.padStart(m.extranonce2Size * 2, '0');
    for (let n = 1; n <= 20; n++) m.sendSubmit(job, extranonce2, String(m.notify?.[7]), n);
    await until('shares on the last job accepted', () =>
      stats.accepted >= before + 20 ? true : undefined,
    );
    assert.deepEqual(stats.rejects, {});
  },
);
