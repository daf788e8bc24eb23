/**
 * The cancellation worker over one Temporal connection and one CPP HTTP client: the workflows, the
 * activities and the Nexus handler, after checking that the namespace is set up. The worker process
 * (./main.ts), `npm run dev` and a process that starts cancellations eagerly all make it here.
 */
import { readFile } from 'node:fs/promises';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createCancellationActivities } from '../activities/cancellation';
import { createIngestionActivities } from '../activities/ingestion';
import { IngestionHttpClient } from '../ingestion/client';
import { ingestionTokenProvider } from '../ingestion/tokens';
import { checkNamespaceReady } from '../client/namespace-setup';
import { temporalConnectionError, temporalConnectionOptions } from '../client/temporal-connection';
import { CppHttpClient } from '../cpp/client';
import type { TokenProvider } from '../cpp/token-provider';
import type { CppRequestEvent } from '../cpp/types';
import type { WorkerConfig } from './config';
import { offerCancellationHandler } from './nexus-handler';
import { startInFlightGauge } from './observability/in-flight';
import { cppRequestRecorder, pollLatenessRecorder, tokenRequestRecorder, workerMeter } from './observability/metrics';
import { noteVersionRouting } from './version-routing';
import { workerDeploymentOptions } from './versioning';
import { WORKFLOW_BUNDLE_OPTIONS, WORKFLOWS_PATH } from './workflow-bundle';

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
  /** Told of every HTTP exchange with CPP, besides the metrics (the worker process keeps CPP's health). */
  onCppRequest?: (event: CppRequestEvent) => void;
  /** Where Microsoft Graph tokens come from. @default from `config.ingestion.credentials` */
  ingestionTokenProvider?: TokenProvider;
}

/**
 * Workflow code: a prebuilt bundle when given (fast start), else bundled from source. A versioned
 * worker reads (or bundles) the code here, so that its hash can be the build id.
 */
async function workflowSource(config: WorkerConfig): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions' | 'workerDeploymentOptions'>> {
  if (!config.versioning) {
    if (config.workflowBundlePath) return { workflowBundle: { codePath: config.workflowBundlePath } };
    return { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLE_OPTIONS };
  }
  const code = config.workflowBundlePath
    ? await readFile(config.workflowBundlePath, 'utf8')
    : (await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, workflowsPath: WORKFLOWS_PATH, logger: Runtime.instance().logger })).code;
  return { workflowBundle: { code }, workerDeploymentOptions: workerDeploymentOptions(config.versioning, code) };
}

/** The client's `onRequest` hook: `cpp_http_requests` metrics tagged with the worker's namespace and task queue, DEBUG logs. */
function requestRecorder(config: WorkerConfig): (event: CppRequestEvent) => void {
  return cppRequestRecorder(workerMeter(config.temporal), Runtime.instance().logger);
}

function withListener(recorder: (event: CppRequestEvent) => void, listener: ((event: CppRequestEvent) => void) | undefined): (event: CppRequestEvent) => void {
  return listener ? (event) => (recorder(event), listener(event)) : recorder;
}

/** The two APIs' clients (each with its own base URL, version and token audience), and how to close both. */
function apiClients(options: CreateWorkerOptions) {
  const { config } = options;
  const onRequest = withListener(requestRecorder(config), options.onCppRequest);
  const cpp = new CppHttpClient({ baseUrl: config.cpp.baseUrl, apiVersion: config.cpp.apiVersion, tokenProvider: options.tokenProvider, onRequest });
  const ingestion = new IngestionHttpClient({
    baseUrl: config.ingestion.baseUrl,
    version: config.ingestion.version,
    tokenProvider: options.ingestionTokenProvider ?? ingestionTokenProvider(config.ingestion.credentials, tokenRequestRecorder(workerMeter(config.temporal), 'ingestion')),
    onRequest,
  });
  return { cpp, ingestion, close: () => Promise.all([cpp.close(), ingestion.close()]).then(() => undefined) };
}

/** Connects to Temporal and creates the worker with real activities over one HTTP client per API. */
export async function createCancellationWorker(options: CreateWorkerOptions): Promise<CancellationWorker> {
  const { config } = options;
  const clients = apiClients(options);
  const connection = await NativeConnection.connect(await temporalConnectionOptions(config.temporal)).catch(async (err: unknown) => {
    await clients.close();
    throw temporalConnectionError(config.temporal, err);
  });
  try {
    // A namespace without our search attributes would fail every run's workflow task in a loop: refuse it before polling.
    const { address, addressSource, namespace, taskQueue, nexusEndpoint } = config.temporal;
    for (const note of await checkNamespaceReady(connection, { address, addressSource, namespace, taskQueue, name: nexusEndpoint })) {
      Runtime.instance().logger[note.level](note.message, { sdkComponent: 'worker' });
    }
    const observer = pollLatenessRecorder(workerMeter(config.temporal));
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(await workflowSource(config)),
      activities: { ...createCancellationActivities({ client: clients.cpp, observer }), ...createIngestionActivities({ client: clients.ingestion, observer }) },
      // Other namespaces call the cancellation through the Nexus endpoint `offer-cancellation`.
      nexusServices: [offerCancellationHandler],
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxCachedWorkflows: config.maxCachedWorkflows,
      // On SIGTERM/SIGINT (Runtime shutdownSignals) the worker stops polling and in-flight
      // activities get this long to finish before they are cancelled.
      shutdownGraceTime: `${config.shutdownGraceSeconds} seconds`,
      ...options.workerOptions,
    });
    // Namespace-wide counts are only worth their visibility queries where someone scrapes them.
    const inFlight = config.observability.metricsAddress ? startInFlightGauge(connection, workerMeter(config.temporal), namespace, Runtime.instance().logger) : undefined;
    const version = worker.options.workerDeploymentOptions?.version;
    const routingNote = version ? noteVersionRouting(connection, { namespace, ...version }, Runtime.instance().logger) : undefined;
    return {
      worker,
      async run() {
        try {
          await worker.run();
        } finally {
          inFlight?.stop();
          routingNote?.stop();
          await connection.close();
          await clients.close();
        }
      },
      shutdown: () => worker.shutdown(),
    };
  } catch (err) {
    await connection.close();
    await clients.close();
    throw err;
  }
}
