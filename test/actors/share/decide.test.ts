// share decide - the Share actor's decisions without NATS, threads or timers: a family double
// whose verifier result is the verdict itself, driven through the states a batch passes
// (queued → at-verifier → at-block → at-log → answered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Address } from '../../../runtime/index.js';
import type { ShareSubmission } from '../../../actors/connection/messages.js';
import type { JobWork } from '../../../actors/job/job.js';
import type { JobAnnouncement } from '../../../actors/job/messages.js';
import {
  decide,
  initShare,
  isIdle,
  shareStats,
  type ShareContext,
  type ShareEffect,
  type ShareState,
} from '../../../actors/share/decide.js';
import type { Checked, FamilyJob, ShareFamily } from '../../../actors/share/family.js';

/** The verifier's answer for a share is its fate: accepted, low, a block, or unhashable. */
type Fate = 'accept' | 'low' | 'block' | 'block-low' | 'unhashed';
type Job = FamilyJob;
type Item = Checked & { readonly fate: Fate };

function family(opts: { threads?: number; now?: boolean } = {}): ShareFamily<Job, Item, Fate> {
  const never = (): never => assert.fail('the shell verifies, not decide');
  return {
    job: (work) => ({
      work,
      logged: { id: work.id, height: 1, netWeight: 1n, subsidySats: 1n, rewardSats: 1n },
    }),
    check: (_job, share) =>
      share.extra === 'bad'
        ? { refused: 'invalid', reason: 'bad extra' }
        : { submit: submitOf(share), headerVersion: 4, fate: (share.extra ?? 'accept') as Fate },
    verifier: {
      threads: opts.threads ?? 1,
      verify: never,
      ...(opts.now ? { verifyNow: never } : {}),
    },
    judge: (_job, share, _c, fate, stale) => {
      const hash = `h${share.requestId}`;
      if (fate === 'unhashed') return { kind: 'server-busy', blockCandidate: false, weight: 0 };
      const blockCandidate = fate === 'block' || fate === 'block-low';
      if (stale) return { kind: 'stale', reason: 'superseded', blockCandidate, hash, weight: 0 };
      if (fate === 'low' || fate === 'block-low')
        return { kind: 'low-difficulty', blockCandidate, hash, weight: 0 };
      return { kind: 'accepted', blockCandidate, hash, weight: 65_536 };
    },
    stats: () => ({ prime: { workers: [] } }),
  };
}

function submitOf(s: ShareSubmission) {
  return {
    jobId: s.jobId,
    extranonce1: s.extranonce1,
    extranonce2: s.extranonce2,
    ntime: '00000000',
    nonce: '00000000',
  };
}

function announce(id: string, prevHash: string, clean: boolean, coin = 'btc'): JobAnnouncement {
  const work = { id, prevHash, cleanJobs: clean, height: 7 } as JobWork;
  return { type: 'job.new', coin, family: 'hash', work, notify: [] as never, networkDifficulty: 1 };
}

let requestId = 0;
function share(extra: Fate | 'bad' = 'accept', jobId = 'j1'): ShareSubmission {
  return {
    requestId: ++requestId,
    jobId,
    worker: { account: 'acct', worker: 'rig' } as ShareSubmission['worker'],
    extranonce1: '01000000',
    extranonce2: '00000000',
    ntime: 0,
    nonce: 0,
    extra,
    versionMask: 0,
    difficulty: 1,
    payoutScript: null,
  };
}

function pool(
  opts: { threads?: number; now?: boolean; maxBatch?: number; maxWaitMs?: number } = {},
) {
  const ctx: ShareContext<Job, Item, Fate> = {
    coin: 'btc',
    node: 'n1',
    family: family(opts),
    maxBatch: opts.maxBatch ?? 2048,
    maxWaitMs: opts.maxWaitMs,
  };
  const s: ShareState<Job, Item> = initShare('btc', 8);
  decide(s, { type: 'job', job: announce('j1', 'p1', true) }, ctx);
  const step = (e: Parameters<typeof decide<Job, Item, Fate>>[1]) => decide(s, e, ctx);
  const submit = (replyTo: string, ...shares: ShareSubmission[]) =>
    step({
      type: 'submits',
      shares,
      replyTo: replyTo as Address,
      trace: ROOT_CONTEXT,
      nowMs: 1_000.5,
    });
  return { s, ctx, step, submit };
}

