// The Share actor's behaviour for prime coins (selected by family; actor.ts is the hash one):
// keeps the recent jobs, prechecks each submit (shape, ntime window, multiplier encoding),
// builds its 80-byte header, batches the survivors into the verifier pool's `prime-share` task
// (native checkPrimeShare: the consensus check against the share target and, for candidates,
// the full CheckPrimeProofOfWork against the block target), classifies the results
// (prime-verdict.ts), sends block candidates to the Block actor first, records per-worker
// chain statistics (prime-stats.ts), and hands accepted shares, weighted by their expected
// block contribution (actors/shared/prime-share-value.ts), to the share sink before answering.
import type { Context } from '@opentelemetry/api';
import { AcceptAfterLog, AfterCandidates, waitWhileBusy } from './accept.js';
import { RecentJobs } from './recent-jobs.js';
import { decodeMultiplier } from '../../native/multiplier.js';
import type { ItemResult, PrimeShareItem } from '../../native/pool-types.js';
import type { PrimeShareResult } from '../../native/types.js';
import type { ActorContext, Address, Behaviour, Factory } from '../../runtime/index.js';
import type { ShareSubmission, ShareVerdictKind } from '../connection/messages.js';
import type { JobWork } from '../job/job.js';
import type { JobAnnouncement } from '../job/messages.js';
import type { LoggedJob } from '../ledger/records.js';
import { CodedError } from '../shared/errors.js';
import { hexToBytes, u32FromHex } from '../shared/hex.js';
import {
  primeNetWeight,
  primeShareWeight,
  wordOfLength,
  type PrimeWorkModel,
} from '../shared/prime-share-value.js';
import { submitHeader } from '../shared/submit-hash.js';
import type { AcceptedShare, ShareSink } from './actor.js';
import { bytesForPayout, hashSubmitInput, jobBytes, type JobWithBytes } from './header.js';
import {
  isShareSubmits,
  type BlockCandidate,
  type ShareMessage,
  type ShareStats,
} from './messages.js';
import { WorkerChainStats, type PrimeStatsConfig } from './prime-stats.js';
import { classifyPrimeShare, wordText, type PrimeVerdict } from './prime-verdict.js';
import { shareSubmitOf, type ShareSubmit } from './submit.js';
import { precheckSubmit } from './verdict.js';

/** Verifies prime shares off the event loop (the verifier pool's `prime-share` task). */
export interface PrimeVerifier {
  primeShares(items: readonly PrimeShareItem[]): Promise<ItemResult<PrimeShareResult>[]>;
}

export interface PrimeShareActorConfig {
  readonly coin: string;
  readonly verifier: PrimeVerifier;
  readonly block: Address;
  readonly sink: ShareSink | null;
  readonly keepJobs: number;
  readonly maxBatch: number;
  readonly model: PrimeWorkModel;
  /** The network's nTargetMinLength (block targets below it are invalid). */
  readonly minLength: number;
  /** The block subsidy of a job (prime: TargetGetMint of its nBits). */
  readonly subsidySats: (work: JobWork) => bigint;
  readonly stats: PrimeStatsConfig;
  /** Log each worker's estimate every this many accepted shares. */
  readonly statsLogEvery: number;
}

export type PrimeShareMessage =
  | Exclude<ShareMessage, { type: 'share.verified' }>
  | {
      readonly type: 'share.prime-verified';
      readonly batch: number;
      readonly results: ItemResult<PrimeShareResult>[];
    };

export function validatePrimeShareMessage(input: unknown): PrimeShareMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (t === 'share.prime-verified' || t === 'job.new' || t === 'share.stats')
    return input as PrimeShareMessage;
  if (isShareSubmits(input)) return input as PrimeShareMessage;
  throw new CodedError('BAD_MESSAGE', `not a prime Share message: ${String(t)}`);
}

interface KnownJob extends JobWithBytes {
  readonly bits: number;
  readonly logged: LoggedJob;
  readonly seen: Set<string>;
}

interface Waiting {
  readonly share: ShareSubmission;
  readonly replyTo: Address;
  readonly job: KnownJob;
  readonly submit: ShareSubmit;
  readonly shareTarget: number;
  readonly headerVersion: number;
  /** The submit's trace: the share log's span links to it. */
  readonly trace: Context;
}

export function primeShareActor(cfg: PrimeShareActorConfig): Factory<PrimeShareMessage> {
  return () => new PrimeShareBehaviour(cfg);
}

class PrimeShareBehaviour implements Behaviour<PrimeShareMessage> {
  readonly #cfg: PrimeShareActorConfig;
  readonly #jobs: RecentJobs<KnownJob>;
  readonly #workers = new Map<string, WorkerChainStats>();
  readonly #flagged = new Set<string>();
  #queue: { w: Waiting; item: PrimeShareItem }[] = [];
  #inFlight = new Map<number, Waiting[]>();
  readonly #afterCandidates = new AfterCandidates();
  #batchSeq = 0;
  #flushScheduled = false;
  #verdicts = {} as Record<ShareVerdictKind, number>;
  #candidates = 0;
  readonly #accept: AcceptAfterLog;

