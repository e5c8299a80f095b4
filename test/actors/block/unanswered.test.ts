// The Block actor when no coin node answers a submitblock (it timed out over a big block, or
// the node was unreachable): the block is neither found nor rejected but unresolved, and the
// follow round settles it as it settles an intent a dead leader left — on a node's chain →
// found (credited), unknown to the nodes → rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { blockActor } from '../../../actors/block/actor.js';
import type { BlockEvent, FoundBlock } from '../../../actors/block/messages.js';
import type { CoinRpc } from '../../../actors/job/rpc-client.js';
import type { BlockCandidate } from '../../../actors/share/messages.js';
import { CodedError } from '../../../actors/shared/errors.js';
import { SimulatedClock, type ActorContext } from '../../../runtime/index.js';
import { bcoinEndToEndJob } from '../vectors.js';

async function submitUnanswered(onChain: boolean): Promise<{
  events: BlockEvent['kind'][];
  listed: FoundBlock[];
}> {
  const job = await bcoinEndToEndJob();
  const events: BlockEvent['kind'][] = [];
  const node = {
    name: 'slow',
    call: (method: string) => {
      if (method === 'submitblock')
        return Promise.reject(new CodedError('RPC_TIMEOUT', 'no answer in 1000 ms'));
      if (method === 'getblock') {
        if (onChain) return Promise.resolve({ confirmations: 1 });
        return Promise.reject(Object.assign(new Error('Block not found'), { rpcCode: -5 }));
      }
      return Promise.reject(new Error(`unexpected ${method}`));
    },
  } as unknown as CoinRpc;
  const toSelf: unknown[] = [];
  const ctx = {
    self: 'block',
    node: 'n1',
    clock: new SimulatedClock(1_700_000_000_000),
    log: pino({ level: 'silent' }),
    lease: undefined,
    tell: (to: string, msg: unknown) => void (to === 'block' && toSelf.push(msg)),
    publish: () => undefined,
    ask: () => Promise.reject(new Error('no asks in this test')),
  } as unknown as ActorContext;
  const behaviour = blockActor({
    coin: 'bitcoin-regtest',
    nodes: [node],
    job: 'job' as never,
    keepJobs: 8,
    keepBlocks: 8,
    followMs: 60_000,
    maturity: 100,
    rpcTimeoutMs: 1_000,
    subsidySats: () => 5_000_000_000n,
    onEvent: (e) => void events.push(e.kind),
  })(ctx);
  behaviour.receive({ type: 'job.full', job }, ctx);
  const candidate: BlockCandidate = {
    type: 'block.candidate',
    coin: 'bitcoin-regtest',
    jobId: job.id,
    submit: {
      jobId: job.id,
      extranonce1: '00000001',
      extranonce2: '00000000',
      ntime: job.ntime.toString(16).padStart(8, '0'),
      nonce: '00000000',
    },
    headerVersion: job.version,
    hash: '00'.repeat(32),
    worker: 'acct.rig',
    node: 'n1',
    foundAtMs: 1_700_000_000_000,
    payoutScript: null,
  };
  await behaviour.receive(candidate, ctx);
  assert.deepEqual(events, ['submitted'], 'neither found nor rejected while nobody answered');
  assert.equal(
    (behaviour.receive({ type: 'block.list' }, ctx) as FoundBlock[])[0]?.status,
    'unresolved',
  );
  // One follow round: its answer comes back to the actor as a message.
  behaviour.receive({ type: 'block.follow' }, ctx);
  const followed = await (async () => {
    for (let i = 0; i < 100 && toSelf.length === 0; i++) await new Promise((r) => setImmediate(r));
    return toSelf.shift();
  })();
  assert.ok(followed, 'the follow round answered');
  behaviour.receive(followed as never, ctx);
  const listed = behaviour.receive({ type: 'block.list' }, ctx) as FoundBlock[];
  void behaviour.stopped?.('stopped' as never, ctx);
  return { events, listed };
}

test('block - a submitblock no node answered is found once a node has it on its chain', async () => {
  const { events, listed } = await submitUnanswered(true);
  assert.deepEqual(events, ['submitted', 'found']);
  assert.equal(listed[0]?.status, 'submitted');
  assert.equal(listed[0]?.confirmations, 1);
});

test('block - a submitblock no node answered and no node has is rejected', async () => {
  const { events, listed } = await submitUnanswered(false);
  assert.deepEqual(events, ['submitted', 'rejected']);
  assert.equal(listed[0]?.status, 'rejected');
});
