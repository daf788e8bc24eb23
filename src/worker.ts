/**
 * The worker: polls the task queue, runs the cancellation workflow and its activities.
 *
 * Run with `npm run worker`. Configuration comes from the environment (see README); it is read
 * and validated once here, never inside an activity.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createCancellationActivities } from './activities/cancellation';
import { createHelloActivities } from './activities/hello';
import { describeTemporal, loadWorkerConfig, type WorkerConfig } from './config';
import { CppHttpClient } from './cpp/client';
import { createTokenProviderFromEnv, type TokenProvider } from './cpp/token-provider';
import type { CppClient } from './cpp/types';
import { temporalConnectionOptions } from './temporal-connection';

export interface CancellationWorker {
  worker: Worker;
  /** Runs until `shutdown()` or a signal; closes the connection and the HTTP client afterwards. */
  run(): Promise<void>;
  shutdown(): void;
}

export interface CreateWorkerOptions {
  config: WorkerConfig;
  tokenProvider: TokenProvider;
  /** Replaces the HTTP client (tests); otherwise one is built from `config.cpp`. */
  cppClient?: CppClient;
  /** Extra Worker options (tests, benchmark tuning). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Workflow code: a prebuilt bundle when given (fast start), else bundled now from source. */
function workflowSource(config: WorkerConfig): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (config.workflowBundlePath) return { workflowBundle: { codePath: config.workflowBundlePath } };
  return { workflowsPath: require.resolve('./workflows') };
}

/** Connects to Temporal and creates the worker with real activities over one shared HTTP client. */
export async function createCancellationWorker(options: CreateWorkerOptions): Promise<CancellationWorker> {
  const { config } = options;
  const client = options.cppClient ?? new CppHttpClient({ baseUrl: config.cpp.baseUrl, apiVersion: config.cpp.apiVersion, tokenProvider: options.tokenProvider });
  const connection = await NativeConnection.connect(await temporalConnectionOptions(config.temporal));
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...workflowSource(config),
      activities: { ...createCancellationActivities({ client }), ...createHelloActivities() },
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxCachedWorkflows: config.maxCachedWorkflows,
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
  const config = loadWorkerConfig();
  const tokenProvider = createTokenProviderFromEnv(process.env);
  const cancellationWorker = await createCancellationWorker({ config, tokenProvider });
  // The SDK installs SIGINT/SIGTERM handlers that stop polling and drain in-flight tasks.
  console.log(`worker ready: ${describeTemporal(config.temporal)}; CPP ${config.cpp.baseUrl} (${tokenProvider.description})`);
  await cancellationWorker.run();
  console.log(`worker stopped (state ${cancellationWorker.worker.getState()})`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