const kinds = (effects: ShareEffect<Job, Item>[]) => effects.map((e) => e.kind);
const batchOf = (effects: ShareEffect<Job, Item>[]): number => {
  const v = effects.find((e) => e.kind === 'verify');
  assert.ok(v?.kind === 'verify', 'a batch went to the verifier');
  return v.batch;
};
const fatesOf = (effects: ShareEffect<Job, Item>[]) =>
  effects.flatMap((e) => (e.kind === 'verify' ? [e.items.map((q) => q.checked.fate)] : []));

test('share decide - submits that waited past the limit are answered busy unverified; fresh ones are judged', () => {
  const p = pool({ maxWaitMs: 5_000 });
  const at = (sentAtMs: number | undefined, ...shares: ShareSubmission[]) =>
    p.step({
      type: 'submits',
      shares,
      replyTo: 'c1' as Address,
      trace: ROOT_CONTEXT,
      nowMs: 20_000,
      sentAtMs,
    });
  // They sat 5 s in the actor's mailbox (sent at 14,999, taken at 20,000).
  const late = [share(), share()];
  assert.deepEqual(at(14_999, ...late), [{ kind: 'schedule-flush', soon: true }]);
  assert.deepEqual(at(15_000, share()), [], 'at the limit: kept (already flushing)');
  assert.deepEqual(at(undefined, share()), [], 'no send time: kept');
  const flushed = p.step({ type: 'flush', nowMs: 20_000 });
  assert.deepEqual(flushed[0], {
    kind: 'reply',
    to: 'c1',
    verdicts: late.map((s) => ({
      requestId: s.requestId,
      verdict: 'server-busy',
      detail: 'node overloaded: waited 5001 ms for verification',
    })),
  });
  assert.deepEqual(
    fatesOf(flushed),
    [['accept', 'accept']],
    'nothing of theirs goes to the verifier',
  );
  assert.equal(p.s.queue.length, 0);
  const stats = shareStats(p.s, p.ctx.family);
  assert.equal(stats.shed, 2);
  assert.equal(stats.verdicts['server-busy'], 2);
});

test('share decide - a lone share on an idle verifier goes at the end of the turn, on the event loop', () => {
  const p = pool({ now: true });
  assert.deepEqual(p.submit('c1', share()), [{ kind: 'schedule-flush', soon: true }]);
  const flushed = p.step({ type: 'flush', nowMs: 1_000.5 });
  assert.deepEqual(kinds(flushed), ['verify']);
  assert.equal(flushed[0]?.kind === 'verify' && flushed[0].now, true);
  const verified = p.step({
    type: 'verified',
    batch: batchOf(flushed),
    results: ['accept'],
    nowMs: 1_001.7,
  });
  assert.deepEqual(kinds(verified), ['append']);
  const append = verified[0];
  assert.ok(append?.kind === 'append');
  assert.deepEqual(
    append.shares.map((a) => [a.job.id, a.account, a.worker, a.weight, a.hash, a.atMs]),
    [['j1', 'acct', 'rig', 65_536, `h${requestId}`, 1_001]],
  );
  assert.equal(isIdle(p.s), false, 'at the log: not answered yet');
  const answered = p.step({ type: 'logged', batch: append.batch, ok: true });
  assert.deepEqual(answered, [
    {
      kind: 'reply',
      to: 'c1',
      verdicts: [{ requestId, verdict: 'accepted' }],
      batch: append.batch,
    },
    { kind: 'done', batch: append.batch },
  ]);
  assert.equal(isIdle(p.s), true);
});

test('share decide - a busy verifier: flush at the next check phase, two batches per thread, then at most maxBatch per freed thread', () => {
  const p = pool({ threads: 1, maxBatch: 3 });
  p.submit('c1', share());
  const b1 = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  assert.deepEqual(p.submit('c1', share('low')), [{ kind: 'schedule-flush', soon: false }]);
  const b2 = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  p.submit('c1', share('block'));
  assert.deepEqual(
    p.step({ type: 'flush', nowMs: 1_000.5 }),
    [],
    'two batches at the one thread: the third waits',
  );
  p.submit('c2', share());
  assert.deepEqual(p.submit('c2', share('low')), [], 'a full batch waits too');
  p.submit('c3', share());
  assert.deepEqual(p.step({ type: 'flush', nowMs: 1_000.5 }), []);
  const first = p.step({ type: 'verified', batch: b1, results: ['accept'], nowMs: 2_000 });
  assert.equal(first[0]?.kind, 'verify', 'what waited goes to the freed thread first');
  assert.deepEqual(fatesOf(first), [['block', 'accept', 'low']], 'at most maxBatch, oldest first');
  const back = p.step({ type: 'verified', batch: b2, results: ['low'], nowMs: 2_000 });
  assert.deepEqual(fatesOf(back), [['accept']], 'the rest with the next');
});

