// The block submitter: one per node (local, `remote: false`), the Share actor's Block address. A
// block candidate never waits for the bus or the Block lease: it is assembled from the full job
// this node keeps (every node hears the full jobs), written to the node's block journal, and
// submitted to every configured coin node at once (a second copy, from another node or a
// restart, is answered `duplicate`). Its records go to the block log — the intent as the
// requests leave, then found or rejected — retried until stored (ids derive from the hash: stored
// once), and only then is the journal entry removed and the block handed to the Block leader to
// follow. The Share actor hears back once the requests have left, so its batch's shares reach
// the log before the found record. Entries a dead process left are submitted again and logged
// when the node starts.
import type { ActorContext, Address, Behaviour, Factory } from '../../runtime/index.js';
import type { CoinRpc, Job, JobWork } from '../job/index.js';
import type { LogRecord } from '../ledger/index.js';
import type { BlockCandidate } from '../share/index.js';
import { assembleBlock, blockTxHex, prepareBlockJob } from './assemble.js';
import { candidateJob, foundBlock, initBlockState, keepJob, settle, settledLog } from './blocks.js';
import type { Answer, BlockState } from './blocks.js';
import type { BlockJournal, JournalEntry } from './journal.js';
import { blockRecord } from './log.js';
import { RecordQueue, submitToAll } from './submit-io.js';
import type { FoundBlock } from './messages.js';
import type { SubmitterMessage, SubmitterStats } from './messages.js';

export interface BlockSubmitterConfig {
  readonly coin: string;
  readonly nodes: readonly CoinRpc[];
  /** The Job actor: asked for a job this node never heard, told to refresh after a block. */
  readonly job: Address;
  /** The Block leader: follows what this node found, once its records are logged. */
  readonly block: Address;
  readonly keepJobs: number;
  readonly rpcTimeoutMs: number;
  readonly subsidySats: (job: JobWork) => bigint;
  readonly journal: BlockJournal;
  /** Appends a block record to the block log (one record per id); rejects while it cannot. */
  readonly appendRecord: (record: LogRecord) => Promise<unknown>;
  /** Whether this node holds the Block lease now. */
  readonly holdsLease: () => boolean;
  /** A block a coin node took (before the ledger has applied it). */
  readonly onFound?: (block: FoundBlock) => void;
  readonly stats: SubmitterStats;
  /**
   * Where it keeps the full jobs it heard, by id, oldest first (default: its own). The node
   * shares it with the Job actor, so a new Job leader here carries the cluster's jobs on.
   */
  readonly jobs?: Map<string, Job>;
  /** Longest pause between attempts to append a record (default 5 s). */
  readonly retryMaxMs?: number;
}

export function blockSubmitter(cfg: BlockSubmitterConfig): Factory<SubmitterMessage> {
  return (ctx) => new Submitter(cfg, ctx);
}

const KEEP_BLOCKS = 64;
/**
 * Longest wait, after the coin nodes answered, for the Share actor to say the candidate's batch
 * is in the share sink (normally well under a millisecond; its ask may have timed out).
 */
const SETTLED_WAIT_MS = 5_000;
/** Longest wait for a job this node never heard (asked of the Job actor, or published again). */
const JOB_WAIT_MS = 10_000;

class Submitter implements Behaviour<SubmitterMessage> {
  readonly #cfg: BlockSubmitterConfig;
  readonly #state: BlockState;
  /** Records are appended one after another, in the order they were queued. */

  readonly #records: RecordQueue;
  /** Set when the actor stops: answers that come later leave the journal as it is. */
  #stopped = false;
  /** Candidates whose batch the Share actor has not yet handed to the share sink. */
  readonly #unsettled = new Map<string, () => void>();
  /** Candidates waiting for their full job to arrive on the full-jobs topic, by job id. */
  readonly #awaitedJobs = new Map<string, ((job: Job) => void)[]>();

  constructor(cfg: BlockSubmitterConfig, ctx: ActorContext) {
    this.#cfg = cfg;
    this.#state = initBlockState(cfg.jobs);
    this.#records = new RecordQueue(cfg.appendRecord, () => cfg.stats.pending, cfg.retryMaxMs);
    const left = cfg.journal.pending();
    cfg.stats.pending = left.length;
    if (left.length > 0) {
      ctx.log.warn(
        { blocks: left.map((e) => e.block.hash) },
        'journaled blocks not in the block log: submitting and logging them',
      );
      for (const e of left) void this.#recover(e, ctx);
    }
    // A node that starts while the current job is out hears it again (the leader re-publishes).
    this.#publishFull(ctx, undefined);
  }

