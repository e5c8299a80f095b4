// The Block actor's shell (one live instance per coin, a keyed singleton): keeps the recent
// full jobs the Job actor hands it, turns a block candidate into a full block, submits it to
// every configured coin node in parallel (recording each node's answer), asks the Job actor
// for fresh work, and follows each found block until it matures or is orphaned.
import type { ActorContext, Address, Behaviour, Factory } from '../../runtime/index.js';
import { coinb2ForPayout, type Job, type JobWork } from '../job/job.js';
import type { CoinRpc } from '../job/rpc-client.js';
import type { BlockCandidate } from '../share/messages.js';
import { CodedError } from '../shared/errors.js';
import { hashNetWeight } from '../shared/share-weight.js';
import { targetFromHex } from '../shared/target.js';
import { assembleBlock, prepareBlockJob } from './assemble.js';

/**
 * 'unresolved': where the block went is unknown, because no coin node answered its submitblock
 * or because it was restored from a `block.submitted` intent whose leader died before they did;
 * the follow rounds ask the nodes and make it 'submitted' (found) or 'rejected'.
 */
export type BlockStatus = 'submitted' | 'unresolved' | 'rejected' | 'confirmed' | 'orphaned';

/**
 * Block events, for the block log and metrics: submitted (the requests are written, answers
 * still out), then found (a node took it) or rejected (none did); later confirmed (matured) or
 * orphaned.
 */
export interface BlockEvent {
  readonly kind: 'submitted' | 'found' | 'rejected' | 'confirmed' | 'orphaned';
  readonly block: FoundBlock;
}

/** A coin node's submitblock answer: its name, null or a reason, and whether it never answered. */
type Answer = readonly [name: string, result: string | null, unknown: boolean];

export interface FoundBlock {
  readonly hash: string;
  readonly height: number;
  readonly jobId: string;
  /** Finder as `account.worker` (and split below). */
  readonly worker: string;
  readonly account: string;
  readonly workerName: string;
  /** Expected share weight per block at this block's target (see actors/shared/share-weight.ts). */
  readonly netWeight: bigint;
  readonly subsidySats: bigint;
  /** What the coinbase paid ledger accounts directly (SOLO finder, non-custodial payouts). */
  readonly coinbasePaid: readonly { readonly account: string; readonly sats: bigint }[];
  readonly solo: boolean;
  readonly node: string;
  readonly coinbaseValueSats: bigint;
  readonly foundAtMs: number;
  readonly submittedAtMs: number;
  /** Each coin node's submitblock answer: null = accepted, else its reason or error. */
  results: Readonly<Record<string, string | null>>;
  status: BlockStatus;
  confirmations: number;
}

export type BlockMessage =
  | { readonly type: 'job.full'; readonly job: Job }
  | BlockCandidate
  | { readonly type: 'block.follow' }
  | { readonly type: 'block.followed'; readonly confirmations: Readonly<Record<string, number>> }
  | { readonly type: 'block.list' }
  | { readonly type: 'block.restore'; readonly blocks: readonly FoundBlock[] };

export interface BlockActorConfig {
  readonly coin: string;
  readonly nodes: readonly CoinRpc[];
  readonly job: Address;
  readonly keepJobs: number;
  readonly keepBlocks: number;
  readonly followMs: number;
  readonly maturity: number;
  readonly rpcTimeoutMs: number;
  /** The coin's block subsidy for a job: by its height (hash coins) or its nBits (prime: TargetGetMint). */
  readonly subsidySats: (job: JobWork) => bigint;
  /** Blocks still being followed when this instance took over (from the block log). */
  readonly restore?: () => Promise<FoundBlock[]>;
  readonly onEvent: (event: BlockEvent) => void;
}

export function validateBlockMessage(input: unknown): BlockMessage {
  const t = (input as { type?: unknown } | null)?.type;
  if (
    t === 'job.full' ||
    t === 'block.candidate' ||
    t === 'block.follow' ||
    t === 'block.followed' ||
    t === 'block.list' ||
    t === 'block.restore'
  ) {
    return input as BlockMessage;
  }
  throw new CodedError('BAD_MESSAGE', `not a Block message: ${String(t)}`);
}

export function blockActor(cfg: BlockActorConfig): Factory<BlockMessage> {
  return (ctx) => new BlockBehaviour(cfg, ctx);
}

