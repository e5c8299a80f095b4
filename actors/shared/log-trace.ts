// Tracing across the log: a record of shares carries the W3C traceparent of the span that
// appended it (itself linked to each share's submit trace), and the ledger's apply span links
// to the records it applied — so one trace backend shows miner → Connection → Share → log →
// Ledger even though the log batches many shares into one record.
import {
  TraceFlags,
  isSpanContextValid,
  trace,
  type Link,
  type SpanContext,
} from '@opentelemetry/api';

export const tracer = trace.getTracer('colliery');

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function traceparentOf(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

export function spanContextOf(traceparent: unknown): SpanContext | undefined {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return undefined;
  const sc: SpanContext = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: parseInt(m[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(sc) ? sc : undefined;
}

/** Links to distinct span contexts, at most `max`. */
export function linksTo(contexts: Iterable<SpanContext | undefined>, max = 32): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const sc of contexts) {
    if (!sc || !isSpanContextValid(sc) || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
    if (links.length >= max) break;
  }
  return links;
}
