// The Share actor's decisions for either PoW family, as pure logic:
//   decide(state, event, ctx) → effects
// Events: a Connection's submits, a job broadcast, a flush coming due, a batch's verification
// results, the Block actor's answer for a candidate, the share log's acknowledgement. The shell
// (actor.ts) carries the effects out: verdict tells, verifier calls, asks of the Block actor, log
// appends, flush timers, log lines. The state belongs to the one actor and is updated in place;
// the clock comes in the events, so decide replays and is tested without NATS or threads.
//
// A share's states, a batch at a time:
//   queued       checked (no proof-of-work yet), waiting for a batch. The batch goes at the end
//                of the turn while nothing is at the verifier (a lone share, often a block
//                candidate, does not wait), at the next check phase while something is (so a
//                busy node batches), at once at maxBatch. With two batches per verifier thread
//                out, what arrives waits for one to come back, in batches of at most maxBatch;
//                what waited past maxWaitMs is answered busy unverified (overload is shed at
//                the head: the node keeps verifying fresh shares at its full rate).
//   at-verifier  its batch is verified: on the event loop for at most INLINE_MAX shares while
//                nothing else is (hash shares: microseconds), else in the verifier pool.
//   at-block     verified, in a batch that held a block candidate: the Block actor is asked to
//                take each candidate, and nothing else of the batch happens until it answered
//                (it answers once submitblock went out and came back) or its ask failed.
//   at-log       accepted, handed to the share sink (the durable share log); then the Block
//                actor hears that the candidates' batch is there, so a block's found record,
//                appended behind it, never overtakes the share that found the block.
//   answered     rejections are told when the batch settles; "accepted" only once the sink
//                has acknowledged the share ("busy" if it failed).
// So a candidate is submitted before any verdict or log append of its batch, wherever the Block
// actor runs, and a share is in the share log before its miner hears "accepted"; neither rests
// on the order in which the runtime happens to run actors.
import type { Context } from '@opentelemetry/api';
import type { Address } from '../../runtime/index.js';
import type {
  ShareVerdict as ConnectionVerdict,
  ShareSubmission,
  ShareVerdictKind,
} from '../connection/index.js';
import type { JobAnnouncement, JobWork } from '../job/index.js';
import type { Checked, FamilyJob, Judged, LogLine, Refusal, ShareFamily } from './family.js';
import type { AcceptedShare } from '../shared/log-appender.js';
import type { BlockCandidate, ShareStats } from './messages.js';

/** Most shares a flush verifies on the event loop (and only while nothing is at the verifier). */
export const INLINE_MAX = 4;

export interface ShareContext<J extends FamilyJob, C extends Checked, R> {
  readonly coin: string;
  readonly node: string;
  readonly family: ShareFamily<J, C, R>;
  readonly maxBatch: number;
  /**
   * Queued submits that waited longer than this since the Connection sent them are answered
   * busy without being verified (undefined: never). Under a load past what the node verifies,
   * the queue would grow until every verdict came after the Connection had already answered
   * busy: all work, no accepted share. Shedding at the head keeps the wait bounded.
   */
  readonly maxWaitMs?: number | undefined;
}

export interface Queued<J, C> {
  readonly share: ShareSubmission;
  readonly replyTo: Address;
  readonly job: J;
  readonly checked: C;
  /** The submit's trace (Connection → Share): its batch's span and its log record link to it. */
  readonly trace: Context;
  /** When the Connection sent it (else when the actor took it): what `maxWaitMs` is counted from. */
  readonly atMs: number;
}

type Replies = Map<Address, ConnectionVerdict[]>;

/** What a verified batch tells, logs and appends once the Block actor has answered for it. */
interface Settlement<J, C> {
  readonly replies: Replies;
  readonly logs: LogLine[];
  readonly accepted: Queued<J, C>[];
  readonly records: AcceptedShare[];
  /** The block candidates' hashes (the Block actor hears when their batch is in the sink). */
  readonly candidates: string[];
}

