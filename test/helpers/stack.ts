/**
 * The product as tests use it: the CPP simulator over real HTTP, the real HTTP client, and a
 * real Worker with the real activities on the shared Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { createCancellationActivities } from '../../src/activities/cancellation';
import { createHelloActivities } from '../../src/activities/hello';
import { CppHttpClient, type CppHttpClientOptions } from '../../src/cpp/client';
import { StaticTokenProvider, type TokenProvider } from '../../src/cpp/token-provider';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './temporal';

/** A recognisable token, so history and log scans can prove it never leaks. */
export const TEST_TOKEN = `sim-token-SECRET-${randomUUID()}`;

export interface TestStack extends TemporalTestContext {
  simulator: RunningSimulator;
  cppClient: CppHttpClient;
  taskQueue: string;
  worker: Worker;
  /** A fresh offer id, so tests never share simulator state. */
  offerId(prefix?: string): string;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** The bearer token the simulator accepts and the client sends. @default TEST_TOKEN */
  token?: string;
  /** @default 'cancel' */
  taskQueuePrefix?: string;
  /** E.g. short header/body timeouts for fault tests. */
  cppClientOptions?: Partial<Omit<CppHttpClientOptions, 'baseUrl' | 'tokenProvider'>>;
  /** Where the worker's client gets its tokens (e.g. one the simulator refuses). @default a static `token` */
  tokenProvider?: TokenProvider;
  workerOptions?: Partial<WorkerOptions>;
}

/** Starts simulator + client + worker; the worker runs until `stop()`. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const token = options.token ?? TEST_TOKEN;
  const ctx = await connectToTestServer();
  const simulator = await startSimulator({ port: 0, tokens: [token] });
  const cppClient = new CppHttpClient({ ...options.cppClientOptions, baseUrl: simulator.url, tokenProvider: options.tokenProvider ?? new StaticTokenProvider(token) });
  const taskQueue = uniqueTaskQueue(options.taskQueuePrefix ?? 'cancel');
  const worker = await Worker.create({
    ...options.workerOptions,
    connection: ctx.nativeConnection,
    namespace: ctx.namespace,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...createCancellationActivities({ client: cppClient }), ...createHelloActivities() },
  });
  const running = worker.run();
  return {
    ...ctx,
    simulator,
    cppClient,
    taskQueue,
    worker,
    offerId: (prefix = 'offer') => `${prefix}-${randomUUID().slice(0, 8)}`,
    async stop() {
      worker.shutdown();
      await running;
      await cppClient.close();
      await simulator.close();
      await ctx.close();
    },
  };
}
