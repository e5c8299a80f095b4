// Issue #18, Stratum over TLS: a node listens for miners on plain TCP and on TLS at once (the
// same sessions, limits and bans). Our hash miner and our prime miner connect over TLS,
// checking the pool's certificate against the test's CA, and get shares accepted; a client
// speaking plain TCP to the TLS port is refused at the handshake and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { pino } from 'pino';
import { scriptToAddress } from '../../actors/shared/address.js';
import { PRIME_NETWORKS } from '../../actors/shared/network.js';
import { hashHeaders } from '../../native/index.js';
import { loadConfig } from '../../topology/config.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { PrimeStratumMiner } from '../../topology/miner/prime-miner.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { startNode } from '../../topology/node.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { makeCerts } from '../helpers/certs.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { testDataDir } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

/** A CA and a certificate for 127.0.0.1 signed by it, in a temp dir. */
function certificates(): { dir: string; ca: Buffer; cert: string; key: string } {
  const c = makeCerts(['pool']);
  return { dir: c.dir, ca: c.ca, cert: c.cert('pool'), key: c.key('pool') };
}

test('stratum tls - a hash miner mines over TLS beside plain TCP; plain TCP on the TLS port is refused', async () => {
  const certs = certificates();
  const nats = await startNatsServer();
  const devnet = await startDevnet({});
  const node = await startTestNode(nats, devnet.url, {
    cluster: 'stls',
    nodeId: 's1',
    startDifficulty: 2 ** -12,
    ...({ stratumTls: '127.0.0.1:0', tlsCert: certs.cert, tlsKey: certs.key } as object),
  });
  const tlsPort = node.node.stratumTlsPort;
  const miner = new StratumMiner({
    host: '127.0.0.1',
    port: tlsPort!,
    username: `${TEST_ADDRESS}.tls`,
    hashHeaders,
    maxHashesPerSec: 200_000,
    tls: { ca: certs.ca },
  });
  try {
    assert.ok(tlsPort !== null && tlsPort !== node.node.stratumPort);
    await miner.start();
    await until('shares accepted over TLS', () => (miner.stats.accepted >= 3 ? true : undefined));
    // Plain Stratum to the TLS port: the handshake fails, the socket is closed, it is counted.
    const plain = connect({ host: '127.0.0.1', port: tlsPort! });
    plain.on('error', () => undefined);
    plain.write('{"id":1,"method":"mining.subscribe","params":[]}\n');
    await new Promise((r) => plain.once('close', r));
    await until('counted', async () =>
      ((await node.node.status()).stratum.refused['tls-handshake'] ?? 0) >= 1 ? true : undefined,
    );
    // A renewed certificate is taken without a restart.
    node.node.reloadTls();
    const before = miner.stats.accepted;
    await until('mining on', () => (miner.stats.accepted > before ? true : undefined));
  } finally {
    await miner.stop();
    await node.stop();
    await devnet.close();
    await nats.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  }
});

test('stratum tls - the prime miner mines over TLS', { timeout: 180_000 }, async () => {
  const certs = certificates();
  const nats = await startNatsServer();
  const devnet = await startDevnet({ family: 'prime', bits: 0x04000000, txsPerBlock: 2 });
  const network = PRIME_NETWORKS['primecoin-devnet'];
  const address = scriptToAddress(
    Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x44), 0x88, 0xac),
    network,
  ) as string;
  const cfg = loadConfig([], {
    nodeId: 'pt1',
    cluster: 'ptls',
    natsUrls: [nats.url],
    dataDir: testDataDir(),
    coin: 'primecoin-devnet',
    rpc: [{ url: devnet.url }],
    poolAddress: address,
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    startDifficulty: 3,
    minDifficulty: 2,
    targetShareSeconds: 1,
    logLevel: 'error',
    stratumTls: '127.0.0.1:0',
    tlsCert: certs.cert,
    tlsKey: certs.key,
  } as never);
  const node = await startNode(cfg, {
    hasher: createPoolHasher(1),
    log: pino({ level: 'error' }),
    leaseTtlMs: 2_000,
  });
  const miner = new PrimeStratumMiner({
    host: '127.0.0.1',
    port: node.stratumTlsPort!,
    username: `${address}.tls`,
    maxCandidatesPerSec: 4000,
    tls: { ca: certs.ca },
  });
  try {
    await miner.start();
    await until('prime shares accepted over TLS', () =>
      miner.stats.accepted >= 3 ? true : undefined,
    );
  } finally {
    await miner.stop();
    await node.stop();
    await devnet.close();
    await nats.stop();
    rmSync(certs.dir, { recursive: true, force: true });
  }
});
