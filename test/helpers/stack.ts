/**
 * The product as tests use it (the harness's stack): the CPP simulator over real HTTP, the real
 * HTTP client, and a real Worker with the real activities on the shared Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import type { CppHttpClient, CppHttpClientOptions } from '../../src/cpp/client';
import { StaticTokenProvider, type TokenProvider } from '../../src/cpp/token-provider';
import type { RunningSimulator } from '../../simulator/server';
import { cancellationWorker } from '../../harness/in-process-worker';
import { startStack } from '../../harness/stack';
import { uniqueTaskQueue, type TemporalTestContext } from './temporal';

/** A recognisable token, so history and log scans can prove it never leaks. */
export const TEST_TOKEN = `sim-token-SECRET-${randomUUID()}`;

/** A running test stack: the test context plus the simulator, the worker and its HTTP client. */
export interface TestStack extends TemporalTestContext {
  simulator: RunningSimulator;
  cppClient: CppHttpClient;
  taskQueue: string;
  worker: Worker;
  /** A fresh offer id, so tests never share simulator state. */
  offerId(prefix?: string): string;
  stop(): Promise<void>;
}

/** Options of {@link startTestStack}. */
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
  const taskQueue = uniqueTaskQueue(options.taskQueuePrefix ?? 'cancel');
  const stack = await startStack({
    temporal: { address: inject('temporalAddress'), namespace: inject('temporalNamespace') },
    simulator: { port: 0, tokens: [token] },
    workflowBundle: { codePath: inject('workflowBundlePath') },
    client: true,
    worker: cancellationWorker({
      taskQueue,
      tokenProvider: options.tokenProvider ?? new StaticTokenProvider(token),
      cppClientOptions: options.cppClientOptions,
      workerOptions: options.workerOptions,
    }),
  });
  const stop = () => stack.stop();
  // Closing the context stops the whole stack: its connections belong to the stack's parts.
  return {
    client: stack.client,
    connection: stack.connection,
    nativeConnection: stack.worker.connection,
    namespace: stack.temporal.namespace,
    close: stop,
    simulator: stack.simulator,
    cppClient: stack.worker.cppClient,
    taskQueue,
    worker: stack.worker.worker,
    offerId: (prefix = 'offer') => `${prefix}-${randomUUID().slice(0, 8)}`,
    stop,
  };
}
