// The Block actor's shell (one live instance per coin, a keyed singleton): follows the blocks
// the nodes' block submitters found (submitter.ts hands each over once it is logged), asking
// the coin nodes each round where they are, to maturity or orphaning; settles intents a dead
// node left. It still takes a block candidate (from a node of the previous version, during a
// rolling upgrade): it asks the Job actor for that job, assembles and submits it. What those answers mean is blocks.ts's; the events
// go to `onEvent` (the block log, metrics).
import type { ActorContext, Address, Behaviour, Factory } from '../../runtime/index.js';
import type { CoinRpc, Job, JobWork } from '../job/index.js';
import type { BlockCandidate } from '../share/index.js';
import { assembleBlock, prepareBlockJob } from './assemble.js';
import {
  applyConfirmations,
  bestConfirmations,
  candidateJob,
  foundBlock,
  initBlockState,
  keepJob,
  restoreBlocks,
  settle,
  settledLog,
  submitting,
  toFollow,
  type BlockState,
  type Outcome,
} from './blocks.js';
import type { BlockEvent, BlockMessage, FoundBlock } from './messages.js';
import { submitToAll } from './submit-io.js';

// For importers of this file from before messages.ts (test/integration/two-nodes.test.ts).
export type { BlockEvent, FoundBlock } from './messages.js';

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

export function blockActor(cfg: BlockActorConfig): Factory<BlockMessage> {
  return (ctx) => new BlockBehaviour(cfg, ctx);
}

/** What a call came to, never a rejection; the call itself starts synchronously. */
async function outcome<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

class BlockBehaviour implements Behaviour<BlockMessage> {
  readonly #cfg: BlockActorConfig;
  readonly #state: BlockState = initBlockState();
  #timer: { cancel(): void } | null = null;
  #following = false;
  /** Set when the actor stops: a follow round still asking the nodes ends without a word. */
  #stopped = false;

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
        return keepJob(this.#state, msg.job, this.#cfg.keepJobs);
      case 'block.candidate':
        return this.#onCandidate(msg, ctx);
      case 'block.follow':
        // Off the turn; a round cut short (the node is stopping, NATS closed) is only logged.
        return void this.#follow(ctx).catch((err: unknown) =>
          ctx.log.warn({ err }, 'following found blocks failed; the next round retries'),
        );
      case 'block.followed':
        for (const e of applyConfirmations(this.#state, msg.confirmations, this.#cfg.maturity))
          this.#cfg.onEvent(e);
        return undefined;
      case 'block.list':
        return [...this.#state.blocks.values()];
      case 'block.restore':
        return restoreBlocks(this.#state, msg.blocks);
    }
  }

  stopped(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  async #onCandidate(c: BlockCandidate, ctx: ActorContext): Promise<void> {
    if (this.#state.blocks.has(c.hash)) return;
    // A job this instance holds is used on this turn; only a forgotten one waits for an ask.
    const job = this.#state.jobs.get(c.jobId) ?? (await this.#askJob(c, ctx));
    if (!job) return;
    const block = assembleBlock(candidateJob(job, c.payoutScript), c.submit, c.headerVersion);
    ctx.lease?.assertValid();
    const submittedAtMs = Math.floor(ctx.clock.nowMs());
    // Every node's request is written before anything else happens on this turn (each call
    // writes in its first synchronous step); the checks and records follow.
    const answers = submitToAll(this.#cfg.nodes, block.blockHex, this.#cfg.rpcTimeoutMs);
    if (block.hash !== c.hash) {
      ctx.log.error(
        { expected: c.hash, got: block.hash, job: c.jobId },
        'assembled block hash differs from the share hash',
      );
    }
    const found = foundBlock(c, job, block.hash, this.#cfg.subsidySats(job), submittedAtMs);
    // The intent goes to the block log while the nodes check the block (bitcoind can take a
    // second over a full one): if this process dies before they answer, the next leader finds
    // it unresolved and asks the nodes where it went. The ledger credits only block.found.
    this.#cfg.onEvent(submitting(this.#state, found));
    const event = settle(this.#state, found, await answers, this.#cfg.keepBlocks);
    ctx.log.info(...settledLog(found, event));
    if (event !== null) this.#cfg.onEvent(event);
    ctx.tell(this.#cfg.job, { type: 'job.refresh', reason: 'block-found' });
  }

  async #askJob(c: BlockCandidate, ctx: ActorContext): Promise<Job | undefined> {
    const job = await ctx
      .ask<Job | null>(this.#cfg.job, { type: 'job.full', id: c.jobId })
      .catch(() => null);
    if (!job)
      ctx.log.error(
        { hash: c.hash, job: c.jobId },
        'block candidate for a job nobody remembers: lost',
      );
    return job ?? undefined;
  }

  /** submitblock to every node at once: each request is written before this returns. */

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
    const { nodes, rpcTimeoutMs } = this.#cfg;
    const confirmations: Record<string, number> = {};
    for (const b of toFollow(this.#state)) {
      if (this.#stopped) return;
      const lookups: Outcome<{ confirmations?: unknown } | null>[] = [];
      for (const n of nodes)
        lookups.push(await outcome(() => n.call('getblock', [b.hash, 1], rpcTimeoutMs)));
      const best = bestConfirmations(lookups);
      if (best !== null) confirmations[b.hash] = best;
    }
    if (!this.#stopped && Object.keys(confirmations).length > 0)
      ctx.tell(ctx.self, { type: 'block.followed', confirmations });
  }

  #schedule(ctx: ActorContext): void {
    this.#timer = ctx.clock.after(this.#cfg.followMs, () => {
      ctx.tell(ctx.self, { type: 'block.follow' });
      this.#schedule(ctx);
    });
  }
}
