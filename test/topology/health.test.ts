// NodeHealth: ok until something the node leans on is away, degraded (serving) with the
// reasons while it is, draining once the node drains; bus outages counted and timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { NodeHealth } from '../../topology/health.js';

test('health - ok, degraded with reasons, ok again; outages counted and timed; draining wins', () => {
  let now = 1_000;
  let draining = false;
  const h = new NodeHealth(
    pino({ level: 'silent' }),
    () => draining,
    () => now,
  );
  assert.deepEqual(h.health, { state: 'ok', reasons: [] });
  h.busDown('nats', '127.0.0.1:4222');
  h.busDown('nats', '127.0.0.1:4222'); // one outage, however many disconnect events
  h.set('prefix', 'extranonce prefix unconfirmed');
  assert.equal(h.health.state, 'degraded');
  assert.equal(h.health.reasons.length, 2);
  now += 2_500;
  assert.deepEqual(h.bus, { up: false, outages: 1, outageSeconds: 2.5 });
  h.busUp('nats', '127.0.0.1:4222');
  h.clear('prefix');
  assert.deepEqual(h.health, { state: 'ok', reasons: [] });
  now += 10_000;
  assert.deepEqual(h.bus, { up: true, outages: 1, outageSeconds: 2.5 });
  h.set('coin', 'no coin node answers');
  draining = true;
  assert.deepEqual(h.health, { state: 'draining', reasons: ['draining'] });
});
