/** Connects tests to the one dev server started by global-setup and runs real Workers on it. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';

export interface TemporalTestContext {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  namespace: string;
  close(): Promise<void>;
}

/** One client + native connection for a test file; close it in `afterAll`. */
export async function connectToTestServer(): Promise<TemporalTestContext> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace }),
    connection,
    nativeConnection,
    namespace,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A task queue no other test uses, so workers never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Runs `fn` while a real Worker polls a fresh task queue, then shuts the worker down. */
export async function withWorker<T>(
  ctx: TemporalTestContext,
  options: Omit<WorkerOptions, 'connection' | 'taskQueue' | 'workflowBundle' | 'workflowsPath'> & { taskQueue?: string },
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const worker = await Worker.create({
    ...options,
    connection: ctx.nativeConnection,
    namespace: ctx.namespace,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  return worker.runUntil(fn(taskQueue));
}
