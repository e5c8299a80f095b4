// The Job actor's shell (one live instance per coin, a keyed singleton): fetches templates
// from the coin nodes (BIP22 longpoll, a short best-block poll, a periodic refresh), turns
// them into jobs through schedule.ts, broadcasts each job to every node, hands the full job
// (with transactions) to the Block actor, and answers job lookups.
import type { ActorContext, Behaviour, Factory } from '../../runtime/index.js';
import type { CoinbaseOutput } from './coinbase.js';
import type { JobConfig } from './job.js';
import type { JobAnnouncement, JobReply, JobRequest } from './messages.js';
import type { CoinRpc } from './rpc-client.js';
import type { JobState } from './schedule.js';
import type { Job } from './job.js';
import { adoptJobs, announce, findJob, initJobState, issueJob } from './schedule.js';
import { parseTemplate, type Template } from './template.js';
import { CoinNodes, type CoinNodesListener } from './coin-nodes.js';

/** A coin node that has not answered in this long is not waited for alone: the next is asked too. */
const HEDGE_MS = 750;
/** How often coin nodes that are away are asked whether they are back. */
const PROBE_MS = 5_000;

const isLongpoll = (p: unknown): boolean =>
  typeof p === 'object' && p !== null && 'longpollid' in p;

export interface JobActorConfig {
  readonly coin: string;
  readonly family: 'hash' | 'prime';
  readonly nodes: readonly CoinRpc[];
  readonly job: JobConfig;
  /** Coinbase outputs for a coinbase value (the payout policy; issue-level: pool address or solo). */
  readonly outputs: (coinbaseValueSats: bigint) => CoinbaseOutput[];
  readonly refreshMs: number;
  readonly pollMs: number;
  readonly longpollMs: number;
  readonly rpcTimeoutMs: number;
  readonly keepJobs: number;
  /** GBT request rules (["segwit"] for Bitcoin). */
  readonly rules: readonly string[];
  /** Publishes an announcement on the coin's jobs topic. */
  readonly publish: (a: JobAnnouncement) => void;
  /** Tells the Block actor about a full job (it assembles blocks from it). */
  readonly toBlock: (job: JobReply) => void;
  /**
   * Job ids start with this (default: the lease fence in hex, then `x`): a node's own fallback
   * instance (topology/wire/local-jobs.ts) uses one the leader's never take.
   */
  readonly idPrefix?: string;
  /** Coin nodes went away or came back (health: degraded while any is away). */
  readonly onCoinNodes?: CoinNodesListener;
  /**
   * The full jobs this node heard from the previous leader, oldest first (its block submitter
   * keeps them): a new instance carries them on instead of starting with a clean job, which
   * would send every miner in the cluster new work and make each drop what it has.
   */
  readonly adopt?: () => readonly Job[];
}

export function jobActor(cfg: JobActorConfig): Factory<JobRequest> {
  return (ctx) => new JobBehaviour(cfg, ctx);
}

class JobBehaviour implements Behaviour<JobRequest> {
  #state: JobState;
  #timers = new Map<string, { cancel(): void }>();
  #longpollId: string | undefined;
  #sleeps = 0;
  #stopped = false;
  #lastPrev = '';
  readonly #nodes: CoinNodes;
  /** What announce() needs besides the job. */
  readonly #announcing: Parameters<typeof announce>[1];

  constructor(
    private readonly cfg: JobActorConfig,
    ctx: ActorContext,
  ) {
    this.#announcing = { coin: cfg.coin, family: cfg.family, config: cfg.job };
    const fresh = initJobState(cfg.idPrefix ?? `${(ctx.lease?.fence ?? 0).toString(16)}x`);
    this.#state = adoptJobs(fresh, cfg.adopt?.() ?? [], cfg.keepJobs);
    const adopted = this.#state.current;
    // The refresh cadence carries on from the job miners have: an adopted one older than a
    // refresh is replaced by the first template.
    let refreshInMs = cfg.refreshMs;
    if (adopted) {
      this.#lastPrev = adopted.prevHash;
      refreshInMs = adopted.createdAtMs + cfg.refreshMs - ctx.clock.nowMs();
      ctx.log.info(
        { job: adopted.id, height: adopted.height, jobs: this.#state.recent.length },
        'carrying on the jobs miners have',
      );
    }
    this.#nodes = new CoinNodes(cfg.nodes, ctx.log, Date.now, cfg.onCoinNodes);
    const overdue = refreshInMs <= 0;
    // A leader that carried on the jobs miners have makes a job of its first template only on a
    // new tip ('carry-on', IssueInput.newTipOnly).
    void this.#fetch(ctx, overdue ? 'refresh' : adopted ? 'carry-on' : 'start');
    this.#every(
      ctx,
      'refresh',
      cfg.refreshMs,
      () => this.#fetch(ctx, 'refresh'),
      overdue ? cfg.refreshMs : refreshInMs,
    );
    this.#every(ctx, 'poll', cfg.pollMs, () => this.#pollTip(ctx));
    this.#every(ctx, 'probe', PROBE_MS, () => this.#nodes.probeAway(cfg.rpcTimeoutMs));
    void this.#longpollLoop(ctx);
  }

