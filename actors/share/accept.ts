// The rules both Share behaviours (hash and prime) keep. AcceptAfterLog: "accepted" only once
// the share sink (the durable share log) holds them; "server busy" when the append failed; it
// counts appends in flight, so a draining node answers them before its actors stop.
// AfterCandidates: a batch's block candidate goes to the Block actor before anything else.
import type { ActorContext } from '../../runtime/index.js';
import type { AcceptedShare, ShareSink } from './actor.js';

export type AcceptAnswer = (verdict: 'accepted' | 'server-busy', detail?: string) => void;

export class AcceptAfterLog {
  readonly #sink: ShareSink | null;
  #inFlight = 0;

  constructor(sink: ShareSink | null) {
    this.#sink = sink;
  }

  /** Appends waiting for the sink's acknowledgement. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Builds the records only when there is a sink; answers once they are durable. */
  answer(records: () => readonly AcceptedShare[], answer: AcceptAnswer, ctx: ActorContext): void {
    const sink = this.#sink;
    if (!sink) return answer('accepted');
    const shares = records();
    this.#inFlight++;
    sink
      .append(shares)
      .finally(() => this.#inFlight--)
      .then(
        () => answer('accepted'),
        (err: unknown) => {
          ctx.log.error(
            { err, shares: shares.length },
            'share log append failed; shares not acknowledged',
          );
          answer('server-busy', 'share log unavailable');
        },
      );
  }
}

/** On drain: waits on the actor's clock (at most `maxMs`) until `busy()` turns false. */
export async function waitWhileBusy(
  ctx: ActorContext,
  busy: () => boolean,
  maxMs = 10_000,
): Promise<void> {
  const deadline = ctx.clock.nowMs() + maxMs;
  while (busy() && ctx.clock.nowMs() < deadline) {
    await new Promise<void>((r) => ctx.clock.after(5, r));
  }
}

/**
 * The other rule both Share behaviours keep: a block candidate goes before anything else. A
 * verified batch that held one tells the Block actor at once and defers the rest (answering its
 * miners, appending its shares) here; the batch's verified message comes round again at
 * `setImmediate`, after the Block actor's turn has written submitblock (the run queue holding
 * that turn is drained in the current microtask or in a setImmediate queued before this one).
 * Not a tell in the same turn: a cell drains its own mailbox before the next cell runs.
 */
export class AfterCandidates {
  readonly #waiting = new Map<number, () => void>();

  /** Defers `settle` for `batch`; `again` re-sends the batch's verified message to self. */
  defer(batch: number, settle: () => void, again: () => void): void {
    this.#waiting.set(batch, settle);
    setImmediate(again);
  }

  /** The deferred settle of `batch` when this is its second pass (taken, so it runs once). */
  take(batch: number): (() => void) | undefined {
    const settle = this.#waiting.get(batch);
    if (settle !== undefined) this.#waiting.delete(batch);
    return settle;
  }
}