test('share decide - under overload what waited past maxWaitMs is answered busy unverified, oldest first', () => {
  const p = pool({ threads: 1, maxBatch: 2, maxWaitMs: 1_000 });
  const at = (sentAtMs: number, replyTo: string, ...shares: ShareSubmission[]) =>
    p.step({
      type: 'submits',
      shares,
      replyTo: replyTo as Address,
      trace: ROOT_CONTEXT,
      nowMs: sentAtMs + 1,
      sentAtMs,
    });
  at(10_000, 'c1', share());
  const b1 = batchOf(p.step({ type: 'flush', nowMs: 10_001 }));
  at(10_000, 'c1', share());
  const b2 = batchOf(p.step({ type: 'flush', nowMs: 10_001 }));
  const [old1, old2, old3, fresh] = [share(), share(), share(), share('low')];
  at(10_100, 'c1', old1, old2);
  at(10_140, 'c2', old3);
  at(10_900, 'c2', fresh);
  assert.equal(p.s.queue.length, 4, 'the verifier is full: they wait');
  const busy = (...ss: ShareSubmission[]) =>
    ss.map((x) => ({ requestId: x.requestId, verdict: 'server-busy' }));
  p.step({ type: 'verified', batch: b1, results: ['accept'], nowMs: 11_150 });
  const freed = p.step({ type: 'flush', nowMs: 11_150 }); // the flush the submits scheduled
  const replies = freed.filter((e) => e.kind === 'reply');
  assert.deepEqual(
    replies.map((e) => e.kind === 'reply' && [e.to, e.verdicts.map(({ detail: _, ...v }) => v)]),
    [
      ['c1', busy(old1, old2)],
      ['c2', busy(old3)],
    ],
    'the three that waited over a second, none verified',
  );
  assert.match(
    replies[0]?.kind === 'reply' ? (replies[0].verdicts[0]?.detail ?? '') : '',
    /node overloaded: waited 1050 ms/,
  );
  assert.deepEqual(fatesOf(freed), [['low']], 'the fresh one goes to the freed thread');
  assert.equal(shareStats(p.s, p.ctx.family).shed, 3);
  p.step({ type: 'verified', batch: b2, results: ['accept'], nowMs: 11_150 });
});

test('share decide - a block candidate is asked of the Block actor first; its batch waits for the answer', () => {
  const p = pool({ now: true });
  p.submit('c1', share('low'), share('block'));
  p.submit('c2', share('accept'), share('bad'));
  const flushed = p.step({ type: 'flush', nowMs: 1_000.5 });
  const batch = batchOf(flushed);
  const verified = p.step({
    type: 'verified',
    batch,
    results: ['low', 'block', 'accept'],
    nowMs: 5_000,
  });
  assert.deepEqual(
    kinds(verified),
    ['candidate'],
    'nothing else of the batch yet: no verdict, no append',
  );
  const c = verified[0];
  assert.ok(c?.kind === 'candidate');
  assert.deepEqual(
    [
      c.candidate.type,
      c.candidate.coin,
      c.candidate.jobId,
      c.candidate.worker,
      c.candidate.node,
      c.candidate.foundAtMs,
      c.candidate.headerVersion,
    ],
    ['block.candidate', 'btc', 'j1', 'acct.rig', 'n1', 5_000, 4],
  );
  const answered = p.step({ type: 'block-answered', batch });
  assert.deepEqual(kinds(answered), ['log', 'reply', 'append', 'candidates-settled']);
  assert.ok(answered[0]?.kind === 'log' && answered[0].line.msg === 'block candidate');
  assert.deepEqual(answered[1], {
    kind: 'reply',
    to: 'c1',
    verdicts: [{ requestId: requestId - 3, verdict: 'low-difficulty' }],
    batch,
  });
  assert.ok(answered[2]?.kind === 'append');
  assert.equal(answered[2].shares.length, 2, 'the block share and the accepted one');
  // After the append (the sink queues it at once): the Block actor may log the block behind it.
  assert.deepEqual(answered[3], {
    kind: 'candidates-settled',
    batch,
    hashes: [answered[2].shares[0]?.hash],
  });
  assert.deepEqual(p.step({ type: 'block-answered', batch }), [], 'answered once');
  const logged = p.step({ type: 'logged', batch, ok: true });
  assert.deepEqual(
    logged.flatMap((e) => (e.kind === 'reply' ? [[e.to, e.verdicts.map((v) => v.verdict)]] : [])),
    [
      ['c1', ['accepted']],
      ['c2', ['accepted']],
    ],
  );
  assert.deepEqual(shareStats(p.s, p.ctx.family), {
    verdicts: { invalid: 1, 'low-difficulty': 1, accepted: 2 },
    candidates: 1,
    shed: 0,
    jobs: 1,
    batches: 1,
    prime: { workers: [] },
  });
});

