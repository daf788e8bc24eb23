/**
 * The worker process: polls the task queue, runs the cancellation workflow and its activities.
 *
 * Configuration comes from the environment (README, docs/operations.md); it is read and validated
 * once here, never inside an activity. Operability (docs/operations.md): JSON logs on stdout,
 * Prometheus metrics on `METRICS_ADDRESS`, `/livez` and `/readyz` on `HEALTH_ADDRESS`, OpenTelemetry
 * traces from the standard `OTEL_*` variables, and a graceful drain on SIGTERM.
 */
import { Runtime } from '@temporalio/worker';
import { loadWorkerConfig } from './config';
import { describeTemporal } from '../client/temporal-config';
import { createCancellationWorker } from './create-worker';
import { createTokenProvider } from '../cpp/token-provider';
import { startHealthServer, type HealthServer } from './observability/health';
import { createLogger } from './observability/logging';
import { prometheusExporter } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';

/** Reads the environment once, starts tracing, logs, metrics and health, then runs the worker until a signal drains it. */
async function main(): Promise<void> {
  // The environment is read here, once; a bad value or missing credentials stop the start.
  const config = loadWorkerConfig();
  const { observability } = config;
  const tokenProvider = createTokenProvider(config.cpp.credentials);
  const tracingConfig = observability.tracing;
  // Before the first HTTP request, so undici is instrumented and the context propagates.
  const tracing: Tracing | undefined = tracingConfig ? startTracing(tracingConfig) : undefined;
  const logger = createLogger({ format: observability.logFormat, level: observability.logLevel, secrets: config.secrets });
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: { core: observability.logLevel, other: 'ERROR' }, forward: {} },
      ...(observability.metricsAddress ? { metrics: prometheusExporter(observability.metricsAddress) } : {}),
    },
  });
  for (const warning of tracingConfig?.warnings ?? []) logger.warn(warning, { sdkComponent: 'worker' });
  if (tracing && config.workflowBundlePath) {
    logger.warn('WORKFLOW_BUNDLE_PATH with tracing: workflow spans appear only if the bundle was built with the OpenTelemetry workflow interceptors', {
      sdkComponent: 'worker',
    });
  }

  let cancellationWorker: Awaited<ReturnType<typeof createCancellationWorker>> | undefined;
  let health: HealthServer | undefined;
  try {
    if (observability.healthAddress) {
      health = await startHealthServer(observability.healthAddress, () => cancellationWorker?.worker.getState() ?? 'STARTING');
    }
    cancellationWorker = await createCancellationWorker({ config, tokenProvider, workerOptions: tracing ? { plugins: [tracing.plugin] } : {} });
    logger.info('worker ready', {
      sdkComponent: 'worker',
      temporal: describeTemporal(config.temporal),
      cpp: config.cpp.baseUrl,
      credentials: tokenProvider.description,
      metrics: observability.metricsAddress ? `http://${observability.metricsAddress}/metrics` : 'off',
      health: health?.url ?? 'off',
      tracing: tracingConfig ? tracingConfig.exporters.join(',') : 'off',
      shutdownGraceSeconds: config.shutdownGraceSeconds,
    });
    // The Runtime's SIGINT/SIGTERM handler stops polling and drains in-flight tasks; run() then returns.
    await cancellationWorker.run();
    logger.info('worker stopped', { sdkComponent: 'worker', state: cancellationWorker.worker.getState() });
  } finally {
    await health?.close();
    await tracing?.shutdown();
  }
}

/** Runs the worker process and exits with its outcome: 0 after a drain, 1 with one line on stderr. */
export function runWorkerProcess(): void {
  main().then(
    // The Runtime's native threads (metrics server, Core) would keep the process alive.
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
