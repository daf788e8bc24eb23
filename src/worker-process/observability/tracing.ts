/**
 * OpenTelemetry tracing, off unless the standard environment asks for it (read by
 * `loadWorkerConfig`, which turns `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` and the OTLP endpoint
 * and protocol variables into a {@link TracingConfig}). The exporter is OTLP over HTTP with JSON
 * bodies and reads its own variables (endpoint, headers, timeout); `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and `OTEL_BSP_*` apply as usual.
 *
 * The trace runs client → `StartWorkflow` → `RunWorkflow` → `StartActivity` → `RunActivity` →
 * the HTTP request to the CPP API (undici instrumentation, which also sends `traceparent`).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

/** Service name unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` says otherwise. */
const DEFAULT_SERVICE_NAME = 'cpp-offer-cancellation';

/** Where traces go; `loadWorkerConfig` makes it from the `OTEL_*` variables. */
export interface TracingConfig {
  exporters: Array<'otlp' | 'console'>;
  /** Things worth a warning at start-up (unsupported values that were ignored). */
  warnings: string[];
}

export interface Tracing {
  /** Give to `Worker.create({ plugins })`: client, workflow and activity interceptors plus the workflow span sink. */
  plugin: OpenTelemetryPlugin;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider (async-local context, W3C propagation), instruments undici
 * and builds the Temporal plugin. Call before anything sends an HTTP request.
 */
export function startTracing(config: TracingConfig): Tracing {
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': DEFAULT_SERVICE_NAME }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const exporters: SpanExporter[] = config.exporters.map((name) => (name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
  const processors: SpanProcessor[] = exporters.map((exporter) => new BatchSpanProcessor(exporter));
  // One processor for the workflow sink too, so workflow spans (made in the sandbox) leave the same way.
  const processor: SpanProcessor = processors.length === 1 ? processors[0]! : fanOut(processors);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const undici = new UndiciInstrumentation();
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor: processor });
  return {
    plugin,
    async shutdown() {
      undici.disable();
      await provider.shutdown();
    },
  };
}

function fanOut(processors: SpanProcessor[]): SpanProcessor {
  return {
    onStart: (span, context) => processors.forEach((p) => p.onStart(span, context)),
    onEnd: (span) => processors.forEach((p) => p.onEnd(span)),
    forceFlush: async () => void (await Promise.all(processors.map((p) => p.forceFlush()))),
    shutdown: async () => void (await Promise.all(processors.map((p) => p.shutdown()))),
  };
}
