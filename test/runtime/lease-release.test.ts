// A lease slot closed twice (the runtime closes a lease acquired during a drain at once, and
// the drain closes every slot after): both calls wait for the one release, so the drain does
// not close NATS while the release is still on the wire (it was seen failing as "connection
// closed" in the demo's two-node stop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KV } from '@nats-io/kv';
import pino from 'pino';
import { realClock } from '../../runtime/index.js';
import { LeaseSlot } from '../../runtime/lease.js';
import { until } from '../helpers/until.js';

test('lease slot - a second close waits for the release the first started', async () => {
  let deletes = 0;
  let finishDelete!: () => void;
  const kv = {
    get: () => Promise.resolve(null),
    create: () => Promise.resolve(7),
    delete: () => {
      deletes++;
      return new Promise<void>((r) => (finishDelete = r));
    },
  } as unknown as KV;
  let first: Promise<void> | undefined;
  const slot: LeaseSlot = new LeaseSlot({
    kv,
    kind: 'block',
    key: 'coin',
    ttlMs: 5_000,
    host: { node: 'n1', clock: realClock, log: pino({ level: 'silent' }) },
    acquired: () => void (first = slot.close()), // as the runtime does while draining
    lost: () => undefined,
  });
  slot.poke();
  await until('acquired and releasing', () => (deletes === 1 ? true : undefined));
  let second = false;
  const closing = slot.close().then(() => (second = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(second, false, 'the second close is still waiting for the release');
  finishDelete();
  await closing;
  await first;
  assert.equal(deletes, 1, 'released once');
});
