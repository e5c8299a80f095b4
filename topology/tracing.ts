// OpenTelemetry for a node: when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set,
// spans go to that OTLP/HTTP collector (Jaeger, Tempo, an OpenTelemetry Collector, ...) in
// batches; otherwise nothing is recorded (the API's no-op tracer). The runtime's interceptor
// makes one span per handled message (Connection → Share → Block ...), the share log's append
// span links to the submits it carries, and the ledger's apply span links to the records it
// applied: one backend shows a share's path from the miner's socket to the ledger. With
// `paths`, spans are recorded even without a collector, and every few seconds one share's path
// is handed over as a line (share-paths.ts; `colliery demo --trace`, `start --trace-paths`).
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { Runtime, otelInterceptor, type RuntimeOptions } from '../runtime/index.js';
import { preciseSpanTimes, spanTime } from '../actors/shared/span-time.js';
import { formatSharePath, SharePathProcessor } from './share-paths.js';

export interface Tracing {
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export function startTracing(
  role: string,
  nodeId: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  /** Receives one share's path as a line every `everyMs` (default 5 s). */
  paths?: { onLine: (line: string) => void; everyMs?: number },
): Tracing {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const spanProcessors: SpanProcessor[] = [];
  if (endpoint) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (paths)
    spanProcessors.push(
      new SharePathProcessor((p) => paths.onLine(formatSharePath(p)), paths.everyMs),
    );
  if (spanProcessors.length === 0) return { shutdown: async () => undefined };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME'] ?? 'colliery',
      'service.instance.id': nodeId,
      'colliery.role': role,
    }),
    spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  preciseSpanTimes(true);
  if (endpoint) log.info({ endpoint }, 'tracing: exporting spans over OTLP/HTTP');
  if (paths) log.info('tracing: printing a share path every few seconds');
  return {
    shutdown: () =>
      provider
        .shutdown()
        .finally(() => preciseSpanTimes(false))
        .catch((err: unknown) => log.warn({ err }, 'tracing shutdown failed')),
  };
}

/** A node's runtime: its message spans take the sub-millisecond clock (span-time.ts). */
export function nodeRuntime(options: Omit<RuntimeOptions, 'interceptor'>): Runtime {
  return new Runtime({ ...options, interceptor: otelInterceptor('colliery-runtime', spanTime) });
}

/** The topic nodes publish share paths on (`--trace-paths`); `colliery trace` prints them. */
export const SHARE_PATHS_TOPIC = 'share-paths';

export interface SharePathMessage {
  readonly type: 'share.path';
  readonly node: string;
  readonly line: string;
}

/** A `paths.onLine` that publishes each line to the cluster, and hands it to `local` too. */
export function publishSharePaths(
  rt: Runtime,
  local: (line: string) => void,
): (line: string) => void {
  const topic = rt.topic(SHARE_PATHS_TOPIC);
  return (line) => {
    local(line);
    const msg: SharePathMessage = { type: 'share.path', node: rt.node, line };
    rt.publish(topic, msg);
  };
}
