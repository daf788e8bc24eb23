/**
 * OpenTelemetry tracing, off unless the standard environment asks for it:
 * `OTEL_TRACES_EXPORTER=otlp` (or `console`), or an `OTEL_EXPORTER_OTLP_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` with `OTEL_TRACES_EXPORTER` unset. `OTEL_SDK_DISABLED=true`
 * and `OTEL_TRACES_EXPORTER=none` turn it off. The exporter is OTLP over HTTP with JSON bodies and
 * reads its own variables (endpoint, headers, timeout); `OTEL_SERVICE_NAME`,
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
export const DEFAULT_SERVICE_NAME = 'cpp-offer-cancellation';

export interface TracingConfig {
  exporters: Array<'otlp' | 'console'>;
  /** Things worth a warning at start-up (unsupported values that were ignored). */
  warnings: string[];
}

const truthy = (v: string | undefined) => v !== undefined && ['true', '1'].includes(v.trim().toLowerCase());

/** Reads the standard `OTEL_*` variables; `undefined` means tracing is off. */
export function tracingConfigFromEnv(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  if (truthy(env.OTEL_SDK_DISABLED)) return undefined;
  const warnings: string[] = [];
  const requested = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const endpointSet = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  const names = requested.length > 0 ? requested : endpointSet ? ['otlp'] : [];
  const exporters: TracingConfig['exporters'] = [];
  for (const name of names) {
    if (name === 'none') return undefined;
    if (name === 'otlp' || name === 'console') exporters.push(name);
    else warnings.push(`OTEL_TRACES_EXPORTER: "${name}" is not supported (otlp, console, none); ignored`);
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (exporters.includes('otlp') && protocol && protocol.trim() !== 'http/json') {
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; traces are sent as http/json`);
  }
  return exporters.length > 0 ? { exporters: [...new Set(exporters)], warnings } : undefined;
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
