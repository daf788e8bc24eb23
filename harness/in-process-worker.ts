/**
 * A Temporal worker in the calling process, for tests and scripts that drive it directly: the real
 * cancellation activities over the real HTTP client, talking to the stack's simulator.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createCancellationActivities } from '../src/activities/cancellation';
import { createIngestionActivities } from '../src/activities/ingestion';
import { IngestionHttpClient } from '../src/ingestion/client';
import { CppHttpClient, type CppHttpClientOptions } from '../src/cpp/client';
import type { TokenProvider } from '../src/cpp/token-provider';
import { offerCancellationHandler } from '../src/worker-process/nexus-handler';
import type { StackParts } from './stack';

/** What the stack runs in process: the SDK worker, and a `run()` that releases what it holds once the worker stops. */
export interface RunnableWorker {
  worker: Worker;
  run(): Promise<void>;
  shutdown(): void;
}

/** The worker {@link cancellationWorker} makes, with its HTTP client and Temporal connection. */
export interface InProcessWorker extends RunnableWorker {
  cppClient: CppHttpClient;
  connection: NativeConnection;
}

/** Options of {@link cancellationWorker}. */
export interface CancellationWorkerOptions {
  taskQueue: string;
  /** Where the HTTP clients get their tokens. */
  tokenProvider: TokenProvider;
  /** Where the Product Ingestion client gets its tokens. @default tokenProvider */
  ingestionTokenProvider?: TokenProvider;
  /** E.g. short header/body timeouts for fault tests. */
  cppClientOptions?: Partial<Omit<CppHttpClientOptions, 'baseUrl' | 'tokenProvider'>>;
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * The `worker` of a stack (see {@link startStack}): SDK defaults but for `workerOptions`, the stack's
 * workflow bundle, the cancellation activities over one HTTP client to the stack's simulator.
 */
export function cancellationWorker(options: CancellationWorkerOptions): (parts: StackParts) => Promise<InProcessWorker> {
  return async ({ temporal, simulator, workflowBundlePath }) => {
    if (!simulator || workflowBundlePath === undefined) throw new Error('cancellationWorker needs the stack to have a simulator and a workflow bundle');
    const connection = await NativeConnection.connect({ address: temporal.address });
    const cppClient = new CppHttpClient({ ...options.cppClientOptions, baseUrl: simulator.url, tokenProvider: options.tokenProvider });
    // The simulator serves the Product Ingestion API too, under its base path; the same token opens both here.
    const ingestionClient = new IngestionHttpClient({ ...options.cppClientOptions, baseUrl: `${simulator.url}/rp/product-ingestion`, tokenProvider: options.ingestionTokenProvider ?? options.tokenProvider });
    const release = async () => {
      await connection.close();
      await cppClient.close();
      await ingestionClient.close();
    };
    const worker = await Worker.create({
      ...options.workerOptions,
      connection,
      namespace: temporal.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: { codePath: workflowBundlePath },
      activities: { ...createCancellationActivities({ client: cppClient }), ...createIngestionActivities({ client: ingestionClient }) },
      nexusServices: [offerCancellationHandler],
    }).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    return {
      worker,
      cppClient,
      connection,
      run: () => worker.run().finally(release),
      shutdown: () => worker.shutdown(),
    };
  };
}