interface Batch<J, C> {
  readonly items: readonly Queued<J, C>[];
  phase: 'at-verifier' | 'at-block' | 'at-log';
  /** at-block: candidates the Block actor has not answered for yet. */
  blockAsks: number;
  settlement: Settlement<J, C> | null;
}

export interface ShareState<J extends FamilyJob, C> {
  readonly jobs: RecentJobs<J>;
  queue: Queued<J, C>[];
  /** A flush is scheduled (a `flush` event will come). */
  flushDue: boolean;
  readonly batches: Map<number, Batch<J, C>>;
  /** Batches at the verifier pool or on the event loop. */
  atVerifier: number;
  lastBatch: number;
  readonly verdicts: Partial<Record<ShareVerdictKind, number>>;
  candidates: number;
  /** Submits answered busy unverified: they waited past `maxWaitMs` (also counted as server-busy). */
  shed: number;
}

export type ShareEvent<R> =
  | { readonly type: 'job'; readonly job: JobAnnouncement }
  | {
      readonly type: 'submits';
      readonly shares: readonly ShareSubmission[];
      readonly replyTo: Address;
      readonly trace: Context;
      readonly nowMs: number;
      /** When the Connection sent them (undefined: unknown; their wait counts from nowMs). */
      readonly sentAtMs?: number | undefined;
    }
  | { readonly type: 'flush'; readonly nowMs: number }
  /** `results` null: the verifier failed the whole batch. */
  | {
      readonly type: 'verified';
      readonly batch: number;
      readonly results: readonly R[] | null;
      readonly nowMs: number;
    }
  | { readonly type: 'block-answered'; readonly batch: number }
  /** `ok` false: the sink refused the batch; `reason` is what its miners hear (busy). */
  | {
      readonly type: 'logged';
      readonly batch: number;
      readonly ok: boolean;
      readonly reason?: string;
    };

/** Effects with a `batch` are carried out in that batch's trace, the others in the turn's. */
export type ShareEffect<J, C> =
  | {
      readonly kind: 'reply';
      readonly to: Address;
      readonly verdicts: ConnectionVerdict[];
      readonly batch?: number;
    }
  /** Flush at the end of this turn (`soon`) or at the next check phase. */
  | { readonly kind: 'schedule-flush'; readonly soon: boolean }
  /** `now`: on the event loop (the verifier's verifyNow); its results come back at once. */
  | {
      readonly kind: 'verify';
      readonly batch: number;
      readonly items: readonly Queued<J, C>[];
      readonly now: boolean;
    }
  | { readonly kind: 'candidate'; readonly batch: number; readonly candidate: BlockCandidate }
  | { readonly kind: 'append'; readonly batch: number; readonly shares: AcceptedShare[] }
  /**
   * The batch that held these candidates is handed to the sink (after its `append`, if any):
   * the Block actor may now append their found records, which go to the log behind it.
   */
  | { readonly kind: 'candidates-settled'; readonly batch: number; readonly hashes: string[] }
  | { readonly kind: 'log'; readonly batch: number; readonly line: LogLine }
  /** Every share of the batch is answered. */
  | { readonly kind: 'done'; readonly batch: number };

export function initShare<J extends FamilyJob, C>(
  coin: string,
  keepJobs: number,
): ShareState<J, C> {
  return {
    jobs: new RecentJobs<J>(coin, keepJobs),
    queue: [],
    flushDue: false,
    batches: new Map(),
    atVerifier: 0,
    lastBatch: 0,
    verdicts: {},
    candidates: 0,
    shed: 0,
  };
}

export function decide<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  e: ShareEvent<R>,
  ctx: ShareContext<J, C, R>,
): ShareEffect<J, C>[] {
  const out: ShareEffect<J, C>[] = [];
  switch (e.type) {
    case 'job':
      s.jobs.add(e.job, (work) => ctx.family.job(work));
      break;
    case 'submits':
      onSubmits(s, e, ctx, out);
      break;
    case 'flush':
      s.flushDue = false;
      flush(s, ctx, out, e.nowMs);
      break;
    case 'verified':
      onVerified(s, e, ctx, out);
      break;
    case 'block-answered': {
      const b = s.batches.get(e.batch);
      if (b?.phase === 'at-block' && b.settlement && --b.blockAsks === 0)
        settle(s, e.batch, b, b.settlement, out);
      break;
    }
    case 'logged':
      onLogged(s, e.batch, e.ok, e.reason ?? 'share log unavailable', out);
      break;
  }
  return out;
}

