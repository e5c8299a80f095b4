// A broadcast's tracing on the receiving node: many local subscribers of a topic (a job to every
// Connection) share one span per node, named after the message, in whose context each handles
// it; one subscriber handles it in a span of its own, as any message. Over a real nats-server,
// with an interceptor that records what the runtime asks of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, createContextKey, type Context } from '@opentelemetry/api';
import {
  formatTraceparent,
  type HandledInfo,
  type Interceptor,
  type Runtime,
} from '../../runtime/index.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { eventually, natsRuntime } from './fixtures/support.js';

const SPAN = createContextKey('test span');

/** Records every span the runtime opens; each span's context names it. */
function recordingInterceptor(): Interceptor & {
  opened: (HandledInfo & { traceparent: string | undefined; ended: boolean })[];
} {
  const opened: (HandledInfo & { traceparent: string | undefined; ended: boolean })[] = [];
  return {
    opened,
    inject: formatTraceparent,
    begin(traceparent, info) {
      const record = { ...info, traceparent, ended: false };
      opened.push(record);
      return {
        context: ROOT_CONTEXT.setValue(SPAN, opened.length - 1),
        end: () => void (record.ended = true),
      };
    },
  };
}

describe('broadcast spans', () => {
  let server: NatsServer;
  let pub: Runtime;
  let sub: Runtime;
  const tracing = recordingInterceptor();

  before(async () => {
    server = await startNatsServer();
    pub = await natsRuntime(server.url, 'pub');
    sub = await natsRuntime(server.url, 'sub', { interceptor: tracing });
  });
  after(async () => {
    await pub?.drain();
    await sub?.drain();
    await server?.stop();
  });

  it('opens one span per node for many subscribers, and one per handler for a lone one', async () => {
    const seen: { who: string; span: unknown }[] = [];
    const listener = (who: string) => () => ({
      receive: (_m: unknown, ctx: { trace: Context }) =>
        void seen.push({ who, span: ctx.trace.getValue(SPAN) }),
    });
    const many = pub.topic('many');
    const lone = pub.topic('lone');
    for (let i = 0; i < 5; i++)
      sub.subscribe(
        many,
        sub.spawn('listener', `m${i}`, listener(`m${i}`), { validate: (m) => m }),
      );
    sub.subscribe(lone, sub.spawn('listener', 'alone', listener('alone'), { validate: (m) => m }));
    await sub.nc.flush();

    pub.publish(many, { type: 'job.new', n: 1 });
    await eventually('five handled', () => (seen.length === 5 ? true : undefined));
    const broadcast = tracing.opened.filter((s) => s.kind === 'broadcast');
    assert.equal(broadcast.length, 1, 'one span for the five deliveries');
    assert.equal(broadcast[0]!.type, 'job.new');
    assert.equal(broadcast[0]!.address, many);
    assert.equal(broadcast[0]!.ended, true);
    const index = tracing.opened.indexOf(broadcast[0]!);
    assert.deepEqual(
      seen.map((s) => s.span),
      [index, index, index, index, index],
      'every handler runs in the broadcast span',
    );
    assert.equal(tracing.opened.filter((s) => s.kind === 'listener').length, 0);

    pub.publish(lone, { type: 'news' });
    await eventually('the lone one handled', () => (seen.length === 6 ? true : undefined));
    const own = tracing.opened.filter((s) => s.kind === 'listener');
    assert.equal(own.length, 1, 'a lone subscriber handles it in a span of its own');
    assert.equal(own[0]!.type, 'news');
    assert.equal(seen[5]!.span, tracing.opened.indexOf(own[0]!));
  });
});
