/**
 * The worker: polls the task queue, runs the cancellation workflow and its activities.
 *
 * Run with `npm run worker`. Configuration comes from the environment (README, docs/operations.md); it is
 * read and validated once here, never inside an activity. Operability (docs/operations.md): JSON logs
 * on stdout, Prometheus metrics on `METRICS_ADDRESS`, `/livez` and `/readyz` on `HEALTH_ADDRESS`,
 * OpenTelemetry traces from the standard `OTEL_*` variables, and a graceful drain on SIGTERM.
 */
import path from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { offerCancellationHandler } from './nexus/handler';
import { createCancellationActivities } from './activities/cancellation';
import { describeTemporal, loadWorkerConfig, type WorkerConfig } from './config';
import { CppHttpClient } from './cpp/client';
import { createTokenProvider, type TokenProvider } from './cpp/token-provider';
import type { CppRequestEvent } from './cpp/types';
import { startHealthServer, type HealthServer } from './observability/health';
import { createLogger } from './observability/logging';
import { cppRequestRecorder, prometheusExporter } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';
import { temporalConnectionError, temporalConnectionOptions } from './temporal-connection';
import { WORKFLOW_BUNDLE_OPTIONS } from './workflow-bundle';
import { checkNamespaceReady } from './namespace-setup';

export interface CancellationWorker {
  worker: Worker;
  /** Runs until `shutdown()` or a signal; closes the connection and the HTTP client afterwards. */
  run(): Promise<void>;
  shutdown(): void;
}

export interface CreateWorkerOptions {
  config: WorkerConfig;
  tokenProvider: TokenProvider;
  /** Extra Worker options (tests, benchmark tuning, tracing plugins). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Workflow code: a prebuilt bundle when given (fast start), else bundled now from source. */
function workflowSource(config: WorkerConfig): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (config.workflowBundlePath) return { workflowBundle: { codePath: config.workflowBundlePath } };
  return { workflowsPath: path.join(__dirname, 'workflows'), bundlerOptions: WORKFLOW_BUNDLE_OPTIONS };
}

/** The client's `onRequest` hook: `cpp_http_requests` metrics tagged with the worker's namespace and task queue, DEBUG logs. */
function requestRecorder(config: WorkerConfig): (event: CppRequestEvent) => void {
  const runtime = Runtime.instance();
  const meter = runtime.metricMeter.withTags({ namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue });
  return cppRequestRecorder(meter, runtime.logger);
}

/** Connects to Temporal and creates the worker with real activities over one shared HTTP client. */
export async function createCancellationWorker(options: CreateWorkerOptions): Promise<CancellationWorker> {
  const { config } = options;
  const client = new CppHttpClient({
    baseUrl: config.cpp.baseUrl,
    apiVersion: config.cpp.apiVersion,
    tokenProvider: options.tokenProvider,
    onRequest: requestRecorder(config),
  });
  const connection = await NativeConnection.connect(await temporalConnectionOptions(config.temporal)).catch(async (err: unknown) => {
    await client.close();
    throw temporalConnectionError(config.temporal.address, err);
  });
  try {
    // A namespace without our search attributes would fail every run's workflow task in a loop: refuse it before polling.
    const { address, namespace, taskQueue, nexusEndpoint } = config.temporal;
    for (const note of await checkNamespaceReady(connection, { address, namespace, taskQueue, name: nexusEndpoint })) {
      Runtime.instance().logger[note.level](note.message, { sdkComponent: 'worker' });
    }
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...workflowSource(config),
      activities: createCancellationActivities({ client }),
      // Other namespaces call the cancellation through the Nexus endpoint `offer-cancellation`.
      nexusServices: [offerCancellationHandler],
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxCachedWorkflows: config.maxCachedWorkflows,
      // On SIGTERM/SIGINT (Runtime shutdownSignals) the worker stops polling and in-flight
      // activities get this long to finish before they are cancelled.
      shutdownGraceTime: `${config.shutdownGraceSeconds} seconds`,
      ...options.workerOptions,
    });
    return {
      worker,
      async run() {
        try {
          await worker.run();
        } finally {
          await connection.close();
          await client.close();
        }
      },
      shutdown: () => worker.shutdown(),
    };
  } catch (err) {
    await connection.close();
    await client.close();
    throw err;
  }
}

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

if (require.main === module) {
  main().then(
    // The Runtime's native threads (metrics server, Core) would keep the process alive.
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