/** Nothing queued, verified or waiting for the log: every share this actor took is answered. */
export function isIdle(s: ShareState<FamilyJob, unknown>): boolean {
  return s.queue.length === 0 && s.batches.size === 0;
}

export function shareStats<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  family: ShareFamily<J, C, R>,
): ShareStats {
  return {
    verdicts: { ...s.verdicts } as Record<ShareVerdictKind, number>,
    candidates: s.candidates,
    shed: s.shed,
    jobs: s.jobs.size,
    batches: s.lastBatch,
    ...family.stats?.(),
  };
}

function onSubmits<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  e: Extract<ShareEvent<R>, { type: 'submits' }>,
  ctx: ShareContext<J, C, R>,
  out: ShareEffect<J, C>[],
): void {
  const nowSec = Math.floor(e.nowMs / 1000);
  let refused: ConnectionVerdict[] | null = null;
  for (const share of e.shares) {
    const q = queued(s, share, e, ctx, nowSec);
    if ('refused' in q) (refused ??= []).push(verdictOf(share, q.refused, q.reason));
    else if (s.queue.push(q) >= ctx.maxBatch) flush(s, ctx, out, e.nowMs);
  }
  if (refused !== null) reply(s, out, e.replyTo, refused);
  if (s.queue.length > 0 && !s.flushDue) {
    s.flushDue = true;
    out.push({ kind: 'schedule-flush', soon: s.atVerifier === 0 });
  }
}

/** A submit checked by its family and queued, or turned down (an unknown job: stale). */
function queued<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  share: ShareSubmission,
  e: Extract<ShareEvent<R>, { type: 'submits' }>,
  ctx: ShareContext<J, C, R>,
  nowSec: number,
): Queued<J, C> | Refusal {
  const job = s.jobs.get(share.jobId);
  if (job === undefined) return UNKNOWN_JOB;
  const checked = ctx.family.check(job, share, nowSec);
  if ('refused' in checked) return checked;
  return { share, replyTo: e.replyTo, job, checked, trace: e.trace, atMs: e.sentAtMs ?? e.nowMs };
}

const UNKNOWN_JOB: Refusal = { refused: 'stale', reason: 'unknown job' };

/**
 * What is queued goes in batches of at most maxBatch while the verifier has room (two batches
 * per thread); the rest waits. First, what waited past `maxWaitMs` at `nowMs` is answered busy.
 */
function flush<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  ctx: ShareContext<J, C, R>,
  out: ShareEffect<J, C>[],
  nowMs: number,
): void {
  if (ctx.maxWaitMs !== undefined) shed(s, out, nowMs, ctx.maxWaitMs);
  const verifier = ctx.family.verifier;
  for (let n = s.queue.length; n > 0; n = s.queue.length) {
    const now = s.atVerifier === 0 && n <= INLINE_MAX && verifier.verifyNow !== undefined;
    if (!now && s.atVerifier >= 2 * verifier.threads) return;
    const batch = ++s.lastBatch;
    const items = n <= ctx.maxBatch ? s.queue : s.queue.splice(0, ctx.maxBatch);
    if (items === s.queue) s.queue = [];
    s.batches.set(batch, { items, phase: 'at-verifier', blockAsks: 0, settlement: null });
    s.atVerifier++;
    out.push({ kind: 'verify', batch, items, now });
  }
}

/**
 * Answers busy, unverified, the queued submits that waited more than `maxWaitMs` at `nowMs` (the
 * queue is in the order they came, in the actor's mailbox or its queue): under a load past what
 * the node verifies, the wait stays within `maxWaitMs` and every verdict still finds its submit
 * waiting at the Connection.
 */
