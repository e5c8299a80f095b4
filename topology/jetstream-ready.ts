// A node waits for its bus's JetStream as it waits for the bus. A NATS cluster still electing
// its JetStream leaders (every server started at once, or two of three coming back) answers the
// JetStream API with timeouts, and the node's first bucket would fail its start ("colliery
// start: timeout", seen when a bench started nodes on a cluster it had just started). A
// refusal no retry can fix (permissions, a JetStream API error the log treats as permanent)
// still fails at once; anything else is asked again.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryable } from '../actors/shared/log-retry.js';

export interface JetStreamWait {
  /** How long one ask may take (default 2 s). */
  readonly timeoutMs?: number;
  /** The pause between asks (default 1 s). */
  readonly retryMs?: number;
}

/** Resolves once `nc`'s JetStream answers (its account info); rejects on a permanent refusal. */
export async function untilJetStream(nc: NatsConnection, o: JetStreamWait = {}): Promise<void> {
  for (;;) {
    try {
      await jetstreamManager(nc, { timeout: o.timeoutMs ?? 2_000 });
      return;
    } catch (err) {
      if (!retryable(err) || nc.isClosed()) throw err;
    }
    await new Promise((r) => setTimeout(r, o.retryMs ?? 1_000));
  }
}

/**
 * `step` (a start's JetStream setup: a bucket, the log stream), asked again while it fails as
 * retryable. The wait above can pass while a leader that lost its peers still answers (up to
 * ~20 s in test/integration/jetstream-wait.test.ts); the step's first write then times out, and
 * the start waits for JetStream again instead of failing. `step` must be safe to repeat after
 * such a failure.
 */
export async function withJetStream<T>(
  nc: NatsConnection,
  step: () => Promise<T>,
  o: JetStreamWait & { readonly onRetry?: (err: unknown) => void } = {},
): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!retryable(err) || nc.isClosed()) throw err;
      o.onRetry?.(err);
    }
    await untilJetStream(nc, o);
  }
}
