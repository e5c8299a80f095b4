// The Share actor (one per node, either PoW family): takes a Connection's submits and the coin's
// jobs, lets decide.ts decide, and carries out the effects: verdict tells, verifier batches
// (the family's verifier: the pool, or the event loop for a few hash shares), asks of the Block
// actor for block candidates, share sink appends, flush timers, log lines. The family (hash or
// prime) is the strategy: checks, verification, verdict and share value (family.ts).
//
// Verifier results, the Block actor's answers and the sink's acknowledgements come back outside
// any turn, and the flush runs outside one too. That work has a span of its own per batch
// (`share.batch`, from the flush until the batch is answered, linked to the submits it carries),
// and what it tells continues that span's trace, not whichever message the actor handled last.
import { ROOT_CONTEXT, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { handOff } from '../../runtime/index.js';
import type { ActorContext, Address, Behaviour, Factory, Runtime } from '../../runtime/index.js';
import { hasCode } from '../shared/errors.js';
import { SHARE_SPOOL_FULL } from '../shared/log-spool.js';
import { linksTo, tracer } from '../shared/log-trace.js';
import { spanTime, timedSpan } from '../shared/span-time.js';
import { decide, initShare, isIdle, shareStats } from './decide.js';
import type { Queued, ShareContext, ShareEffect, ShareEvent, ShareState } from './decide.js';
import type { Checked, FamilyJob, ShareFamily } from './family.js';
import type { AcceptedShare, ShareSink } from '../shared/log-appender.js';
import type { BlockCandidate, ShareMessage, ShareStats } from './messages.js';

// Where these types were declared before the families (tests and the pool bench import them here).
export type { AcceptedShare, ShareSink } from '../shared/log-appender.js';
export type { SubmitHasher } from './hash-family.js';

export interface ShareActorConfig<J extends FamilyJob, C extends Checked, R> {
  readonly coin: string;
  /** The PoW family, made for each incarnation of the actor (a family may keep statistics). */
  readonly family: () => ShareFamily<J, C, R>;
  readonly block: Address;
  readonly sink: ShareSink;
  readonly keepJobs: number;
  readonly maxBatch: number;
  /** Submits waiting longer for the verifier are answered busy unverified (overload; undefined: never). */
  readonly maxWaitMs?: number;
  /** How long a batch that held a block candidate waits for the Block actor's answer, at most. */
  readonly blockAnswerMs: number;
  /**
   * The node's runtime, to send with an explicit trace: in a turn, the handled message's;
   * outside one, the batch's own.
   */
  readonly send: Pick<Runtime, 'tell' | 'ask'>;
}

/** Once the node drains, the actor waits at most this long for every share it took to be answered. */
const DRAIN_MS = 10_000;

export function shareActor<J extends FamilyJob, C extends Checked, R>(
  cfg: ShareActorConfig<J, C, R>,
): Factory<ShareMessage> {
  return (ctx) => new ShareBehaviour(cfg, ctx);
}

class ShareBehaviour<J extends FamilyJob, C extends Checked, R> implements Behaviour<ShareMessage> {
  readonly #cfg: ShareActorConfig<J, C, R>;
  readonly #ctx: ActorContext;
  readonly #decide: ShareContext<J, C, R>;
  readonly #state: ShareState<J, C>;
  /** Each batch's span and the context its effects carry, until the batch is answered. */
  readonly #batches = new Map<number, { span: Span; trace: Context }>();
  #drained: (() => void) | null = null;
  readonly #flush = (): void =>
    this.#outside(undefined, { type: 'flush', nowMs: this.#ctx.clock.nowMs() });

  constructor(cfg: ShareActorConfig<J, C, R>, ctx: ActorContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    const family = cfg.family();
    const { coin, maxBatch, maxWaitMs } = cfg;
    this.#decide = { coin, node: ctx.node, family, maxBatch, maxWaitMs };
    this.#state = initShare(cfg.coin, cfg.keepJobs);
  }

  receive(msg: ShareMessage, ctx: ActorContext): ShareStats | void {
    switch (msg.type) {
      case 'job.new':
        return this.#run({ type: 'job', job: msg }, ctx.trace);
      case 'share.submits': {
        const { shares, replyTo, atMs: sentAtMs } = msg;
        const nowMs = ctx.clock.nowMs();
        const e = { type: 'submits', shares, replyTo, trace: ctx.trace, nowMs, sentAtMs } as const;
        return this.#run(e, ctx.trace);
      }
      case 'share.stats':
        return shareStats(this.#state, this.#decide.family);
    }
  }

  /** On drain: every share taken is answered (verified, logged) before the node stops its actors. */
  draining(): Promise<void> | void {
    if (isIdle(this.#state)) return;
    return new Promise((resolve) => {
      const timer = this.#ctx.clock.after(DRAIN_MS, resolve);
      this.#drained = () => {
        timer.cancel();
        resolve();
      };
    });
  }

  #run(event: ShareEvent<R>, turn: Context): void {
    for (const e of decide(this.#state, event, this.#decide)) this.#carryOut(e, turn);
    if (this.#drained !== null && isIdle(this.#state)) {
      this.#drained();
      this.#drained = null;
    }
  }

  /**
   * An event from outside a turn: a flush, a verifier's results, the Block actor's answer, the
   * sink's. A failure here has no supervisor to restart the actor: it is logged, and the shares
   * it leaves unanswered hear "busy" from their Connection's verdict timeout.
   */
  #outside(batch: number | undefined, event: ShareEvent<R>): void {
    try {
      this.#run(event, ROOT_CONTEXT);
    } catch (err) {
      this.#ctx.log.error({ err, batch, event: event.type }, 'share batch failed');
    }
  }

  #carryOut(e: ShareEffect<J, C>, turn: Context): void {
    switch (e.kind) {
      case 'reply': {
        const [verdict] = e.verdicts;
        const msg =
          e.verdicts.length === 1
            ? { type: 'verdict', verdict }
            : { type: 'verdicts', verdicts: e.verdicts };
        // Built for this one tell and dropped: the Connection may have it as it is.
        return this.#cfg.send.tell(e.to, handOff(msg), this.#traceOf(e.batch, turn));
      }
      case 'schedule-flush':
        return e.soon ? queueMicrotask(this.#flush) : void setImmediate(this.#flush);
      case 'verify':
        return this.#verify(e.batch, e.items, e.now);
      case 'candidate':
        return this.#askBlock(e.batch, e.candidate);
      case 'append':
        return this.#append(e.batch, e.shares);
      case 'candidates-settled': {
        const msg = { type: 'block.shares-settled', hashes: e.hashes };
        return this.#cfg.send.tell(this.#cfg.block, msg, this.#traceOf(e.batch, turn));
      }
      case 'log':
        return this.#ctx.log[e.line.level](e.line.fields, e.line.msg);
      case 'done': {
        this.#batches.get(e.batch)?.span.end(spanTime());
        this.#batches.delete(e.batch);
      }
    }
  }

  #verify(batch: number, items: readonly Queued<J, C>[], now: boolean): void {
    const attributes = { 'colliery.batch': batch, 'colliery.shares': items.length };
    const span = tracer.startSpan('share.batch', timedSpan({ attributes }), ROOT_CONTEXT);
    if (span.isRecording()) span.addLinks(linksTo(submitTraces(items)));
    this.#batches.set(batch, { span, trace: trace.setSpan(ROOT_CONTEXT, span) });
    const verifier = this.#decide.family.verifier;
    const checked = items.map((q) => q.checked);
    const back = (results: readonly R[] | null): void =>
      this.#outside(batch, { type: 'verified', batch, results, nowMs: this.#ctx.clock.nowMs() });
    if (now && verifier.verifyNow) return back(verifier.verifyNow(checked));
    verifier.verify(checked).then(back, (err: unknown) => {
      this.#ctx.log.error({ err, batch, items: items.length }, 'verifier pool failed');
      back(null);
    });
  }

  /** The Block actor answers once it has handled the candidate; the batch waits for that. */
  #askBlock(batch: number, candidate: BlockCandidate): void {
    const answered = (): void => this.#outside(batch, { type: 'block-answered', batch });
    const options = { timeoutMs: this.#cfg.blockAnswerMs };
    this.#cfg.send
      .ask(this.#cfg.block, candidate, options, this.#traceOf(batch))
      .then(answered, (err: unknown) => {
        const fields = { err, hash: candidate.hash, job: candidate.jobId };
        this.#ctx.log.warn(fields, 'the Block actor did not answer for a block candidate');
        answered();
      });
  }

  #append(batch: number, shares: readonly AcceptedShare[]): void {
    this.#cfg.sink.append(shares).then(
      () => this.#outside(batch, { type: 'logged', batch, ok: true }),
      (err: unknown) => {
        // A full spool was said once, at warn, by the appender; its miners hear why.
        if (hasCode(err, SHARE_SPOOL_FULL)) {
          const reason = 'share spool full: the share log is away';
          return this.#outside(batch, { type: 'logged', batch, ok: false, reason });
        }
        const fields = { err, shares: shares.length };
        this.#ctx.log.error(fields, 'share log append failed; shares not acknowledged');
        this.#outside(batch, { type: 'logged', batch, ok: false });
      },
    );
  }

  #traceOf(batch: number | undefined, turn: Context = ROOT_CONTEXT): Context {
    return batch === undefined ? turn : (this.#batches.get(batch)?.trace ?? turn);
  }
}

/** The submits' traces of a batch (its span links to the first 32 distinct ones). */
function* submitTraces(
  items: readonly { readonly trace: Context }[],
): Generator<SpanContext | undefined> {
  for (const q of items) yield trace.getSpanContext(q.trace);
}