function shed<J extends FamilyJob, C>(
  s: ShareState<J, C>,
  out: ShareEffect<J, C>[],
  nowMs: number,
  maxWaitMs: number,
): void {
  let n = 0;
  while (n < s.queue.length && nowMs - s.queue[n]!.atMs > maxWaitMs) n++;
  if (n === 0) return;
  const replies: Replies = new Map();
  for (const q of s.queue.splice(0, n)) {
    const why = `node overloaded: waited ${Math.round(nowMs - q.atMs)} ms for verification`;
    addReply(replies, q.replyTo, verdictOf(q.share, 'server-busy', why));
  }
  s.shed += n;
  for (const [to, verdicts] of replies) reply(s, out, to, verdicts);
}

const VERIFIER_FAILED: Judged = {
  kind: 'server-busy',
  reason: 'verification failed',
  blockCandidate: false,
  weight: 0,
};

/**
 * Judges a verified batch. The next batch goes to the freed verifier thread first (what waited
 * for one); then each block candidate is asked of the Block actor as it is found, and the rest
 * of the batch settles now, or once the Block actor has answered for every candidate.
 */
function onVerified<J extends FamilyJob, C extends Checked, R>(
  s: ShareState<J, C>,
  e: Extract<ShareEvent<R>, { type: 'verified' }>,
  ctx: ShareContext<J, C, R>,
  out: ShareEffect<J, C>[],
): void {
  const b = s.batches.get(e.batch);
  if (b?.phase !== 'at-verifier') return;
  s.atVerifier--;
  if (!s.flushDue) flush(s, ctx, out, e.nowMs);
  // Whole milliseconds: log records (a share's atMs, a block's foundAtMs) are integers.
  const atMs = Math.floor(e.nowMs);
  const st: Settlement<J, C> = {
    replies: new Map(),
    logs: [],
    accepted: [],
    records: [],
    candidates: [],
  };
  const { items } = b;
  const results = e.results;
  for (let i = 0; i < items.length; i++) {
    const q = items[i] as Queued<J, C>;
    const j =
      results === null || i >= results.length
        ? VERIFIER_FAILED
        : ctx.family.judge(q.job, q.share, q.checked, results[i] as R, s.jobs.isStale(q.job));
    if (j.blockCandidate && j.hash !== undefined) {
      const candidate = candidateOf(q, j.hash, atMs, ctx);
      s.candidates++;
      b.blockAsks++;
      st.candidates.push(j.hash);
      out.push({ kind: 'candidate', batch: e.batch, candidate });
      const { id: job, height } = q.job.work;
      const fields = { hash: j.hash, ...j.note, job, height, worker: candidate.worker };
      st.logs.push({ level: 'info', fields, msg: 'block candidate' });
    }
    if (j.log) st.logs.push(j.log);
    if (j.kind !== 'accepted') {
      addReply(st.replies, q.replyTo, verdictOf(q.share, j.kind, j.reason));
      continue;
    }
    st.accepted.push(q);
    st.records.push({
      job: q.job.logged,
      account: q.share.worker.account,
      worker: q.share.worker.worker,
      weight: j.weight,
      hash: j.hash ?? '',
      atMs,
      trace: q.trace,
    });
  }
  b.settlement = st;
  if (b.blockAsks > 0) b.phase = 'at-block';
  else settle(s, e.batch, b, st, out);
}

/** The verified batch's log lines and rejections go out; its accepted shares go to the log. */
function settle<J extends FamilyJob, C>(
  s: ShareState<J, C>,
  batch: number,
  b: Batch<J, C>,
  st: Settlement<J, C>,
  out: ShareEffect<J, C>[],
): void {
  for (const line of st.logs) out.push({ kind: 'log', batch, line });
  for (const [to, verdicts] of st.replies) reply(s, out, to, verdicts, batch);
  const logging = st.records.length > 0;
  if (logging) out.push({ kind: 'append', batch, shares: st.records });
  if (st.candidates.length > 0)
    out.push({ kind: 'candidates-settled', batch, hashes: st.candidates });
  if (logging) b.phase = 'at-log';
  else {
    s.batches.delete(batch);
    out.push({ kind: 'done', batch });
  }
}

