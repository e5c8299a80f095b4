// Extranonce-prefix claims on a real nats-server: unique per live node, freed by release;
// kept when a renewal is refused by an update of the holder's own; suspended when the key is
// changed under the holder or NATS stays away past the TTL, and
// then resumed by itself: on its own prefix when that is free or still its own, else on
// another (moved). A shorter outage is ridden out: test/integration/nats-restart.test.ts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { connectNats } from '../../runtime/index.js';
import { claimExtranoncePrefix, prefixBucket, type PrefixEvents } from '../../topology/prefix.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';

let server: NatsServer;
before(async () => {
  server = await startNatsServer('prefix');
});
after(async () => server.stop());

function recorder(): PrefixEvents & {
  suspensions: string[];
  resumptions: { prefix: number; moved: boolean }[];
  delays: string[];
} {
  const r = {
    suspensions: [] as string[],
    resumptions: [] as { prefix: number; moved: boolean }[],
    delays: [] as string[],
    suspended: (why: string) => void r.suspensions.push(why),
    resumed: (prefix: number, moved: boolean) => void r.resumptions.push({ prefix, moved }),
    delayed: (why: string) => void r.delays.push(why),
  };
  return r;
}

test('prefix - live nodes get distinct prefixes; a released one is taken again', async () => {
  const nc = await connectNats([server.url], 'p-test');
  const ev = recorder();
  const a = await claimExtranoncePrefix(nc, 'pfx', 'a', 30_000, ev);
  const b = await claimExtranoncePrefix(nc, 'pfx', 'b', 30_000, ev);
  assert.notEqual(a.prefix, b.prefix);
  await a.release();
  const c = await claimExtranoncePrefix(nc, 'pfx', 'c', 30_000, ev);
  assert.equal(c.prefix, a.prefix, 'the lowest free prefix again');
  await b.release();
  await c.release();
  assert.deepEqual(ev.suspensions, []);
  await nc.close();
});

test('prefix - a key taken from under the holder: suspended, then resumed on another prefix', async () => {
  const nc = await connectNats([server.url], 'p-test2');
  const ev = recorder();
  const claim = await claimExtranoncePrefix(nc, 'pfx2', 'a', 3_000, ev);
  const first = claim.prefix;
  const kv = await new Kvm(nc).open(prefixBucket('pfx2'));
  await kv.put(`p${first}`, 'intruder');
  await until('the claim to resume', () => (ev.resumptions.length > 0 ? true : undefined));
  assert.match(ev.suspensions[0]!, /keep-alive refused/);
  assert.deepEqual(ev.resumptions, [{ prefix: claim.prefix, moved: true }]);
  assert.notEqual(claim.prefix, first);
  assert.equal((await kv.get(`p${claim.prefix}`))?.string(), 'a', 'the new key is ours');
  assert.equal((await kv.get(`p${first}`))?.string(), 'intruder', 'the old one is left alone');
  await claim.release();
  await nc.close();
});

test('prefix - a renewal refused by an update of its own (timed out here, stored there) goes on, not suspended', async () => {
  const nc = await connectNats([server.url], 'p-test4');
  const ev = recorder();
  // TTL 3 s: a renewal every second.
  const claim = await claimExtranoncePrefix(nc, 'pfx4', 'a', 3_000, ev);
  try {
    const first = claim.prefix;
    const kv = await new Kvm(nc).open(prefixBucket('pfx4'));
    // What a renewal that timed out on a stalled event loop leaves: the key, ours, one revision on.
    const moved = await kv.put(`p${first}`, 'a');
    await until('the refusal to be seen', () =>
      ev.delays.some((d) => d.includes('still ours')) ? true : undefined,
    );
    // Renewed from the key's revision on: three more renewals, and the key's revision moves.
    await new Promise((r) => setTimeout(r, 3_500));
    const entry = await kv.get(`p${first}`);
    assert.equal(entry?.string(), 'a');
    assert.ok((entry?.revision ?? 0) > moved, 'renewed after the refusal');
    assert.deepEqual(ev.suspensions, [], 'never suspended');
    assert.deepEqual(ev.resumptions, []);
    assert.equal(claim.prefix, first);
  } finally {
    await claim.release();
    await nc.close();
  }
});

test('prefix - NATS gone past the TTL: suspended; back: resumed on the same prefix', async () => {
  const own = await startNatsServer('prefix-ttl');
  const nc = await connectNats([own.url], 'p-test3');
  const ev = recorder();
  // TTL 12 s: renewals every 4 s, suspended after 10.8 s without one; a renewal fails within
  // about 4 s + the request timeout of the kill, so at least one is retried before that.
  const claim = await claimExtranoncePrefix(nc, 'pfx3', 'a', 12_000, ev);
  const first = claim.prefix;
  try {
    await own.kill('SIGKILL');
    await until('the claim is suspended', () => (ev.suspensions.length > 0 ? true : undefined));
    assert.match(ev.suspensions[0]!, /keep-alive failed/);
    assert.ok(ev.delays.length >= 1, 'a failed renewal inside the TTL was retried first');
    await own.restart();
    await until('the claim to resume', () => (ev.resumptions.length > 0 ? true : undefined));
    assert.deepEqual(ev.resumptions, [{ prefix: first, moved: false }]);
    const kv = await new Kvm(nc).open(prefixBucket('pfx3'));
    assert.equal((await kv.get(`p${first}`))?.string(), 'a');
    // Held again: the keep-alive runs on (a renewal past one TTL keeps the key).
    await new Promise((r) => setTimeout(r, 13_000));
    assert.equal(ev.suspensions.length, 1, 'not suspended again');
    await claim.release();
    assert.equal(await kv.get(`p${first}`).then((e) => e?.operation), 'DEL', 'released');
  } finally {
    await nc.close().catch(() => undefined);
    await own.stop();
  }
});
