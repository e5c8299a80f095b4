// The Block actor on prime coins: a found block carries the net weight and the subsidy of the
// job it was mined on (TargetGetMint of that job's nBits, through the node's prime parts),
// even when a newer job with other bits has arrived since; its times are whole milliseconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { blockActor } from '../../../actors/block/actor.js';
import type { BlockEvent } from '../../../actors/block/messages.js';
import type { Job } from '../../../actors/job/job.js';
import type { CoinRpc } from '../../../actors/job/rpc-client.js';
import type { BlockCandidate } from '../../../actors/share/messages.js';
import { scriptToAddress } from '../../../actors/shared/address.js';
import { PRIME_NETWORKS } from '../../../actors/shared/network.js';
import { primeNetWeight } from '../../../actors/shared/prime-share-value.js';
import { targetMint } from '../../../native/index.js';
import { SimulatedClock, type ActorContext } from '../../../runtime/index.js';
import { loadConfig } from '../../../topology/config.js';
import { primeNodeParts } from '../../../topology/prime-coin.js';
import { bcoinEndToEndJob } from '../vectors.js';

const NETWORK = PRIME_NETWORKS['primecoin-devnet'];

test('prime block - a block of an older job carries that job’s net weight and mint, not the newest job’s', async () => {
  const cfg = loadConfig([], {
    coin: 'primecoin-devnet',
    poolAddress: scriptToAddress(
      Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x11), 0x88, 0xac),
      NETWORK,
    ) as string,
    rpc: [{ url: 'http://127.0.0.1:1' }],
  });
  const parts = primeNodeParts(cfg, NETWORK, { primeShares: () => Promise.resolve([]) });
  const base = await bcoinEndToEndJob();
  const primeJob = (id: string, bits: number): Job => ({
    ...base,
    id,
    bits: bits.toString(16).padStart(8, '0'),
    netWeight: primeNetWeight(bits, parts.model),
  });
  const older = primeJob('a', 0x04000000);
  const newer = primeJob('b', 0x05800000);

  const events: BlockEvent[] = [];
  const submitted: unknown[][] = [];
  const node = {
    name: 'devnet',
    call: (method: string, params: unknown[]) => {
      if (method === 'submitblock') submitted.push(params);
      return Promise.resolve(null);
    },
  } as unknown as CoinRpc;
  const clock = new SimulatedClock(1_700_000_000_000.75);
  const ctx = {
    self: 'block',
    node: 'n1',
    clock,
    log: pino({ level: 'silent' }),
    lease: undefined,
    tell: () => undefined,
    publish: () => undefined,
    ask: () => Promise.reject(new Error('no asks in this test')),
  } as unknown as ActorContext;
  const behaviour = blockActor({
    coin: 'primecoin-devnet',
    nodes: [node],
    job: 'job' as never,
    keepJobs: 8,
    keepBlocks: 8,
    followMs: 60_000,
    maturity: 20,
    rpcTimeoutMs: 1_000,
    subsidySats: parts.subsidySats,
    onEvent: (e) => void events.push(e),
  })(ctx);

  behaviour.receive({ type: 'job.full', job: older }, ctx);
  behaviour.receive({ type: 'job.full', job: newer }, ctx);
  const candidate: BlockCandidate = {
    type: 'block.candidate',
    coin: 'primecoin-devnet',
    jobId: 'a',
    submit: {
      jobId: 'a',
      extranonce1: '00000001',
      extranonce2: '00000000',
      ntime: base.ntime.toString(16).padStart(8, '0'),
      nonce: '00000000',
      multiplier: '0b',
    },
    headerVersion: base.version,
    hash: '00'.repeat(32),
    worker: 'acct.rig',
    node: 'n1',
    foundAtMs: 1_700_000_000_000,
    payoutScript: null,
  };
  await behaviour.receive(candidate, ctx);

  assert.equal(submitted.length, 1);
  // the intent when the request is written, then found once the node answered
  assert.deepEqual(
    events.map((e) => e.kind),
    ['submitted', 'found'],
  );
  const found = events[1]!.block;
  assert.equal(events[0]!.block, found);
  assert.equal(found.status, 'submitted');
  assert.equal(found.jobId, 'a');
  assert.equal(found.netWeight, primeNetWeight(0x04000000, parts.model));
  assert.notEqual(found.netWeight, newer.netWeight);
  const mint = targetMint(0x04000000, NETWORK.prime!.minLength).mintSats;
  assert.equal(found.subsidySats, mint);
  assert.notEqual(mint, targetMint(0x05800000, NETWORK.prime!.minLength).mintSats);
  assert.ok(Number.isSafeInteger(found.foundAtMs) && Number.isSafeInteger(found.submittedAtMs));
  void behaviour.stopped?.('stopped' as never, ctx);
});
