// The one rule both Share behaviours (hash and prime) answer accepted shares by: "accepted"
// only once the share sink (the durable share log) holds them; "server busy" when the append
// failed. It counts appends in flight, so a draining node answers them before its actors stop.
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
