// The block submitter's two kinds of I/O: submitblock to every coin node at once, and its
// records appended to the block log one after another, each retried until the log holds it.
import type { ActorContext } from '../../runtime/index.js';
import type { CoinRpc } from '../job/index.js';
import type { LogRecord } from '../ledger/index.js';
import { NOT_ANSWERED_YET, submitAnswer, tookIt, type Answer } from './blocks.js';

/**
 * submitblock to every node at once: each request is written before this returns. Resolves at
 * the first node that took the block (a stalled node never holds back the found record or the
 * next job), or once every node answered; a node still out is listed as not answered yet.
 */
export function submitToAll(
  nodes: readonly Pick<CoinRpc, 'name' | 'call'>[],
  blockHex: string,
  rpcTimeoutMs: number,
): Promise<Answer[]> {
  return new Promise((resolve) => {
    const answers: (Answer | undefined)[] = nodes.map(() => undefined);
    let left = nodes.length;
    const done = (): void =>
      resolve(nodes.map((n, i) => answers[i] ?? [n.name, NOT_ANSWERED_YET, true]));
    if (left === 0) return done();
    nodes.forEach((n, i) => {
      void n
        .call<string | null>('submitblock', [blockHex], rpcTimeoutMs)
        .then(
          (value) => submitAnswer(n.name, { ok: true, value }),
          (error: unknown) => submitAnswer(n.name, { ok: false, error }),
        )
        .then((answer) => {
          answers[i] = answer;
          if (tookIt(answer) || --left === 0) done();
        });
    });
  });
}

/** Records appended in the order queued, each retried (with a growing pause) until stored. */
export class RecordQueue {
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly appendRecord: (record: LogRecord) => Promise<unknown>,
    /** Journaled blocks not in the log yet (for the retry warning). */
    private readonly pending: () => number,
    private readonly retryMaxMs = 5_000,
  ) {}

  /** Resolves true once the log holds `record`, false if stopped first. */
  append(record: LogRecord, ctx: ActorContext): Promise<boolean> {
    const next = this.#chain.then(() => this.#untilStored(record, ctx));
    this.#chain = next;
    return next;
  }

  /** What is not appended yet stays in the journal for the next start. */
  stop(): void {
    this.#stopped = true;
  }

  async #untilStored(record: LogRecord, ctx: ActorContext): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) return false;
      try {
        await this.appendRecord(record);
        if (attempt > 1)
          ctx.log.warn({ record: record.id, attempt }, 'journaled block record logged');
        return true;
      } catch (err) {
        ctx.log.warn(
          { err, record: record.id, attempt, journaled: this.pending() },
          'block journaled, not in the block log yet; retrying',
        );
        const pauseMs = Math.min(this.retryMaxMs, 250 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, pauseMs).unref());
      }
    }
  }
}
