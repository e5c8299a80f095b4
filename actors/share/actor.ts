// The Share actor's shell (one per node): keeps the recent jobs it hears on the jobs topic,
// prechecks each submit cheaply, batches the survivors into the verifier pool (Piscina on the
// native core), classifies the hashes, sends block candidates to the Block actor first, then
// (for accepted shares) waits for the share sink (the share log, when configured) and tells the
// Connection its verdict.
import type { Context } from '@opentelemetry/api';
import { handOff } from '../../runtime/index.js';
import type { ActorContext, Address, Behaviour, Factory } from '../../runtime/index.js';
import type {
  ShareVerdict as ConnectionVerdict,
  ShareSubmission,
  ShareVerdictKind,
} from '../connection/messages.js';
import type { JobWork } from '../job/job.js';
import type { JobAnnouncement } from '../job/messages.js';
import type { LoggedJob } from '../ledger/records.js';
import { hashNetWeight, hashShareWeight } from '../shared/share-weight.js';
import type { HashSubmitInput } from '../shared/submit-hash.js';
import { shareTargetFromDifficulty, targetFromHex } from '../shared/target.js';
import {
  bytesForPayout,
  hashSubmitInput,
  jobBytes,
  type JobBytes,
  type JobWithBytes,
} from './header.js';
import { AcceptAfterLog, AfterCandidates, waitWhileBusy } from './accept.js';
import { RecentJobs } from './recent-jobs.js';
import type { BlockCandidate, ShareMessage, ShareStats } from './messages.js';
import { shareSubmitOf, type ShareSubmit } from './submit.js';
import { classifyPrechecked, precheckSubmit, type Precheck, type ShareVerdict } from './verdict.js';

/** Hashes submits off the event loop; null for an item the verifier refused. */
export interface SubmitHasher {
  hashSubmits(inputs: readonly HashSubmitInput[]): Promise<(Uint8Array | null)[]>;
  /**
   * The same on this thread, where that is cheap (the native core: microseconds per share).
   * Used only for a few shares while no batch is at the verifier: a worker round trip would
   * cost a hundred times the hash and delay a lone block candidate. Absent: always the pool.
   */
  hashSubmitsNow?(inputs: readonly HashSubmitInput[]): (Uint8Array | null)[];
  /**
   * Threads behind hashSubmits. The actor keeps at most two batches per thread there (one being
   * hashed, one waiting, so no thread waits on the event loop); what arrives meanwhile rides in
   * the next batch, sent when one comes back. Each batch costs the event loop a post and, for a
   * thread asleep, a wake-up (Atomics.notify: ~2.5 % of a busy node's main thread when it sent a
   * batch every check phase). Absent: no limit.
   */
  readonly threads?: number;
}

/** Most shares a flush hashes on the event loop (and only when nothing is at the verifier). */
const INLINE_MAX = 4;

/** An accepted share, as the share log records it (`job` is shared by the job's shares). */
export interface AcceptedShare {
  readonly job: LoggedJob;
  readonly account: string;
  readonly worker: string;
  readonly weight: number;
  readonly hash: string;
  readonly atMs: number;
  /** The submit's trace (not logged): the log append's span links to it. */
  readonly trace?: Context;
}

/**
 * Where accepted shares go before the miner hears "accepted" (the durable share log): the
 * promise settles once they are durable, and only then is the miner answered.
 */
export interface ShareSink {
  append(shares: readonly AcceptedShare[]): Promise<void>;
}

export interface ShareActorConfig {
  readonly coin: string;
  readonly hasher: SubmitHasher;
  readonly block: Address;
  readonly sink: ShareSink | null;
  readonly keepJobs: number;
  readonly maxBatch: number;
  /** The block subsidy at a job's height (the coin's reward rule; PPS pays on it). */
  readonly subsidySats: (work: JobWork) => bigint;
}

interface KnownJob extends JobWithBytes {
  readonly networkTarget: bigint;
  /** What the share log records about this job. */
  readonly logged: LoggedJob;
}

