// A three-server NATS cluster: kill the server a node is connected to; both runtimes reconnect,
// the singleton's lease (in an R3 KV bucket) survives, and every ask that is retried gets its
// answer; the responder sees every message id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codeOf, CodedError, type Runtime } from '../../runtime/index.js';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-server.js';
import { natsRuntime, sleep } from './fixtures/support.js';

let cluster: NatsCluster;
let responder: Runtime;
let client: Runtime;
const seen = new Set<number>();

type Req = { type: 'req'; id: number };
const validate = (u: unknown): Req => {
  const m = u as Req;
  if (m?.type !== 'req' || typeof m.id !== 'number') throw new Error('expected req');
  return m;
};

before(async () => {
  cluster = await startNatsCluster({ size: 3 });
  const [s1, s2, s3] = cluster.urls as [string, string, string];
  responder = await natsRuntime([s1, s2, s3], 'responder', { leaseReplicas: 3 });
  client = await natsRuntime([s2, s3, s1], 'client');
  await responder.singleton<Req>(
    'register',
    'main',
    () => ({
      receive: (m) => (seen.add(m.id), m.id),
    }),
    { validate, leaseTtlMs: 5_000 },
  );
});

after(async () => {
  await client.drain();
  await responder.drain();
  await cluster.stop();
});

/** The caller's retry: resend on any retryable failure until answered (the handler is idempotent). */
async function askUntilAnswered(id: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.ask<number>(
        client.address('register', 'main'),
        { type: 'req', id },
        { timeoutMs: 1_000 },
      );
    } catch (err) {
      if (!(err instanceof CodedError && err.retryable) || attempt > 200) throw err;
      assert.ok(codeOf(err) !== undefined);
      await sleep(50);
    }
  }
}

describe('runtime on a NATS cluster', () => {
  it('keeps answering retried asks when the responder’s server is killed', async () => {
    const total = 120;
    const answers: Promise<number>[] = [];
    const connectedTo = responder.nc.getServer();
    const victim = cluster.servers.find((s) => connectedTo.endsWith(`:${s.port}`));
    assert.ok(victim, `responder is connected to one of the cluster's servers (${connectedTo})`);
    for (let id = 0; id < total; id++) {
      answers.push(askUntilAnswered(id));
      if (id === 40) await victim.kill('SIGKILL');
      await sleep(10);
    }
    const results = await Promise.all(answers);
    assert.deepEqual(
      results,
      Array.from({ length: total }, (_, id) => id),
    );
    assert.equal(seen.size, total);
    assert.notEqual(responder.nc.getServer(), connectedTo, 'responder reconnected elsewhere');
  });
});
