// Extranonce-prefix claims on a real nats-server: unique per live node, freed by release, given up
// when the key is changed under the holder, and given up when NATS stays away past the TTL (a
// shorter outage is ridden out: test/integration/nats-restart.test.ts).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { connectNats } from '../../runtime/index.js';
import { claimExtranoncePrefix, prefixBucket } from '../../topology/prefix.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';

let server: NatsServer;
before(async () => {
  server = await startNatsServer('prefix');
});
after(async () => server.stop());

test('prefix - live nodes get distinct prefixes; a released one is taken again', async () => {
  const nc = await connectNats([server.url], 'p-test');
  const lost: string[] = [];
  const a = await claimExtranoncePrefix(nc, 'pfx', 'a', 30_000, (w) => lost.push(w));
  const b = await claimExtranoncePrefix(nc, 'pfx', 'b', 30_000, (w) => lost.push(w));
  assert.notEqual(a.prefix, b.prefix);
  await a.release();
  const c = await claimExtranoncePrefix(nc, 'pfx', 'c', 30_000, (w) => lost.push(w));
  assert.equal(c.prefix, a.prefix, 'the lowest free prefix again');
  await b.release();
  await c.release();
  assert.deepEqual(lost, []);
  await nc.close();
});

test('prefix - a claim whose key was changed under it is given up (refused)', async () => {
  const nc = await connectNats([server.url], 'p-test2');
  const lost: string[] = [];
  const claim = await claimExtranoncePrefix(nc, 'pfx2', 'a', 3_000, (w) => lost.push(w));
  const kv = await new Kvm(nc).open(prefixBucket('pfx2'));
  await kv.put(`p${claim.prefix}`, 'intruder');
  await until('the claim is given up', () => (lost.length > 0 ? true : undefined));
  assert.match(lost[0]!, /keep-alive refused/);
  await claim.release();
  await nc.close();
});

test('prefix - NATS gone for longer than the TTL: the claim is given up', async () => {
  const own = await startNatsServer('prefix-ttl');
  const nc = await connectNats([own.url], 'p-test3');
  const lost: string[] = [];
  const delayed: string[] = [];
  // TTL 12 s: renewals every 4 s, given up after 10.8 s without one; a renewal fails within
  // about 4 s + the request timeout of the kill, so at least one is retried before that.
  const claim = await claimExtranoncePrefix(
    nc,
    'pfx3',
    'a',
    12_000,
    (w) => lost.push(w),
    (w) => delayed.push(w),
  );
  try {
    await own.kill('SIGKILL');
    await until('the claim is given up', () => (lost.length > 0 ? true : undefined));
    assert.match(lost[0]!, /keep-alive failed/);
    assert.ok(delayed.length >= 1, 'a failed renewal inside the TTL was retried first');
    await claim.release(); // returns although NATS is away
  } finally {
    await nc.close().catch(() => undefined);
    await own.stop();
  }
});
