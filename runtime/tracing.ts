// The one tracing interceptor: the sender writes W3C trace context under the `traceparent`
// header (a NATS header, or the same key on a local delivery); the receiver starts one span per
// handled message as a child of it. Only @opentelemetry/api is used here: which SDK and exporter
// record the spans is the composition root's business (without one, spans are no-ops).
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { codeOf } from './errors.js';

/** The one documented header key carrying trace context between actors. */
export const TRACE_HEADER = 'traceparent';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** What the span of one handled message is named and tagged with. */
export type HandledInfo = {
  address: string;
  kind: string;
  type: string;
  node: string;
  ask: boolean;
};

export interface HandledSpan {
  /** Context to hand to the handler: its outgoing messages become children of this span. */
  readonly context: Context;
  end(error?: unknown): void;
}

export interface Interceptor {
  /** Sender side: the header value to carry for `parent`, or undefined when there is no trace. */
  inject(parent: Context): string | undefined;
  /** Receiver side: opens the span for one handled message. */
  begin(traceparent: string | undefined, info: HandledInfo): HandledSpan;
}

export function formatTraceparent(parent: Context): string | undefined {
  const sc = trace.getSpanContext(parent);
  if (sc === undefined || !isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

export function parseTraceparent(value: string | undefined): Context {
  const m = TRACEPARENT.exec(value ?? '');
  if (m === null) return ROOT_CONTEXT;
  const sc = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** A span's start/end time in epoch ms, or undefined for the SDK's own (whole-ms) clock. */
export type SpanClock = () => number | undefined;

/** Without an SDK (or sampled out) the parent context already carries the trace onward. */
function handled(span: Span, parent: Context, spanTime: SpanClock): HandledSpan {
  if (!span.isRecording()) return { context: parent, end: () => span.end() };
  return {
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (error !== undefined) {
        const code = codeOf(error);
        if (code !== undefined) span.setAttribute('colliery.error.code', code);
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(spanTime());
    },
  };
}

/** `spanTime` gives spans a finer clock than the SDK's (the composition root's choice). */
export function otelInterceptor(
  tracerName = 'colliery-runtime',
  spanTime: SpanClock = () => undefined,
): Interceptor {
  const tracer = trace.getTracer(tracerName);
  return {
    inject: formatTraceparent,
    begin(traceparent, info) {
      const parent = parseTraceparent(traceparent);
      const kind = info.ask ? SpanKind.SERVER : SpanKind.CONSUMER;
      const attributes = {
        'messaging.system': 'nats',
        'messaging.destination.name': info.address,
        'colliery.node': info.node,
      };
      const startTime = spanTime();
      const options =
        startTime === undefined ? { kind, attributes } : { kind, attributes, startTime };
      const span = tracer.startSpan(`${info.kind} ${info.type}`, options, parent);
      return handled(span, parent, spanTime);
    },
  };
}
