// Sub-millisecond span times. The OpenTelemetry SDK starts a span at `Date.now()`, whole
// milliseconds, which hides the order and gaps of a share's steps (each well under 1 ms). With
// an SDK registered (topology/tracing.ts turns this on), the runtime's spans (via its
// interceptor's clock) and the share log's and ledger's spans take start and end from
// `spanTime()`: the monotonic clock anchored to the wall clock every 10 s, so spans stay
// comparable across nodes (an anchor step is < 1 ms, and never backwards). A span started at
// a given time must be ended with one too (the SDK then stops measuring). Off without an SDK:
// a clock read costs ~45 ns, about 8 % of a local tell, for spans a no-op tracer drops.
import type { SpanOptions } from '@opentelemetry/api';

let precise = false;
export function preciseSpanTimes(on: boolean): void {
  precise = on;
}

let anchorWallMs = Date.now() + 0.5; // Date.now() truncates: the true time is up to 1 ms later
let anchorPerfMs = performance.now();
let lastMs = 0;

/** Now in epoch ms with a fraction, or undefined (the SDK's clock) while precise times are off. */
export function spanTime(): number | undefined {
  if (!precise) return undefined;
  const p = performance.now();
  if (p - anchorPerfMs > 10_000) [anchorWallMs, anchorPerfMs] = [Date.now() + 0.5, p];
  const t = anchorWallMs + (p - anchorPerfMs);
  return t > lastMs ? (lastMs = t) : lastMs; // an anchor step never runs time backwards
}

/** `options` with a precise start time when precise span times are on. */
export function timedSpan(options: SpanOptions): SpanOptions {
  const startTime = spanTime();
  return startTime === undefined ? options : { ...options, startTime };
}
