// NATS URLs with credentials in them: what a node shows (none), and what it connects with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutCredentials } from '../../runtime/nats-urls.js';
import { authOptions } from '../../runtime/index.js';

test('nats urls - credentials leave the URLs; the first user and password are kept, decoded', () => {
  const r = withoutCredentials([
    'nats://10.0.0.1:4222',
    'nats://alice:s%40cret@10.0.0.2:4222',
    'tls://bob:other@10.0.0.3:4222',
  ]);
  assert.deepEqual(r.servers, [
    'nats://10.0.0.1:4222',
    'nats://10.0.0.2:4222',
    'tls://10.0.0.3:4222',
  ]);
  assert.equal(r.user, 'alice');
  assert.equal(r.pass, 's@cret');
});

test('nats urls - a user without a password, one URL, and none at all', () => {
  assert.deepEqual(withoutCredentials('nats://token@127.0.0.1:4222'), {
    servers: ['nats://127.0.0.1:4222'],
    user: 'token',
  });
  assert.deepEqual(withoutCredentials(['nats://127.0.0.1:4222']), {
    servers: ['nats://127.0.0.1:4222'],
  });
});

test('nats urls - authOptions: what the config names wins over the URL; the URL fills the rest', () => {
  const fromUrl = authOptions(['nats://alice:pw@127.0.0.1:4222']);
  assert.deepEqual(fromUrl.servers, ['nats://127.0.0.1:4222']);
  assert.deepEqual([fromUrl.options.user, fromUrl.options.pass], ['alice', 'pw']);
  const named = authOptions(['nats://alice:pw@127.0.0.1:4222'], { user: 'carol' });
  assert.deepEqual([named.options.user, named.options.pass], ['carol', 'pw']);
  const token = authOptions(['nats://alice:pw@127.0.0.1:4222'], { token: 't' });
  assert.equal(token.options.token, 't');
  assert.equal(token.options.user, undefined, 'a token is the one credential sent');
});
