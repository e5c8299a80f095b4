// Three runtime nodes in separate OS processes on one real nats-server: tells and asks between
// them, and one trace that starts in one process and continues through the other two.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Runtime } from '../../runtime/index.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { startNodes, type NodeProcess } from './fixtures/nodes.js';
import { natsRuntime } from './fixtures/support.js';

interface SpanRow {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

let server: NatsServer;
let nodes: NodeProcess[];
let client: Runtime;

before(async () => {
  server = await startNatsServer();
  nodes = await startNodes(['p1', 'p2', 'p3'].map((node) => ({ servers: [server.url], node })));
  client = await natsRuntime(server.url, 'client', { askTimeoutMs: 15_000 });
});

after(async () => {
  for (const n of nodes) n.signal('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  await client.drain();
  await server.stop();
});

describe('runtime across processes', () => {
  it('carries asks through a chain of three processes and back', async () => {
    const path = await client.ask(client.address('relay', 'p1'), {
      type: 'relay',
      path: ['p2', 'p3'],
    });
    assert.deepEqual(path, ['p1', 'p2', 'p3']);
  });

  it('delivers a tell to another process, which asks a third', async () => {
    const [, p2, p3] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const from2 = p2.events.length;
    const from3 = p3.events.length;
    client.tell(client.address('relay', 'p2'), { type: 'relay', path: ['p3'] });
    await p2.waitFor(
      (e) => e.event === 'relay' && e['hops'] === 1,
      'p2 handles the tell',
      30_000,
      from2,
    );
    await p3.waitFor(
      (e) => e.event === 'relay' && e['hops'] === 0,
      'p3 handles the ask',
      30_000,
      from3,
    );
  });

  it('continues one trace through three processes', async () => {
    const [p1, p2, p3] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const res = await p1.command('traced-ask', {
      to: client.address('relay', 'p2'),
      msg: { type: 'relay', path: ['p3'] },
    });
    assert.deepEqual(res['value'], ['p2', 'p3']);
    const traceId = res['traceId'] as string;
    const spansOf = async (n: NodeProcess) =>
      ((await n.command('spans'))['spans'] as SpanRow[]).filter((s) => s.traceId === traceId);
    const [s1, s2, s3] = [await spansOf(p1), await spansOf(p2), await spansOf(p3)];
    const root = s1.find((s) => s.name === 'test-root');
    assert.ok(root, 'root span recorded in p1');
    assert.equal(s2.length, 1, 'one span per handled message in p2');
    assert.equal(s3.length, 1, 'one span per handled message in p3');
    assert.equal(s2[0]?.name, 'relay relay');
    assert.equal(s2[0]?.parentSpanId, root.spanId, 'p2 span is a child of the root in p1');
    assert.equal(s3[0]?.parentSpanId, s2[0]?.spanId, 'p3 span is a child of the p2 span');
  });
});
