/**
 * What every benchmark script runs against: a fresh dev server, the simulator, a prebuilt workflow
 * bundle and a client, started once and always torn down.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../src/simulator/server';
import { freePort, startDevServer, type RunningDevServer } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { WORKER_NODE_FLAGS } from '../src/worker-node-flags';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';
import { waitUntilHealthy } from '../harness/worker-readiness';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';

export const BENCH_TOKEN = 'bench-token';
export const BENCH_CACHE_DIR = path.join(PROJECT_ROOT, 'bench', '.cache');

export interface BenchStack {
  server: RunningDevServer;
  simulator: RunningSimulator;
  client: Client;
  /** The environment a worker process needs to use this stack (add TEMPORAL_TASK_QUEUE). */
  workerEnv: Record<string, string>;
}

/** Starts the stack (logs and bundle under bench/.cache, named after `name`), runs `fn`, tears it down. */
export async function withBenchStack<T>(name: string, fn: (stack: BenchStack) => Promise<T>, options: { maxLoggedRequests?: number } = {}): Promise<T> {
  const server = await startDevServer({ logFile: path.join(BENCH_CACHE_DIR, `${name}-temporal.log`) });
  try {
    const simulator = await startSimulator({ port: 0, tokens: [BENCH_TOKEN], maxLoggedRequests: options.maxLoggedRequests });
    try {
      const { outFile } = await buildWorkflowBundle({ outFile: path.join(BENCH_CACHE_DIR, `${name}-workflow-bundle.js`) });
      const connection = await Connection.connect({ address: server.address });
      try {
        const workerEnv = { TEMPORAL_ADDRESS: server.address, CPP_BASE_URL: simulator.url, CPP_ACCESS_TOKEN: BENCH_TOKEN, WORKFLOW_BUNDLE_PATH: outFile };
        return await fn({ server, simulator, client: new Client({ connection }), workerEnv });
      } finally {
        await connection.close();
      }
    } finally {
      await simulator.close();
    }
  } finally {
    await server.stop();
  }
}

/** BENCH_WORKER_NODE_FLAGS adds Node flags to the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/**
 * Starts `src/worker.ts` as its own process (so its RSS and CPU are its own, not the driver's) with
 * the shipped Node flags, on the stack (plus `env`), and waits until its /readyz says it runs. It
 * inherits this process's environment, so worker settings (WORKER_*) can be compared from outside.
 */
async function startBenchWorker(stack: BenchStack, taskQueue: string, env: Record<string, string>): Promise<WorkerProcess> {
  const healthAddress = `127.0.0.1:${await freePort()}`;
  const worker = spawnWorkerProcess({
    env: { ...process.env, LOG_LEVEL: 'WARN', HEALTH_ADDRESS: healthAddress, ...stack.workerEnv, TEMPORAL_TASK_QUEUE: taskQueue, ...env },
    nodeFlags: [...WORKER_NODE_FLAGS, ...extraNodeFlags()],
  });
  try {
    await waitUntilHealthy(worker, healthAddress, 60_000);
    return worker;
  } catch (err) {
    await worker.stop();
    throw err;
  }
}

/** Runs `fn` with a worker process on `taskQueue` of the stack (plus `env`), and stops it after. */
export async function withWorker<T>(stack: BenchStack, taskQueue: string, env: Record<string, string>, fn: (worker: WorkerProcess) => Promise<T>): Promise<T> {
  const worker = await startBenchWorker(stack, taskQueue, env);
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}