test('share decide - two candidates in a batch: it settles once the Block actor answered for both', () => {
  const p = pool({ now: true });
  p.submit('c1', share('block'), share('block-low'));
  const batch = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  const verified = p.step({ type: 'verified', batch, results: ['block', 'block-low'], nowMs: 1 });
  assert.deepEqual(kinds(verified), ['candidate', 'candidate'], 'a low share can be a block too');
  assert.deepEqual(p.step({ type: 'block-answered', batch }), []);
  assert.deepEqual(kinds(p.step({ type: 'block-answered', batch })), [
    'log',
    'log',
    'reply',
    'append',
    'candidates-settled',
  ]);
});

test('share decide - a candidate whose share is not accepted: the Block actor still hears its batch settled', () => {
  const p = pool({ now: true });
  p.submit('c1', share('block-low'));
  const batch = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  const verified = p.step({ type: 'verified', batch, results: ['block-low'], nowMs: 1 });
  assert.ok(verified[0]?.kind === 'candidate');
  const hash = verified[0].candidate.hash;
  const answered = p.step({ type: 'block-answered', batch });
  assert.deepEqual(kinds(answered), ['log', 'reply', 'candidates-settled', 'done']);
  assert.deepEqual(answered[2], { kind: 'candidates-settled', batch, hashes: [hash] });
});

test('share decide - unknown jobs and refused submits are answered at once, one reply per read', () => {
  const p = pool();
  const effects = p.submit('c1', share('accept', 'gone'), share('bad'));
  assert.deepEqual(effects, [
    {
      kind: 'reply',
      to: 'c1',
      verdicts: [
        { requestId: requestId - 1, verdict: 'stale', detail: 'unknown job' },
        { requestId, verdict: 'invalid', detail: 'bad extra' },
      ],
    },
  ]);
  assert.equal(isIdle(p.s), true, 'nothing queued');
});

test('share decide - a failed verifier or log answers busy; a share on an older tip is stale', () => {
  const p = pool({ now: true });
  p.submit('c1', share());
  const b1 = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  const failed = p.step({ type: 'verified', batch: b1, results: null, nowMs: 1 });
  assert.deepEqual(kinds(failed), ['reply', 'done']);
  assert.ok(failed[0]?.kind === 'reply');
  assert.deepEqual(failed[0].verdicts[0], {
    requestId,
    verdict: 'server-busy',
    detail: 'verification failed',
  });

  p.submit('c1', share());
  const b2 = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  const append = p.step({ type: 'verified', batch: b2, results: ['accept'], nowMs: 1 });
  assert.deepEqual(kinds(append), ['append']);
  const busy = p.step({ type: 'logged', batch: b2, ok: false });
  assert.ok(busy[0]?.kind === 'reply');
  assert.deepEqual(busy[0].verdicts, [
    { requestId, verdict: 'server-busy', detail: 'share log unavailable' },
  ]);

  p.submit('c1', share('accept', 'j1'));
  p.step({ type: 'job', job: announce('j2', 'p2', true) }); // a new tip while j1's share is queued
  p.step({ type: 'job', job: announce('j3', 'p2', false) });
  p.step({ type: 'job', job: announce('x1', 'p9', true, 'other-coin') }); // not this coin's
  const b3 = batchOf(p.step({ type: 'flush', nowMs: 1_000.5 }));
  const stale = p.step({ type: 'verified', batch: b3, results: ['accept'], nowMs: 1 });
  assert.ok(stale[0]?.kind === 'reply');
  assert.equal(stale[0].verdicts[0]?.verdict, 'stale');
  assert.equal(p.s.jobs.size, 3);
  assert.equal(isIdle(p.s), true);
});

test('share decide - recent jobs: the oldest is forgotten past keepJobs', () => {
  const p = pool();
  for (let i = 2; i <= 10; i++) p.step({ type: 'job', job: announce(`j${i}`, 'p1', false) });
  assert.equal(p.s.jobs.size, 8);
  assert.equal(p.s.jobs.get('j1'), undefined);
  assert.deepEqual(p.submit('c1', share('accept', 'j1')).length, 1, 'answered stale at once');
});
