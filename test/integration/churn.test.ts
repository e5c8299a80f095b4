// Reconnect churn releases everything a connection held. Waves of exactly --max-connections-per-ip
// sockets from one address subscribe, authorize, submit, and leave in every way miners do (a
// clean close, a reset, a close in the middle of a line, a close before the handshake ends).
// After each wave the node holds no socket and no Connection actor, and the next full wave is
// admitted (a leaked per-address count would refuse it); an honest miner mines throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { until } from '../helpers/until.js';
import { localMiner } from '../helpers/miners.js';
import { startTestPool, TEST_ADDRESS } from '../helpers/pool.js';

const WAVE = 200;
const WAVES = 4;
const FROM = '127.0.0.9';

test('churn - waves of connections that leave in every way release all their state', async () => {
  const pool = await startTestPool(
    { bits: 0x1d00ffff }, // network difficulty 1: no blocks
    {
      nodeId: 'c1',
      cluster: 'churn',
      maxConnectionsPerIp: WAVE,
      startDifficulty: 2 ** -14,
      targetShareSeconds: 1,
    },
  );
  const node = pool.node;
  const honest = localMiner(node.stratumPort, `${TEST_ADDRESS}.honest`, 200_000);
  after(async () => {
    await honest.stop();
    await pool.stop();
  });
  await honest.start();
  const connectionActors = () =>
    node.runtime.stats().filter((s) => s.address.split('.')[2] === 'connection').length;

  for (let wave = 0; wave < WAVES; wave++) {
    const sockets: Socket[] = [];
    const replies: number[] = [];
    for (let i = 0; i < WAVE; i++) {
      const s = connect({ host: '127.0.0.1', port: node.stratumPort, localAddress: FROM });
      s.on('error', () => undefined);
      let lines = 0;
      s.on('data', (d: Buffer) => {
        for (const b of d) if (b === 0x0a) lines++;
        replies[i] = lines;
      });
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => once(s, 'connect')));
    sockets.forEach((s, i) => {
      s.write('{"id":1,"method":"mining.subscribe","params":["churn/1.0"]}\n');
      if (i % 4 === 3) return; // leaves before authorizing
      s.write(`{"id":2,"method":"mining.authorize","params":["${TEST_ADDRESS}.w${i}","x"]}\n`);
      s.write(
        '{"id":3,"method":"mining.submit","params":["w","nojob","00000000","00000000","00000000"]}\n',
      );
    });
    // Every socket has its subscribe answered (the node holds all WAVE of them).
    await until(`wave ${wave}: all sockets answered`, () =>
      sockets.every((_, i) => (replies[i] ?? 0) >= 1) ? true : undefined,
    );
    assert.equal(node.connections(), WAVE + 1, 'the wave and the honest miner');
    sockets.forEach((s, i) => {
      if (i % 4 === 0) s.end();
      else if (i % 4 === 1) s.resetAndDestroy();
      else if (i % 4 === 2)
        s.end('{"id":4,"method":"mining.sub'); // mid-line
      else s.destroy();
    });
    await until(`wave ${wave}: every connection released`, () =>
      node.connections() === 1 && connectionActors() === 1 ? true : undefined,
    );
  }
  // After all waves one more full wave is admitted: no per-address count leaked.
  const accepted = honest.stats.accepted;
  await until('the honest miner kept mining', () =>
    honest.stats.accepted > accepted ? true : undefined,
  );
  const last: Socket[] = [];
  for (let i = 0; i < WAVE; i++) {
    const s = connect({ host: '127.0.0.1', port: node.stratumPort, localAddress: FROM });
    s.on('error', () => undefined);
    last.push(s);
  }
  await until('a full last wave held', () => (node.connections() === WAVE + 1 ? true : undefined));
  for (const s of last) s.destroy();
  await until('and released', () => (connectionActors() === 1 ? true : undefined));
});