class BlockBehaviour implements Behaviour<BlockMessage> {
  readonly #cfg: BlockActorConfig;
  readonly #jobs = new Map<string, Job>();
  readonly #blocks = new Map<string, FoundBlock>();
  #timer: { cancel(): void } | null = null;
  #following = false;
  /** Set when the actor stops: a follow round still asking the nodes ends without a word. */
  #stopped = false;
  /** Blocks whose submitblock answers are still out (a restored intent for one waits for them). */
  readonly #submitting = new Set<string>();

  constructor(cfg: BlockActorConfig, ctx: ActorContext) {
    this.#cfg = cfg;
    this.#schedule(ctx);
    cfg.restore?.().then(
      (blocks) => ctx.tell(ctx.self, { type: 'block.restore', blocks }),
      (err: unknown) =>
        ctx.log.error({ err }, 'could not restore followed blocks from the block log'),
    );
  }

  receive(msg: BlockMessage, ctx: ActorContext): unknown {
    switch (msg.type) {
      case 'job.full':
        prepareBlockJob(msg.job); // serialize its transactions now, not when a candidate waits
        this.#jobs.set(msg.job.id, msg.job);
        while (this.#jobs.size > this.#cfg.keepJobs)
          this.#jobs.delete(this.#jobs.keys().next().value as string);
        return undefined;
      case 'block.candidate':
        return this.#onCandidate(msg, ctx);
      case 'block.follow':
        // Off the turn; a round cut short (the node is stopping, NATS closed) is only logged.
        return void this.#follow(ctx).catch((err: unknown) =>
          ctx.log.warn({ err }, 'following found blocks failed; the next round retries'),
        );
      case 'block.followed':
        return this.#applyConfirmations(msg.confirmations);
      case 'block.list':
        return [...this.#blocks.values()];
      case 'block.restore':
        for (const b of msg.blocks)
          if (!this.#blocks.has(b.hash)) this.#blocks.set(b.hash, { ...b });
        return undefined;
    }
  }

  stopped(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  async #onCandidate(c: BlockCandidate, ctx: ActorContext): Promise<void> {
    if (this.#blocks.has(c.hash)) return;
    let job = this.#jobs.get(c.jobId);
    if (!job) {
      job =
        (await ctx
          .ask<Job | null>(this.#cfg.job, { type: 'job.full', id: c.jobId })
          .catch(() => null)) ?? undefined;
    }
    if (!job) {
      ctx.log.error(
        { hash: c.hash, job: c.jobId },
        'block candidate for a job nobody remembers: lost',
      );
      return;
    }
    const paid =
      c.payoutScript === null ? job : { ...job, coinb2: coinb2ForPayout(job, c.payoutScript) };
    const block = assembleBlock(paid, c.submit, c.headerVersion);
    ctx.lease?.assertValid();
    const submittedAtMs = Math.floor(ctx.clock.nowMs());
    // Every node's request is written before anything else happens on this turn (each call
    // writes in its first synchronous step); the checks and records follow.
    const submitted = Promise.all(
      this.#cfg.nodes.map(async (n): Promise<Answer> => {
        try {
          const r = await n.call<string | null>(
            'submitblock',
            [block.blockHex],
            this.#cfg.rpcTimeoutMs,
          );
          return [n.name, r === null || r === undefined ? null : String(r), false];
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          const unknown = code === 'RPC_TIMEOUT' || code === 'RPC_UNREACHABLE';
          return [n.name, `error: ${(err as Error).message}`, unknown];
        }
      }),
    );
    if (block.hash !== c.hash) {
      ctx.log.error(
        { expected: c.hash, got: block.hash, job: c.jobId },
        'assembled block hash differs from the share hash',
      );
    }
    const solo = c.payoutScript !== null;
    const dot = c.worker.indexOf('.');
    const account = dot < 0 ? c.worker : c.worker.slice(0, dot);
    const found: FoundBlock = {
      hash: block.hash,
      height: job.height,
      jobId: job.id,
      worker: c.worker,
      account,
      workerName: dot < 0 ? '' : c.worker.slice(dot + 1),
      netWeight: job.netWeight ?? hashNetWeight(targetFromHex(job.networkTarget)),
      subsidySats: this.#cfg.subsidySats(job),
      coinbasePaid: solo ? [{ account, sats: job.coinbaseValueSats }] : job.coinbasePaid,
      solo,
      node: c.node,
      coinbaseValueSats: job.coinbaseValueSats,
      foundAtMs: c.foundAtMs,
      submittedAtMs,
      results: {},
      status: 'submitted',
      confirmations: 0,
    };
    // The intent goes to the block log while the nodes check the block (bitcoind can take a
    // second over a full one): if this process dies before they answer, the next leader finds
    // it unresolved and asks the nodes where it went. The ledger credits only block.found.
    this.#submitting.add(found.hash);
    this.#cfg.onEvent({ kind: 'submitted', block: found });
    const answers = await submitted;
    this.#submitting.delete(found.hash);
    found.results = Object.fromEntries(answers.map(([name, r]) => [name, r]));
    const accepted = answers.some(
      ([, r]) => r === null || r === 'duplicate' || r === 'inconclusive',
    );
    // No node took it, but one never answered (timed out over a big block, unreachable): where
    // it went is unknown, as for an intent a dead leader left, and the follow rounds resolve it
    // the same way (getblock: on a chain → found, else rejected).
    const unanswered = !accepted && answers.some(([, , unknown]) => unknown);
    found.status = accepted ? 'submitted' : unanswered ? 'unresolved' : 'rejected';
    this.#blocks.set(found.hash, found);
    while (this.#blocks.size > this.#cfg.keepBlocks)
      this.#blocks.delete(this.#blocks.keys().next().value as string);
    ctx.log.info(
      { hash: found.hash, height: found.height, worker: found.worker, results: found.results },
      accepted
        ? 'block submitted'
        : unanswered
          ? 'block submitted; no coin node answered, asking them where it went'
          : 'block rejected',
    );
    if (!unanswered) this.#cfg.onEvent({ kind: accepted ? 'found' : 'rejected', block: found });
    ctx.tell(this.#cfg.job, { type: 'job.refresh', reason: 'block-found' });
  }

  /**
   * Asks the nodes for the confirmations of every block still in play, off the actor's turn
   * (a candidate must never wait behind these calls); the answers come back as a message.
   */
  async #follow(ctx: ActorContext): Promise<void> {
    if (this.#following) return; // the previous round is still asking the nodes
    this.#following = true;
    try {
      await this.#followRound(ctx);
    } finally {
      this.#following = false;
    }
  }

  async #followRound(ctx: ActorContext): Promise<void> {
    const open = [...this.#blocks.values()].filter(
      (b) => b.status === 'submitted' || b.status === 'unresolved',
    );
    const confirmations: Record<string, number> = {};
    for (const b of open) {
      if (this.#stopped) return;
      let best: number | null = null;
      for (const n of this.#cfg.nodes) {
        try {
          const info = await n.call<{ confirmations?: number }>(
            'getblock',
            [b.hash, 1],
            this.#cfg.rpcTimeoutMs,
          );
          const c = typeof info?.confirmations === 'number' ? info.confirmations : -1;
          best = best === null ? c : Math.max(best, c);
        } catch (err) {
          if ((err as { rpcCode?: number }).rpcCode === -5) best = best ?? -1;
        }
      }
      if (best !== null) confirmations[b.hash] = best;
    }
    if (!this.#stopped && Object.keys(confirmations).length > 0)
      ctx.tell(ctx.self, { type: 'block.followed', confirmations });
  }

  /**
   * Orphaned when no node has the block on its chain; confirmed at the coin's maturity depth. An
   * unresolved intent becomes found when a node has it on its chain, else rejected (a node that
   * never answered leaves it for the next round).
   */
  #applyConfirmations(confirmations: Readonly<Record<string, number>>): void {
    for (const [hash, best] of Object.entries(confirmations)) {
      const b = this.#blocks.get(hash);
      if (b?.status === 'unresolved' && !this.#submitting.has(hash)) {
        b.status = best >= 0 ? 'submitted' : 'rejected';
        b.confirmations = Math.max(best, 0);
        this.#cfg.onEvent({ kind: best >= 0 ? 'found' : 'rejected', block: b });
        continue;
      }
      if (!b || b.status !== 'submitted') continue;
      b.confirmations = best;
      if (best < 0) {
        b.status = 'orphaned';
        this.#cfg.onEvent({ kind: 'orphaned', block: b });
      } else if (best >= this.#cfg.maturity) {
        b.status = 'confirmed';
        this.#cfg.onEvent({ kind: 'confirmed', block: b });
      }
    }
  }

  #schedule(ctx: ActorContext): void {
    this.#timer = ctx.clock.after(this.#cfg.followMs, () => {
      ctx.tell(ctx.self, { type: 'block.follow' });
      this.#schedule(ctx);
    });
  }
}