interface Waiting {
  readonly share: ShareSubmission;
  readonly replyTo: Address;
  readonly job: KnownJob;
  readonly bytes: JobBytes;
  readonly submit: ShareSubmit;
  readonly pre: Extract<Precheck, { ok: true }>;
  /** The trace of the submit (Connection → Share): the share log's span links to it. */
  readonly trace: Context;
}

type Accepted = { w: Waiting; verdict: Extract<ShareVerdict, { kind: 'accepted' }> };

interface InFlight {
  readonly items: Waiting[];
  hashes: (Uint8Array | null)[] | null;
}

/** Share targets by difficulty (a connection's difficulty changes rarely; parsing it is not free). */
const targets = new Map<number, bigint>();
function shareTarget(difficulty: number): bigint {
  let t = targets.get(difficulty);
  if (t === undefined) {
    if (targets.size > 4096) targets.clear();
    targets.set(difficulty, (t = shareTargetFromDifficulty(difficulty)));
  }
  return t;
}

export function shareActor(cfg: ShareActorConfig): Factory<ShareMessage> {
  return () => new ShareBehaviour(cfg);
}

class ShareBehaviour implements Behaviour<ShareMessage> {
  readonly #cfg: ShareActorConfig;
  readonly #jobs: RecentJobs<KnownJob>;
  #queue: Waiting[] = [];
  /**
   * Batches at the verifier; `hashes` is filled when it answers, then `share.verified` is told.
   * A batch that held a block candidate stays here until its deferred rest has run.
   */
  #inFlight = new Map<number, InFlight>();
  readonly #afterCandidates = new AfterCandidates();
  #batchSeq = 0;
  #flushScheduled = false;
  /** Batches at the hasher's threads (not hashed inline, not answered yet). */
  #atVerifier = 0;
  readonly #maxAtVerifier: number;
  #verdicts = {} as Record<ShareVerdictKind, number>;
  #candidates = 0;
  readonly #accept: AcceptAfterLog;

  constructor(cfg: ShareActorConfig) {
    this.#cfg = cfg;
    this.#maxAtVerifier = 2 * (cfg.hasher.threads ?? Infinity);
    this.#accept = new AcceptAfterLog(cfg.sink);
    this.#jobs = new RecentJobs(cfg.coin, cfg.keepJobs);
  }