  constructor(cfg: PrimeShareActorConfig) {
    this.#cfg = cfg;
    this.#accept = new AcceptAfterLog(cfg.sink);
    this.#jobs = new RecentJobs(cfg.coin, cfg.keepJobs);
  }

  /** On drain: answer what is being verified or logged before the node stops its actors. */
  draining(ctx: ActorContext): Promise<void> {
    return waitWhileBusy(
      ctx,
      () => this.#queue.length > 0 || this.#inFlight.size > 0 || this.#accept.inFlight > 0,
    );
  }

  receive(msg: PrimeShareMessage, ctx: ActorContext): ShareStats | void {
    switch (msg.type) {
      case 'job.new':
        return this.#onJob(msg);
      case 'share.submits':
        for (const share of msg.shares) this.#onSubmit(share, msg.replyTo, ctx);
        return;
      case 'share.prime-verified':
        return this.#onVerified(msg.batch, msg.results, ctx);
      case 'share.stats':
        return {
          verdicts: { ...this.#verdicts },
          candidates: this.#candidates,
          jobs: this.#jobs.size,
          batches: this.#batchSeq,
          prime: { workers: [...this.#workers.values()].map((w) => w.snapshot(this.#cfg.stats)) },
        };
    }
  }

  #onJob(a: JobAnnouncement): void {
    this.#jobs.add(a, (work) => {
      const bits = u32FromHex(work.bits);
      return {
        work,
        bytes: jobBytes(work),
        bits,
        logged: {
          id: work.id,
          height: work.height,
          netWeight: work.netWeight ?? primeNetWeight(bits, this.#cfg.model),
          subsidySats: this.#cfg.subsidySats(work),
          rewardSats: work.coinbaseValueSats,
        },
        seen: new Set(),
        solo: new Map(),
      };
    });
  }

  #onSubmit(share: ShareSubmission, replyTo: Address, ctx: ActorContext): void {
    const job = this.#jobs.get(share.jobId);
    if (!job) return this.#reply(ctx, replyTo, share, 'stale', 'unknown job');
    let multiplier: bigint;
    try {
      multiplier = decodeMultiplier(hexToBytes(share.extra ?? ''));
    } catch (e) {
      return this.#reply(ctx, replyTo, share, 'bad-multiplier', (e as Error).message);
    }
    const submit = shareSubmitOf(share, { multiplier: share.extra ?? '' });
    const pre = precheckSubmit(job.work, submit, {
      versionMask: 0,
      nowSec: Math.floor(ctx.clock.nowMs() / 1000),
    });
    if (!pre.ok) {
      const v = pre.verdict;
      return this.#reply(ctx, replyTo, share, v.kind, 'reason' in v ? v.reason : undefined);
    }
    const bytes = bytesForPayout(job, share.payoutScript);
    const header = submitHeader(hashSubmitInput(bytes, submit, pre.headerVersion)).header;
    const shareTarget = wordOfLength(share.difficulty);
    const w: Waiting = {
      share,
      replyTo,
      job,
      submit,
      shareTarget,
      headerVersion: pre.headerVersion,
      trace: ctx.trace,
    };
    const item = {
      header,
      multiplier,
      shareNBits: shareTarget,
      blockNBits: job.bits,
      minLength: this.#cfg.minLength,
    };
    this.#queue.push({ w, item });
    if (this.#queue.length >= this.#cfg.maxBatch) this.#flush(ctx);
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush(ctx));
    }
  }

  #flush(ctx: ActorContext): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const batch = ++this.#batchSeq;
    const queued = this.#queue;
    this.#queue = [];
    this.#inFlight.set(
      batch,
      queued.map((q) => q.w),
    );
    this.#cfg.verifier.primeShares(queued.map((q) => q.item)).then(
      (results) => ctx.tell(ctx.self, { type: 'share.prime-verified', batch, results }),
      (err: unknown) => {
        ctx.log.error({ err, batch, items: queued.length }, 'verifier pool failed');
        const error = { code: 'VERIFIER_FAILED', message: 'verification failed' };
        const results = queued.map(() => ({ value: null, error }));
        ctx.tell(ctx.self, { type: 'share.prime-verified', batch, results });
      },
    );
  }

  /**
   * Classifies a verified batch. Block candidates are told to the Block actor as they are found;
   * when there was one, the rest waits for the Block actor's turn (AfterCandidates).
   */
  #onVerified(batch: number, results: ItemResult<PrimeShareResult>[], ctx: ActorContext): void {
    const items = this.#inFlight.get(batch);
    if (!items) return;
    const later = this.#afterCandidates.take(batch);
    if (later !== undefined) {
      this.#inFlight.delete(batch);
      return later();
    }
    // Whole milliseconds: log records (share atMs, block foundAtMs) are validated as integers.
    const nowMs = Math.floor(ctx.clock.nowMs());
    const accepted: { w: Waiting; v: PrimeVerdict }[] = [];
    const replies: [Waiting, ShareVerdictKind, string][] = [];
    const found: (() => void)[] = [];
    items.forEach((w, i) => {
      const r = results[i];
      if (!r || r.value === null) {
        const busy = !r || r.error.code === 'VERIFIER_FAILED';
        const detail = r ? r.error.message : 'verification failed';
        return void replies.push([w, busy ? 'server-busy' : 'invalid', detail]);
      }
      const v = classifyPrimeShare(r.value, {
        freshness: this.#jobs.freshness(w.job),
        shareTarget: w.shareTarget,
        blockTarget: w.job.bits,
        claim: w.share.chainClaim ?? null,
        seen: (h) => w.job.seen.has(h),
      });
      if (v.blockCandidate) found.push(this.#candidate(ctx, w, v, nowMs));
      if (v.kind !== 'accepted') return void replies.push([w, v.kind, v.reason]);
      w.job.seen.add(v.blockHash);
      this.#record(ctx, w, v);
      accepted.push({ w, v });
    });
    const settle = (): void => {
      for (const log of found) log();
      for (const [w, kind, detail] of replies) this.#reply(ctx, w.replyTo, w.share, kind, detail);
      if (accepted.length > 0) this.#answerAccepted(ctx, accepted, nowMs);
    };
    if (found.length === 0) {
      this.#inFlight.delete(batch);
      return settle();
    }
    this.#afterCandidates.defer(batch, settle, () =>
      ctx.tell(ctx.self, { type: 'share.prime-verified', batch, results: [] }),
    );
  }

  #answerAccepted(
    ctx: ActorContext,
    accepted: { w: Waiting; v: PrimeVerdict }[],
    nowMs: number,
  ): void {
    this.#accept.answer(
      () =>
        accepted.map(({ w, v }): AcceptedShare => ({
          job: w.job.logged,
          account: w.share.worker.account,
          worker: w.share.worker.worker,
          weight: primeShareWeight(v.length, w.shareTarget, w.job.bits, this.#cfg.model),
          hash: v.blockHash,
          atMs: nowMs,
          trace: w.trace,
        })),
      (verdict, detail) =>
        accepted.forEach(({ w }) => this.#reply(ctx, w.replyTo, w.share, verdict, detail)),
      ctx,
    );
  }

  /** Per-worker chain statistics; logs the sieve-target estimate now and then. */
  #record(ctx: ActorContext, w: Waiting, v: PrimeVerdict): void {
    const key = `${w.share.worker.account}.${w.share.worker.worker}`;
    let stats = this.#workers.get(key);
    if (!stats) {
      if (this.#workers.size >= 100_000) this.#workers.clear();
      this.#workers.set(key, (stats = new WorkerChainStats(key)));
    }
    stats.record(v.length, v.type, w.shareTarget, w.job.bits);
    const every = this.#cfg.statsLogEvery;
    const snap = every > 0 && stats.snapshotDue(every) ? stats.snapshot(this.#cfg.stats) : null;
    if (!snap) return;
    const fields = {
      worker: key,
      shares: snap.shares,
      byLength: snap.byLength,
      asked: snap.askedLength,
      estimated: snap.estimatedLength,
      evidence: Number(snap.evidence.toFixed(1)),
    };
    if (snap.flagged && !this.#flagged.has(key)) {
      this.#flagged.add(key);
      ctx.log.warn(fields, 'worker sieves for shorter chains than the pool asks');
    } else {
      if (!snap.flagged) this.#flagged.delete(key);
      ctx.log.info(fields, 'worker chain statistics');
    }
  }

  /** Tells the Block actor now; returns the candidate's log line, written once it has gone. */
  #candidate(ctx: ActorContext, w: Waiting, v: PrimeVerdict, nowMs: number): () => void {
    this.#candidates++;
    const candidate: BlockCandidate = {
      type: 'block.candidate',
      coin: this.#cfg.coin,
      jobId: w.job.work.id,
      submit: w.submit,
      headerVersion: w.headerVersion,
      hash: v.blockHash,
      worker: `${w.share.worker.account}.${w.share.worker.worker}`,
      node: ctx.node,
      foundAtMs: nowMs,
      payoutScript: w.share.payoutScript,
    };
    ctx.tell(this.#cfg.block, candidate);
    return () =>
      ctx.log.info(
        {
          hash: v.blockHash,
          chain: `${v.type}${wordText(v.length)}`,
          job: w.job.work.id,
          height: w.job.work.height,
          worker: candidate.worker,
        },
        'block candidate',
      );
  }

  #reply(
    ctx: ActorContext,
    to: Address,
    share: ShareSubmission,
    verdict: ShareVerdictKind,
    detail?: string,
  ): void {
    this.#verdicts[verdict] = (this.#verdicts[verdict] ?? 0) + 1;
    ctx.tell(to, {
      type: 'verdict',
      verdict: { requestId: share.requestId, verdict, ...(detail ? { detail } : {}) },
    });
  }
}