/** The share log has the batch's accepted shares (or failed to take them): their miners hear it. */
function onLogged<J extends FamilyJob, C>(
  s: ShareState<J, C>,
  batch: number,
  ok: boolean,
  reason: string,
  out: ShareEffect<J, C>[],
): void {
  const b = s.batches.get(batch);
  if (b?.phase !== 'at-log' || !b.settlement) return;
  const replies: Replies = new Map();
  for (const q of b.settlement.accepted) {
    const v = ok ? verdictOf(q.share, 'accepted') : verdictOf(q.share, 'server-busy', reason);
    addReply(replies, q.replyTo, v);
  }
  for (const [to, verdicts] of replies) reply(s, out, to, verdicts, batch);
  s.batches.delete(batch);
  out.push({ kind: 'done', batch });
}

function candidateOf<J extends FamilyJob, C extends Checked, R>(
  q: Queued<J, C>,
  hash: string,
  atMs: number,
  ctx: ShareContext<J, C, R>,
): BlockCandidate {
  return {
    type: 'block.candidate',
    coin: ctx.coin,
    jobId: q.job.work.id,
    submit: q.checked.submit,
    headerVersion: q.checked.headerVersion,
    hash,
    worker: `${q.share.worker.account}.${q.share.worker.worker}`,
    node: ctx.node,
    foundAtMs: atMs,
    payoutScript: q.share.payoutScript,
  };
}

function verdictOf(
  share: ShareSubmission,
  verdict: ShareVerdictKind,
  detail?: string,
): ConnectionVerdict {
  const requestId = share.requestId;
  return detail ? { requestId, verdict, detail } : { requestId, verdict };
}

function addReply(replies: Replies, to: Address, v: ConnectionVerdict): void {
  const list = replies.get(to);
  if (list) list.push(v);
  else replies.set(to, [v]);
}

/** Counts the verdicts and tells them to one Connection (one message for all of them). */
function reply<J extends FamilyJob, C>(
  s: ShareState<J, C>,
  out: ShareEffect<J, C>[],
  to: Address,
  verdicts: ConnectionVerdict[],
  batch?: number,
): void {
  for (const v of verdicts) s.verdicts[v.verdict] = (s.verdicts[v.verdict] ?? 0) + 1;
  out.push(
    batch === undefined ? { kind: 'reply', to, verdicts } : { kind: 'reply', to, verdicts, batch },
  );
}

/**
 * The jobs shares are still judged against: the last `keep` announced for this coin, oldest
 * dropped first, and the tip they build on. A share on a job from an older tip is stale (but
 * still checked as a block candidate).
 */
export class RecentJobs<J extends FamilyJob> {
  readonly #coin: string;
  readonly #keep: number;
  readonly #jobs = new Map<string, J>();
  #tipPrev = '';

  constructor(coin: string, keep: number) {
    this.#coin = coin;
    this.#keep = keep;
  }

  get size(): number {
    return this.#jobs.size;
  }

  get(id: string): J | undefined {
    return this.#jobs.get(id);
  }

  /** Remembers an announced job of this coin (once), as `known` builds it. */
  add(a: JobAnnouncement, known: (work: JobWork) => J): void {
    if (a.coin !== this.#coin || this.#jobs.has(a.work.id)) return;
    this.#jobs.set(a.work.id, known(a.work));
    if (a.work.cleanJobs || this.#tipPrev === '') this.#tipPrev = a.work.prevHash;
    while (this.#jobs.size > this.#keep)
      this.#jobs.delete(this.#jobs.keys().next().value as string);
  }

  /** True when the job builds on an older tip than the newest clean job's. */
  isStale(job: J): boolean {
    return job.work.prevHash !== this.#tipPrev;
  }
}