  receive(msg: ShareMessage, ctx: ActorContext): ShareStats | void {
    switch (msg.type) {
      case 'job.new':
        return this.#onJob(msg);
      case 'share.submits':
        for (const share of msg.shares) this.#onSubmit(share, msg.replyTo, ctx);
        return;
      case 'share.verified':
        return this.#onVerified(msg.batch, ctx);
      case 'share.stats':
        return {
          verdicts: { ...this.#verdicts },
          candidates: this.#candidates,
          jobs: this.#jobs.size,
          batches: this.#batchSeq,
        };
    }
  }

  /** On drain: answer what is being verified or logged before the node stops its actors. */
  draining(ctx: ActorContext): Promise<void> {
    return waitWhileBusy(
      ctx,
      () => this.#queue.length > 0 || this.#inFlight.size > 0 || this.#accept.inFlight > 0,
    );
  }

  #onJob(a: JobAnnouncement): void {
    this.#jobs.add(a, (work) => {
      const networkTarget = targetFromHex(work.networkTarget);
      return {
        work,
        bytes: jobBytes(work),
        networkTarget,
        logged: {
          id: work.id,
          height: work.height,
          netWeight: hashNetWeight(networkTarget),
          subsidySats: this.#cfg.subsidySats(work),
          rewardSats: work.coinbaseValueSats,
        },
        solo: new Map(),
      };
    });
  }

  #onSubmit(share: ShareSubmission, replyTo: Address, ctx: ActorContext): void {
    const job = this.#jobs.get(share.jobId);
    if (!job) return this.#reply(ctx, replyTo, share, 'stale', 'unknown job');
    const submit = shareSubmitOf(share, { versionBits: share.extra ?? undefined });
    const pre = precheckSubmit(job.work, submit, {
      versionMask: share.versionMask,
      nowSec: Math.floor(ctx.clock.nowMs() / 1000),
    });
    if (!pre.ok) return this.#reply(ctx, replyTo, share, pre.verdict.kind, reasonOf(pre.verdict));
    const bytes = bytesForPayout(job, share.payoutScript);
    this.#queue.push({ share, replyTo, job, bytes, submit, pre, trace: ctx.trace });
    if (this.#queue.length >= this.#cfg.maxBatch) this.#flush(ctx);
    else if (!this.#flushScheduled) {
      // An idle verifier gets the batch at the end of this turn's messages (a lone share, say a
      // block candidate, does not wait for the event loop); a busy one at the next check phase,
      // so everything read meanwhile rides in the same batch.
      this.#flushScheduled = true;
      if (this.#inFlight.size === 0) queueMicrotask(() => this.#flush(ctx));
      else setImmediate(() => this.#flush(ctx));
    }
  }

  /**
   * One verifier call for everything queued; the hashes come back as a message to self. With
   * the hasher's threads full, the queue waits for the next batch to come back (or maxBatch).
   */
  #flush(ctx: ActorContext): void {
    this.#flushScheduled = false;
    const n = this.#queue.length;
    if (n === 0) return;
    const hasher = this.#cfg.hasher;
    const inline =
      this.#inFlight.size === 0 && n <= INLINE_MAX && hasher.hashSubmitsNow !== undefined;
    if (!inline && this.#atVerifier >= this.#maxAtVerifier && n < this.#cfg.maxBatch) return;
    const batch = ++this.#batchSeq;
    const items = this.#queue;
    this.#queue = [];
    const entry: InFlight = { items, hashes: null };
    this.#inFlight.set(batch, entry);
    const inputs = items.map((w) => hashSubmitInput(w.bytes, w.submit, w.pre.headerVersion));
    if (inline) {
      entry.hashes = hasher.hashSubmitsNow!(inputs);
      return ctx.tell(ctx.self, { type: 'share.verified', batch });
    }
    this.#atVerifier++;
    const back = (hashes: (Uint8Array | null)[]): void => {
      entry.hashes = hashes;
      this.#atVerifier--;
      if (!this.#flushScheduled) this.#flush(ctx); // what waited for a thread goes now
      ctx.tell(ctx.self, { type: 'share.verified', batch });
    };
    hasher.hashSubmits(inputs).then(back, (err: unknown) => {
      ctx.log.error({ err, batch, items: items.length }, 'verifier pool failed');
      back(items.map(() => null));
    });
  }

  /**
   * Classifies a hashed batch. Block candidates are told to the Block actor as they are found;
   * when there was one, the rest (answering the miners, appending accepted shares to the log:
   * socket writes and a NATS publish) waits for the Block actor's turn (AfterCandidates).
   */
  #onVerified(batch: number, ctx: ActorContext): void {
    const entry = this.#inFlight.get(batch);
    if (!entry) return;
    const later = this.#afterCandidates.take(batch);
    if (later !== undefined) {
      this.#inFlight.delete(batch);
      return later();
    }
    if (!entry.hashes) return;
    const { items, hashes } = entry;
    let found: { candidate: BlockCandidate; height: number }[] | null = null; // rare: made on need
    const nowMs = ctx.clock.nowMs();
    const nowSec = Math.floor(nowMs / 1000);
    const out = new Outbox();
    const accepted: Accepted[] = [];
    for (let i = 0; i < items.length; i++) {
      const w = items[i] as Waiting;
      const hash = hashes[i];
      if (!hash) {
        this.#reply(out, w.replyTo, w.share, 'server-busy', 'verification failed');
        continue;
      }
      const verdict = classifyPrechecked(
        {
          job: w.job.work,
          submit: w.submit,
          freshness: this.#jobs.freshness(w.job),
          hash,
          shareTarget: shareTarget(w.share.difficulty),
          networkTarget: w.job.networkTarget,
          // no `seen`: duplicates are caught per connection before a share gets here
          versionMask: w.share.versionMask,
          nowSec,
        },
        w.pre,
      );
      // Candidates are told as they are found; every verdict waits in the outbox until after
      // (and, when there was a candidate, until the Block actor's turn is over).
      if (verdict.blockCandidate && 'hash' in verdict && verdict.hash !== undefined) {
        (found ??= []).push({
          candidate: this.#candidate(ctx, w, verdict.hash, nowMs),
          height: w.job.work.height,
        });
      }
      if (verdict.kind === 'accepted') accepted.push({ w, verdict });
      else this.#reply(out, w.replyTo, w.share, verdict.kind, reasonOf(verdict));
    }
    if (found === null) {
      this.#inFlight.delete(batch);
      return this.#settle(ctx, out, accepted, nowMs);
    }
    const candidates = found;
    const settle = (): void => {
      for (const { candidate: c, height } of candidates)
        ctx.log.info({ hash: c.hash, job: c.jobId, height, worker: c.worker }, 'block candidate');
      this.#settle(ctx, out, accepted, nowMs);
    };
    this.#afterCandidates.defer(batch, settle, () =>
      ctx.tell(ctx.self, { type: 'share.verified', batch }),
    );
  }

  #settle(ctx: ActorContext, out: Outbox, accepted: readonly Accepted[], nowMs: number): void {
    out.send(ctx);
    if (accepted.length === 0) return;
    const atMs = Math.floor(nowMs);
    this.#accept.answer(
      () =>
        accepted.map(({ w, verdict }): AcceptedShare => ({
          job: w.job.logged,
          account: w.share.worker.account,
          worker: w.share.worker.worker,
          weight: hashShareWeight(w.share.difficulty),
          hash: verdict.hash,
          atMs,
          trace: w.trace,
        })),
      (verdict, detail) => {
        const answers = new Outbox();
        for (const { w } of accepted) this.#reply(answers, w.replyTo, w.share, verdict, detail);
        answers.send(ctx);
      },
      ctx,
    );
  }

  #candidate(ctx: ActorContext, w: Waiting, hash: string, nowMs: number): BlockCandidate {
    this.#candidates++;
    const candidate: BlockCandidate = {
      type: 'block.candidate',
      coin: this.#cfg.coin,
      jobId: w.job.work.id,
      submit: w.submit,
      headerVersion: w.pre.headerVersion,
      hash,
      worker: `${w.share.worker.account}.${w.share.worker.worker}`,
      node: ctx.node,
      foundAtMs: Math.floor(nowMs),
      payoutScript: w.share.payoutScript,
    };
    ctx.tell(this.#cfg.block, candidate);
    return candidate;
  }

  /** Counts a verdict and sends it (or queues it in `out`, one message per connection). */
  #reply(
    out: ActorContext | Outbox,
    to: Address,
    share: ShareSubmission,
    verdict: ShareVerdictKind,
    detail?: string,
  ): void {
    this.#verdicts[verdict] = (this.#verdicts[verdict] ?? 0) + 1;
    const v: ConnectionVerdict = {
      requestId: share.requestId,
      verdict,
      ...(detail ? { detail } : {}),
    };
    if (out instanceof Outbox) out.add(to, v);
    else out.tell(to, { type: 'verdict', verdict: v });
  }
}

/** Verdicts of one batch grouped by connection: one `verdicts` message each (or a `verdict`). */
class Outbox {
  readonly #byConnection = new Map<Address, ConnectionVerdict[]>();

  add(to: Address, v: ConnectionVerdict): void {
    const list = this.#byConnection.get(to);
    if (list) list.push(v);
    else this.#byConnection.set(to, [v]);
  }

  send(ctx: ActorContext): void {
    for (const [to, verdicts] of this.#byConnection) {
      // Built here for this one tell and dropped: the Connection may have them as they are.
      if (verdicts.length === 1) ctx.tell(to, handOff({ type: 'verdict', verdict: verdicts[0] }));
      else ctx.tell(to, handOff({ type: 'verdicts', verdicts }));
    }
  }
}

function reasonOf(v: ShareVerdict): string | undefined {
  return 'reason' in v ? v.reason : undefined;
}