  receive(msg: SubmitterMessage, ctx: ActorContext): unknown {
    switch (msg.type) {
      case 'job.full': {
        prepareBlockJob(msg.job); // serialize its transactions now, not when a candidate waits
        keepJob(this.#state, msg.job, this.#cfg.keepJobs);
        this.#journalJob(msg.job, ctx);
        for (const resolve of this.#awaitedJobs.get(msg.job.id) ?? []) resolve(msg.job);
        this.#awaitedJobs.delete(msg.job.id);
        return;
      }
      case 'block.candidate':
        return this.#onCandidate(msg, ctx);
      case 'block.shares-settled':
        for (const hash of msg.hashes) this.#unsettled.get(hash)?.();
        return;
      case 'block.journal':
        return { ...this.#cfg.stats };
    }
  }

  stopped(): void {
    this.#stopped = true;
    for (const done of [...this.#unsettled.values()]) done();
    this.#records.stop(); // what is not logged stays in the journal for the next start
  }

  async #onCandidate(c: BlockCandidate, ctx: ActorContext): Promise<void> {
    const s = this.#state;
    if (s.blocks.has(c.hash) || s.submitting.has(c.hash)) return;
    const job = s.jobs.get(c.jobId) ?? (await this.#askJob(c, ctx));
    if (!job) return;
    const block = assembleBlock(candidateJob(job, c.payoutScript), c.submit, c.headerVersion);
    const found = foundBlock(
      c,
      job,
      c.hash,
      this.#cfg.subsidySats(job),
      Math.floor(ctx.clock.nowMs()),
    );
    // In the journal (committed to the OS) before any request leaves; on disk just after. The
    // job's transactions are there already (written when the job came) unless it just came.
    const journal = this.#cfg.journal;
    const named = journal.holdsJob(job.id);
    const entry: JournalEntry = {
      block: found,
      head: named ? block.headHex : block.blockHex,
      txsOf: named ? job.id : null,
      answered: false,
    };
    journal.write(entry);
    s.submitting.add(c.hash);
    const settled = this.#sharesSettled(c.hash, ctx);
    const answers = submitToAll(this.#cfg.nodes, block.blockHex, this.#cfg.rpcTimeoutMs);
    this.#afterWrite(found, ctx);
    if (block.hash !== c.hash)
      ctx.log.error(
        { expected: c.hash, got: block.hash, job: c.jobId },
        'assembled block hash differs from the share hash',
      );
    void this.#records.append(blockRecord('submitted', found, this.#cfg.coin, Date.now()), ctx);
    // The Share actor hears back now, with the requests gone, and hands its batch's shares (the
    // finder's among them) to the share sink; block.found waits for the coin nodes' answers and
    // for the Share actor's word that the batch is in the sink, so it is logged behind them and
    // they fall inside the round this block closes.
    void this.#settleLater(entry, answers, settled, ctx);
  }

  /** Resolves once the Share actor says the candidate's batch is in the sink, or after a while. */
  #sharesSettled(hash: string, ctx: ActorContext): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ctx.clock.after(SETTLED_WAIT_MS, () => {
        ctx.log.warn({ hash }, "no word that the block's shares are in the share sink");
        done();
      });
      const done = (): void => {
        timer.cancel();
        this.#unsettled.delete(hash);
        resolve();
      };
      this.#unsettled.set(hash, done);
    });
  }

  async #settleLater(
    entry: JournalEntry,
    answers: Promise<readonly Answer[]>,
    settled: Promise<void>,
    ctx: ActorContext,
  ): Promise<void> {
    try {
      const answered = await answers;
      await settled;
      if (this.#stopped) return; // the journal keeps it: the next start submits and logs it
      await this.#settle(entry, answered, false, ctx);
      ctx.tell(this.#cfg.job, { type: 'job.refresh', reason: 'block-found' });
    } catch (err) {
      const hash = entry.block.hash;
      ctx.log.warn({ err, hash }, 'block answers not settled (the journal keeps it)');
    }
  }

  /** A journal entry a dead process left: its requests again (if unanswered), then its records. */
  async #recover(e: JournalEntry, ctx: ActorContext): Promise<void> {
    this.#cfg.stats.recovered++;
    const found: FoundBlock = { ...e.block };
    if (e.answered) return this.#log(e, true, ctx);
    const blockHex = this.#cfg.journal.blockHex(e);
    if (blockHex === null) {
      // Its job's transactions are gone: it cannot be sent again. Its intent goes to the log,
      // and the Block leader asks the coin nodes where it went (found if one has it).
      ctx.log.error({ hash: found.hash, job: e.txsOf }, 'journaled block without its transactions');
      return this.#log({ ...e, block: { ...found, status: 'unresolved' } }, true, ctx);
    }
    this.#state.submitting.add(found.hash);
    const answers = submitToAll(this.#cfg.nodes, blockHex, this.#cfg.rpcTimeoutMs);
    this.#afterWrite(found, ctx);
    await this.#settle({ ...e, block: found }, await answers, true, ctx);
  }

  /** The requests are written: the journal goes to disk; counters and warn lines. */
  #afterWrite(found: FoundBlock, ctx: ActorContext): void {
    const stats = this.#cfg.stats;
    stats.journaled++;
    stats.pending++;
    this.#cfg.journal
      .sync()
      .catch((err: unknown) =>
        ctx.log.error({ err, hash: found.hash }, 'block journal sync failed'),
      );
    if (!this.#cfg.holdsLease()) {
      // The designed path for any node but the Block leader's (a candidate never waits for the
      // lease): in a cluster of n nodes, about (n-1)/n of the blocks. Counted, not warned of.
      stats.withoutLease++;
      ctx.log.info(
        { hash: found.hash, height: found.height, withoutLease: stats.withoutLease },
        'block submitted by this node; the Block leader is another node (or none now) and follows it once its records are logged',
      );
    }
  }

  /** The nodes answered: the journal says so, and the block's records go to the log. */
  async #settle(
    written: JournalEntry,
    answers: readonly Answer[],
    withIntent: boolean,
    ctx: ActorContext,
  ): Promise<void> {
    const found = written.block;
    const event = settle(this.#state, found, answers, KEEP_BLOCKS);
    ctx.log.info(...settledLog(found, event));
    if (event?.kind === 'found') this.#cfg.onFound?.(found);
    const entry: JournalEntry = { ...written, answered: true };
    this.#journal(ctx, found.hash, (j) => j.write(entry));
    void this.#log(entry, withIntent, ctx); // the candidate's answer does not wait for the bus
  }

  /** Appends the entry's records; once the log holds them, drops the entry and tells the leader. */
  async #log(e: JournalEntry, withIntent: boolean, ctx: ActorContext): Promise<void> {
    const b = e.block;
    const now = Date.now();
    // Unresolved (no node answered): only the intent; the Block leader's follow rounds settle it.
    const kind = b.status === 'submitted' ? 'found' : b.status === 'rejected' ? 'rejected' : null;
    let stored = true;
    if (withIntent)
      stored = await this.#records.append(blockRecord('submitted', b, this.#cfg.coin, now), ctx);
    if (kind !== null)
      stored =
        (await this.#records.append(blockRecord(kind, b, this.#cfg.coin, now), ctx)) && stored;
    if (!stored) return; // stopped first: the journal keeps it
    this.#journal(ctx, b.hash, (j) => j.remove(b.hash));
    this.#cfg.stats.pending = Math.max(0, this.#cfg.stats.pending - 1);
    if (b.status === 'submitted' || b.status === 'unresolved') {
      try {
        ctx.tell(this.#cfg.block, { type: 'block.restore', blocks: [b] });
      } catch (err) {
        ctx.log.warn(
          { err, hash: b.hash },
          'could not hand a found block to the Block leader; the next leader reads it from the log',
        );
      }
    }
  }

  /**
   * A journal write after the requests left. Once the node stopped, the journal may be closed:
   * the entry then stays as it was, and the next start submits and logs it again (idempotent).
   */
  #journal(ctx: ActorContext, hash: string, op: (j: BlockJournal) => void): void {
    try {
      op(this.#cfg.journal);
    } catch (err) {
      ctx.log.error(
        { err, hash },
        'block journal write failed; the next start logs the block again',
      );
    }
  }

  /**
   * A job this node never heard: asked of the Job actor, and published again on the full-jobs
   * topic (a job over the bus's max_payload cannot come back as a reply, only in parts there);
   * whichever comes first, within JOB_WAIT_MS.
   */
  async #askJob(c: BlockCandidate, ctx: ActorContext): Promise<Job | undefined> {
    const arrived = new Promise<Job | null>((resolve) => {
      const timer = ctx.clock.after(JOB_WAIT_MS, () => {
        this.#awaitedJobs.delete(c.jobId);
        resolve(null);
      });
      const waiting = this.#awaitedJobs.get(c.jobId) ?? [];
      waiting.push((job) => {
        timer.cancel();
        resolve(job);
      });
      this.#awaitedJobs.set(c.jobId, waiting);
    });
    this.#publishFull(ctx, c.jobId);
    const asked = ctx
      .ask<Job | null>(this.#cfg.job, { type: 'job.full', id: c.jobId })
      .catch(() => null);
    const job = await Promise.race([
      asked.then((j) => j ?? arrived), // refused (too large, bus away): the topic may bring it
      arrived,
    ]);
    if (!job)
      ctx.log.error(
        { hash: c.hash, job: c.jobId },
        'block candidate for a job this node does not hold and could not get: lost',
      );
    return job ?? undefined;
  }

  /** The job's transactions go to the journal now, so a candidate on it writes only its head. */
  #journalJob(job: Job, ctx: ActorContext): void {
    try {
      this.#cfg.journal.keepJob(job.id, blockTxHex(job));
      this.#cfg.journal.pruneJobs(new Set(this.#state.jobs.keys()));
    } catch (err) {
      // Its candidates write their transactions inline (or fail to assemble, as before).
      ctx.log.warn({ err, job: job.id }, "job's transactions not kept in the block journal");
    }
  }

  #publishFull(ctx: ActorContext, id: string | undefined): void {
    try {
      ctx.tell(
        this.#cfg.job,
        id === undefined ? { type: 'job.publish-full' } : { type: 'job.publish-full', id },
      );
    } catch (err) {
      ctx.log.warn({ err, job: id }, 'could not ask the Job actor to publish a full job');
    }
  }
}
