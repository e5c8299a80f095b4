// Issue #18, the shipped bus permissions (deploy/nats-auth.conf) on a real nats-server: the
// operator trusts a pool node's key with the admin role; the node mines with the pool role and
// its records are credited; `colliery status` works with the observer role, which cannot append
// to the log; the pool role cannot trust a node key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { logSubject, lastLogSeq } from '../../actors/shared/log-stream.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { runCli } from '../helpers/cli.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { repoRoot } from '../helpers/paths.js';
import { pinnedDifficulty, startTestNode, TEST_ADDRESS } from '../helpers/pool.js';
import { LoadClient, newLoadStats } from '../helpers/stratum-load.js';
import { until } from '../helpers/until.js';

const PASSWORDS = {
  COLLIERY_NATS_POOL_PASSWORD: 'pool-pw',
  COLLIERY_NATS_LEDGER_PASSWORD: 'ledger-pw',
  COLLIERY_NATS_OBSERVER_PASSWORD: 'observer-pw',
  COLLIERY_NATS_ADMIN_PASSWORD: 'admin-pw',
};

test(
  'bus roles - admin trusts a key, the pool node mines, the observer reads status and cannot append',
  { timeout: 180_000 },
  async () => {
    Object.assign(process.env, PASSWORDS); // the nats-server child reads them
    const nats = await startNatsServer(
      'roles',
      // The shipped file itself (an include resolves against the server's own folder).
      readFileSync(join(repoRoot, 'deploy', 'nats-auth.conf'), 'utf8'),
    );
    const devnet = await startDevnet({});
    const data = mkdtempSync(join(tmpdir(), 'colliery-roles-'));
    const as = (user: string, pw: string) => nats.url.replace('nats://', `nats://${user}:${pw}@`);
    const node = { cluster: 'main', nodeId: 'r1', dataDir: data };
    const flags = ['--cluster', 'main', '--data', data, '--node-id', 'r1'];
    try {
      // The operator: the node's key (created where the node runs), trusted with the admin role.
      const shown = await runCli(['keys', 'show', ...flags]);
      assert.equal(shown.status, 0, shown.stderr);
      const key = shown.stdout.split(/\s+/)[1]!;
      const byPool = await runCli([
        'keys',
        'trust',
        'r1',
        key,
        '--nats',
        as('pool', 'pool-pw'),
        ...flags,
      ]);
      assert.equal(byPool.status, 1, 'the pool role may not trust node keys');
      const trusted = await runCli([
        'keys',
        'trust',
        'r1',
        key,
        '--nats',
        as('admin', 'admin-pw'),
        ...flags,
      ]);
      assert.equal(trusted.status, 0, trusted.stderr);

      const pool = await startTestNode(nats, devnet.url, {
        ...node,
        natsUrls: [as('pool', 'pool-pw')],
        keyRegistration: 'operator',
        ...pinnedDifficulty(2 ** -32),
      });
      const stats = newLoadStats();
      const c = await LoadClient.open({
        host: '127.0.0.1',
        port: pool.node.stratumPort,
        username: `${TEST_ADDRESS}.roles`,
        stats,
      });
      try {
        c.startSubmitting(1);
        await until('shares credited', () =>
          pool.node.ledger.store.counters().shares >= 10 ? true : undefined,
        );
        assert.equal(pool.node.ledger.store.counters().quarantined, 0, 'its records are trusted');

        const st = await runCli([
          'status',
          '--nats',
          as('observer', 'observer-pw'),
          '--cluster',
          'main',
          '--json',
        ]);
        assert.equal(st.status, 0, st.stderr);
        assert.equal((JSON.parse(st.stdout) as { nodes: { node: string }[] }).nodes[0]?.node, 'r1');

        // The observer cannot append a record (the server refuses the publish).
        const admin = await connect({ servers: nats.url, user: 'admin', pass: 'admin-pw' });
        const observer = await connect({
          servers: nats.url,
          user: 'observer',
          pass: 'observer-pw',
        });
        const before = await lastLogSeq(admin, 'main');
        await assert.rejects(
          jetstream(observer, { timeout: 2_000 }).publish(
            logSubject('main', 'bitcoin-regtest', 'shares'),
            Uint8Array.of(1, 2, 3),
          ),
        );
        c.stopSubmitting();
        await new Promise((r) => setTimeout(r, 500));
        const after = await lastLogSeq(admin, 'main');
        const st2 = await pool.node.status();
        assert.equal(st2.ledger?.quarantined, 0, 'nothing the observer sent reached the log');
        assert.ok(after >= before);
        await observer.close();
        await admin.close();
      } finally {
        c.close();
        await pool.stop();
      }
    } finally {
      await devnet.close();
      await nats.stop();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
