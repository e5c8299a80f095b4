// Issue #18, a protected bus: nats-server requiring a user and password, and one requiring TLS
// with client certificates and an NKey. A pool node mines through each (credentials in the URL,
// or from options), `colliery status` (and over TLS `trace` and a `ledger run` node) work with
// the same options, and a wrong password is refused with a clear error naming NATS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { startDevnet } from '../../topology/devnet/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeCerts } from '../helpers/certs.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { natsJwtSetup } from '../helpers/nats-jwt.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

async function minesThrough(port: number): Promise<void> {
  const stats = newLoadStats();
  const c = await LoadClient.open({
    host: '127.0.0.1',
    port,
    username: `${TEST_ADDRESS}.auth`,
    stats,
  });
  c.startSubmitting(1);
  await until('shares accepted', () => (stats.accepted >= 5 ? true : undefined));
  c.close();
}

test('bus auth - user and password: in the URL for the node, from options for status; a wrong one is refused', async () => {
  const nats = await startNatsServer('auth', 'authorization { user: pool, password: "s3cr3t" }');
  const devnet = await startDevnet({});
  const withPass = nats.url.replace('nats://', 'nats://pool:s3cr3t@');
  const node = await startTestNode(nats, devnet.url, {
    cluster: 'auth',
    nodeId: 'a1',
    natsUrls: [withPass],
    ...pinnedDifficulty(2 ** -32),
  });
  try {
    await minesThrough(node.node.stratumPort);
    const ok = await runCli(
      ['status', '--nats', nats.url, '--cluster', 'auth', '--nats-user', 'pool', '--json'],
      60_000,
      undefined,
      { COLLIERY_NATS_PASSWORD: 's3cr3t' },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { nodes: unknown[] }).nodes.length, 1);
    const refused = await runCli(
      ['status', '--nats', nats.url.replace('nats://', 'nats://pool:wrong@'), '--cluster', 'auth'],
      60_000,
    );
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /cannot reach NATS .*[Aa]uthorization/);
    assert.doesNotMatch(refused.stderr, /wrong/, 'the password is not echoed');
  } finally {
    await node.stop();
    await devnet.close();
    await nats.stop();
  }
});

test('bus auth - TLS with a client certificate and an NKey: the node mines, status reads', async () => {
  const { dir } = makeCerts(['server', 'client']);
  const user = nkeys.createUser();
  const seedFile = join(dir, 'user.nk');
  writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()), { mode: 0o600 });
  const nats = await startNatsServer(
    'tls',
    [
      `tls { cert_file: "${join(dir, 'server.pem')}", key_file: "${join(dir, 'server.key')}",`,
      `  ca_file: "${join(dir, 'ca.pem')}", verify: true }`,
      `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`,
    ].join('\n'),
  );
  const devnet = await startDevnet({});
  const tlsFlags = {
    natsCa: join(dir, 'ca.pem'),
    natsCert: join(dir, 'client.pem'),
    natsKey: join(dir, 'client.key'),
    natsNkey: seedFile,
  };
  const node = await startTestNode(nats, devnet.url, {
    cluster: 'tls',
    nodeId: 't1',
    natsUrls: [nats.url.replace('nats://', 'tls://')],
    ...pinnedDifficulty(2 ** -32),
    ...(tlsFlags as object),
  });
  try {
    await minesThrough(node.node.stratumPort);
    const st = await runCli([
      'status',
      '--nats',
      nats.url,
      '--cluster',
      'tls',
      '--nats-ca',
      tlsFlags.natsCa,
      '--nats-cert',
      tlsFlags.natsCert,
      '--nats-key',
      tlsFlags.natsKey,
      '--nats-nkey',
      seedFile,
      '--json',
    ]);
    assert.equal(st.status, 0, st.stderr);
    const tlsArgs = [
      '--nats-ca',
      tlsFlags.natsCa,
      '--nats-cert',
      tlsFlags.natsCert,
      '--nats-key',
      tlsFlags.natsKey,
      '--nats-nkey',
      seedFile,
    ];
    // `colliery trace` connects and follows (stopped after 3 s: it runs until a signal).
    const trace = await runCli(
      ['trace', '--nats', nats.url, '--cluster', 'tls', ...tlsArgs],
      3_000,
    );
    assert.doesNotMatch(trace.stderr, /cannot reach NATS/, trace.stderr);
    // A ledger-only node over TLS applies the log.
    const ledgerData = mkdtempSync(join(tmpdir(), 'colliery-tls-ledger-'));
    const ledgerArgs = [
      '--data',
      ledgerData,
      '--nats',
      nats.url.replace('nats://', 'tls://'),
      '--cluster',
      'tls',
      '--coin',
      'bitcoin-regtest',
      '--node-id',
      'L1',
      ...tlsArgs,
    ];
    const ledger = spawn(process.execPath, [CLI, 'ledger', 'run', ...ledgerArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await until(
        'the ledger node applied the log',
        async () => {
          const b = await runCli(['ledger', 'balances', '--json', ...ledgerArgs], 30_000);
          if (b.status !== 0) return undefined;
          return (JSON.parse(b.stdout) as { lastApplied: number }).lastApplied > 0
            ? true
            : undefined;
        },
        60_000,
        500,
      );
    } finally {
      ledger.kill('SIGTERM');
      await new Promise((r) => ledger.once('exit', r));
      rmSync(ledgerData, { recursive: true, force: true });
    }
    const noCert = await runCli(['status', '--nats', nats.url, '--cluster', 'tls']);
    assert.equal(noCert.status, 1, 'refused without the client certificate and key');
  } finally {
    await node.stop();
    await devnet.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bus auth - TLS and a .creds file (a user JWT from an operator and account): the node mines, status reads', async () => {
  const { dir } = makeCerts(['server']);
  const { serverConfig, creds } = natsJwtSetup();
  const credsFile = join(dir, 'node.creds');
  writeFileSync(credsFile, creds, { mode: 0o600 });
  const nats = await startNatsServer(
    'creds',
    [
      serverConfig,
      `tls { cert_file: "${join(dir, 'server.pem')}", key_file: "${join(dir, 'server.key')}" }`,
    ].join('\n'),
  );
  const devnet = await startDevnet({});
  const node = await startTestNode(nats, devnet.url, {
    cluster: 'creds',
    nodeId: 'j1',
    natsUrls: [nats.url.replace('nats://', 'tls://')],
    ...pinnedDifficulty(2 ** -32),
    ...({ natsCa: join(dir, 'ca.pem'), natsCreds: credsFile } as object),
  });
  try {
    await minesThrough(node.node.stratumPort);
    const flags = ['--nats-ca', join(dir, 'ca.pem'), '--nats-creds', credsFile];
    const st = await runCli([
      'status',
      '--nats',
      nats.url,
      '--cluster',
      'creds',
      ...flags,
      '--json',
    ]);
    assert.equal(st.status, 0, st.stderr);
    assert.equal((JSON.parse(st.stdout) as { nodes: unknown[] }).nodes.length, 1);
    const without = await runCli([
      'status',
      '--nats',
      nats.url,
      '--cluster',
      'creds',
      '--nats-ca',
      join(dir, 'ca.pem'),
    ]);
    assert.equal(without.status, 1, 'refused without the credentials');
  } finally {
    await node.stop();
    await devnet.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