  receive(msg: JobRequest, ctx: ActorContext): JobReply {
    switch (msg.type) {
      case 'job.current': {
        const current = this.#state.current;
        return current === null ? null : announce(current, this.#announcing);
      }
      case 'job.full':
        return findJob(this.#state, msg.id);
      case 'job.refresh':
        void this.#fetch(ctx, msg.reason);
        return null;
      case 'job.publish-full': {
        const job = msg.id === undefined ? this.#state.current : findJob(this.#state, msg.id);
        if (job) this.cfg.toBlock(job);
        return null;
      }
      case 'job.template':
        this.#onTemplate(msg.raw, msg.source, ctx);
        return null;
    }
  }

  stopped(): void {
    this.#stopped = true;
    this.#nodes.close();
    this.cfg.onCoinNodes?.([], false); // no longer this instance's to say
    for (const t of this.#timers.values()) t.cancel();
  }

  #onTemplate(raw: unknown, source: string, ctx: ActorContext): void {
    ctx.lease?.assertValid();
    let template: Template;
    try {
      template = parseTemplate(raw, { bits: this.cfg.family === 'prime' ? 'prime' : 'compact' });
    } catch (err) {
      // A coin node's bad template is its fault, not ours: keep the current job, say why.
      ctx.log.error({ err, source }, 'coin node sent an unusable block template');
      return;
    }
    this.#lastPrev = template.previousBlockHash;
    this.#longpollId = template.longpollId;
    let issued: ReturnType<typeof issueJob>;
    try {
      issued = issueJob(this.#state, {
        coin: this.cfg.coin,
        family: this.cfg.family,
        template,
        outputs: this.cfg.outputs(template.coinbaseValueSats),
        config: this.cfg.job,
        nowMs: ctx.clock.nowMs(),
        force: source === 'refresh',
        newTipOnly: source === 'carry-on',
        keepJobs: this.cfg.keepJobs,
      });
    } catch (err) {
      // A template our coinbase rules cannot pay (a prime coin's minimum output, a rule we do
      // not carry): keep the current job and say why; the next template may be fine.
      ctx.log.error({ err, source }, 'cannot build a job from this template');
      return;
    }
    if (!issued) return;
    this.#state = issued.state;
    this.cfg.toBlock(issued.job);
    this.cfg.publish(issued.announcement);
    ctx.log.info(
      {
        job: issued.job.id,
        height: issued.job.height,
        clean: issued.job.cleanJobs,
        txs: issued.job.transactions.length,
        source,
      },
      'job issued',
    );
  }

  /** Fetches a template and hands it to receive() as a message, so state changes stay serial. */
  async #fetch(ctx: ActorContext, source: string, longpollId?: string): Promise<void> {
    const params: Record<string, unknown> = { rules: this.cfg.rules };
    if (longpollId) params.longpollid = longpollId;
    const timeout = longpollId
      ? this.cfg.longpollMs + this.cfg.rpcTimeoutMs
      : this.cfg.rpcTimeoutMs;
    const raw = await this.#call(ctx, 'getblocktemplate', [params], timeout);
    if (raw !== undefined && !this.#stopped)
      ctx.tell(ctx.self, { type: 'job.template', raw, source });
  }

  async #pollTip(ctx: ActorContext): Promise<void> {
    const best = await this.#call(ctx, 'getbestblockhash', [], this.cfg.rpcTimeoutMs);
    if (typeof best === 'string' && best !== this.#lastPrev && this.#lastPrev !== '') {
      this.#lastPrev = best;
      await this.#fetch(ctx, 'new-tip');
    }
  }

  async #longpollLoop(ctx: ActorContext): Promise<void> {
    while (!this.#stopped) {
      const id = this.#longpollId;
      if (id === undefined) {
        await this.#sleep(ctx, this.cfg.pollMs);
        continue;
      }
      await this.#fetch(ctx, 'longpoll', id);
    }
  }

  /**
   * One RPC across the coin nodes (coin-nodes.ts: hedged, a stalled node costs the hedge
   * delay); undefined when every node failed (logged there once per outage), after a pause.
   */
  async #call(
    ctx: ActorContext,
    method: string,
    params: unknown[],
    timeoutMs: number,
  ): Promise<unknown> {
    const hedgeMs =
      method === 'getblocktemplate' && params.length > 0 && isLongpoll(params[0])
        ? timeoutMs
        : Math.min(HEDGE_MS, timeoutMs);
    try {
      return await this.#nodes.call(method, params, timeoutMs, hedgeMs);
    } catch {
      if (!this.#stopped) await this.#sleep(ctx, Math.min(1000, this.cfg.pollMs));
      return undefined;
    }
  }

  /** Runs `fn` every `ms` (the first time after `firstMs`), skipping a beat while it still runs. */
  #every(ctx: ActorContext, name: string, ms: number, fn: () => Promise<void>, firstMs = ms): void {
    let running = false;
    const tick = (): void => {
      if (this.#stopped) return;
      if (!running) {
        running = true;
        void fn().finally(() => (running = false));
      }
      this.#timers.set(name, ctx.clock.after(ms, tick));
    };
    this.#timers.set(name, ctx.clock.after(firstMs, tick));
  }

  /** A sleep that stopped() cancels (several loops sleep at once, each with its own timer). */
  #sleep(ctx: ActorContext, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const key = `sleep-${++this.#sleeps}`;
      this.#timers.set(
        key,
        ctx.clock.after(ms, () => {
          this.#timers.delete(key);
          resolve();
        }),
      );
    });
  }
}
