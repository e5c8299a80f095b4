// OpenTelemetry for a node: when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set,
// spans go to that OTLP/HTTP collector (Jaeger, Tempo, an OpenTelemetry Collector, ...) in
// batches; otherwise nothing is recorded (the API's no-op tracer). The runtime's interceptor
// makes one span per handled message (Connection → Share → Block ...), the share log's append
// span links to the submits it carries, and the ledger's apply span links to the records it
// applied: one backend shows a share's path from the miner's socket to the ledger.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

export interface Tracing {
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export function startTracing(
  role: string,
  nodeId: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Tracing {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint) return { shutdown: async () => undefined };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME'] ?? 'colliery',
      'service.instance.id': nodeId,
      'colliery.role': role,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  trace.setGlobalTracerProvider(provider);
  log.info({ endpoint }, 'tracing: exporting spans over OTLP/HTTP');
  return {
    shutdown: () =>
      provider.shutdown().catch((err: unknown) => log.warn({ err }, 'tracing shutdown failed')),
  };
}
