/**
 * The worker process: polls the task queue, runs the cancellation workflow and its activities.
 *
 * Configuration comes from the environment (README, docs/operations.md); it is read and validated
 * once here, never inside an activity. Operability (docs/operations.md): JSON logs on stdout,
 * Prometheus metrics on `METRICS_ADDRESS`, `/livez` and `/readyz` on `HEALTH_ADDRESS`, OpenTelemetry
 * traces from the standard `OTEL_*` variables, and a graceful drain on SIGTERM.
 */
import { Runtime, type DefaultLogger } from '@temporalio/worker';
import { describeTemporal } from '../client/temporal-config';
import { createTokenProvider } from '../cpp/token-provider';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { CppHealth } from './cpp-health';
import { createCancellationWorker, type CancellationWorker } from './create-worker';
import { startHealthServer, type HealthServer } from './observability/health';
import { createLogger } from './observability/logging';
import { prometheusExporter, recordWorkerStart, tokenRequestRecorder, workerMeter } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';

/** The Runtime with our logger, the metrics exporter and the signals that drain the worker; returns the logger. */
function installRuntime(config: WorkerConfig): DefaultLogger {
  const { observability } = config;
  const logger = createLogger({ format: observability.logFormat, level: observability.logLevel, secrets: config.secrets });
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: { core: observability.logLevel, other: 'ERROR' }, forward: {} },
      ...(observability.metricsAddress ? { metrics: prometheusExporter(observability.metricsAddress) } : {}),
    },
  });
  for (const warning of observability.tracing?.warnings ?? []) logger.warn(warning, { sdkComponent: 'worker' });
  if (observability.tracing && config.workflowBundlePath) {
    logger.warn('WORKFLOW_BUNDLE_PATH with tracing: workflow spans appear only if the bundle was built with the OpenTelemetry workflow interceptors', {
      sdkComponent: 'worker',
    });
  }
  return logger;
}

/** `deployment:buildId, every workflow pinned`, or `off` for an unversioned worker. */
function describeVersion(version: { deploymentName: string; buildId: string } | undefined): string {
  return version ? `${version.deploymentName}:${version.buildId}, workflows pinned, upgrade on continue-as-new` : 'off';
}

/** Reads the environment once, starts tracing, logs, metrics and health, then runs the worker until a signal drains it. */
async function main(): Promise<void> {
  // The environment is read here, once; a bad value or missing credentials stop the start.
  // Without TEMPORAL_ADDRESS, the ports of an npm run dev running in this checkout (as the CLI does).
  const config = loadWorkerConfig(process.env, { devStack: true });
  const { observability } = config;
  // Before the first HTTP request, so undici is instrumented and the context propagates.
  const tracing: Tracing | undefined = observability.tracing ? startTracing(observability.tracing) : undefined;
  const logger = installRuntime(config);
  recordWorkerStart(workerMeter(config.temporal));
  const tokenProvider = createTokenProvider(config.cpp.credentials, undefined, tokenRequestRecorder(workerMeter(config.temporal), 'cpp'));
  const cpp = new CppHealth(config.cpp.baseUrl);
  let cancellationWorker: CancellationWorker | undefined;
  let health: HealthServer | undefined;
  try {
    if (observability.healthAddress) {
      health = await startHealthServer(observability.healthAddress, () => cancellationWorker?.worker.getState() ?? 'STARTING', () => ({ cpp: cpp.view() }));
    }
    cancellationWorker = await createCancellationWorker({ config, tokenProvider, workerOptions: tracing ? { plugins: [tracing.plugin] } : {}, onCppRequest: (e) => cpp.record(e) });
    logger.info('worker ready', {
      sdkComponent: 'worker',
      temporal: describeTemporal(config.temporal),
      cpp: config.cpp.baseUrl,
      credentials: tokenProvider.description,
      metrics: observability.metricsAddress ? `http://${observability.metricsAddress}/metrics` : 'off',
      health: health?.url ?? 'off',
      tracing: observability.tracing ? observability.tracing.exporters.join(',') : 'off',
      shutdownGraceSeconds: config.shutdownGraceSeconds,
      versioning: describeVersion(cancellationWorker.worker.options.workerDeploymentOptions?.version),
    });
    // Said once, in one line, while the worker polls on: CPP may come back, and the runs retry until it does.
    void cpp.check(tokenProvider).then((problem) => problem && logger.warn(problem, { sdkComponent: 'worker', cpp: cpp.view() }));
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
