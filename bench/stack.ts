/**
 * What every benchmark script runs against: the harness's stack (a fresh dev server, the simulator,
 * a prebuilt workflow bundle and a client, started once and always torn down), and the worker under
 * measurement as its own process.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { RunningSimulator } from '../simulator/server';
import { freePort, type RunningDevServer } from '../temporal-cli/dev-server';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { WORKER_NODE_FLAGS } from '../src/worker-process/node-flags';
import { withStack } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';
import { waitUntilHealthy } from '../harness/worker-readiness';

/** The token the bench's simulator accepts and its workers send. */
export const BENCH_TOKEN = 'bench-token';
/** Where the bench keeps server logs, bundles and samples (git-ignored). */
export const BENCH_CACHE_DIR = path.join(PROJECT_ROOT, 'bench', '.cache');
/** The production workflows plus the baseline, whose activities {@link BENCH_ACTIVITIES_PRELOAD} registers. */
const BENCH_WORKFLOWS = path.join(PROJECT_ROOT, 'bench', 'workflows', 'index.ts');
const BENCH_ACTIVITIES_PRELOAD = path.join(PROJECT_ROOT, 'bench', 'register-bench-activities.mjs');

/** What a bench script measures against (see {@link withBenchStack}). */
export interface BenchStack {
  /** Its own dev server, whose CPU time cost-breakdown reads. */
  server: RunningDevServer;
  simulator: RunningSimulator;
  client: Client;
  /** The environment a worker process needs to use this stack (add TEMPORAL_TASK_QUEUE). */
  workerEnv: Record<string, string>;
}

/** Starts the stack (logs and bundle under bench/.cache, named after `name`), runs `fn`, tears it down. */
export async function withBenchStack<T>(name: string, fn: (stack: BenchStack) => Promise<T>, options: { maxLoggedRequests?: number } = {}): Promise<T> {
  const parts = {
    // Metrics on: the heartbeat count (bench/heartbeats.ts) reads the server's request counters.
    temporal: { logFile: path.join(BENCH_CACHE_DIR, `${name}-temporal.log`), metricsPort: 0 },
    simulator: { port: 0, tokens: [BENCH_TOKEN], maxLoggedRequests: options.maxLoggedRequests },
    workflowBundle: { workflowsPath: BENCH_WORKFLOWS, outFile: path.join(BENCH_CACHE_DIR, `${name}-workflow-bundle.js`) },
    client: true as const,
  };
  return withStack(parts, ({ devServer, simulator, client, temporal, workflowBundlePath }) => {
    const workerEnv = { TEMPORAL_ADDRESS: temporal.address, CPP_BASE_URL: simulator.url, CPP_ACCESS_TOKEN: BENCH_TOKEN, WORKFLOW_BUNDLE_PATH: workflowBundlePath };
    return fn({ server: devServer, simulator, client, workerEnv });
  });
}

/** BENCH_WORKER_NODE_FLAGS adds Node flags to the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/**
 * Starts `src/worker.ts` as its own process (so its RSS and CPU are its own, not the driver's) with
 * the shipped Node flags and the baseline's activity, on the stack (plus `env`), and waits until its
 * /readyz says it runs. It inherits this process's environment, so worker settings (WORKER_*) can
 * be compared from outside.
 */
async function startBenchWorker(stack: BenchStack, taskQueue: string, env: Record<string, string>): Promise<WorkerProcess> {
  const healthAddress = `127.0.0.1:${await freePort()}`;
  const worker = spawnWorkerProcess({
    env: { ...process.env, LOG_LEVEL: 'WARN', HEALTH_ADDRESS: healthAddress, ...stack.workerEnv, TEMPORAL_TASK_QUEUE: taskQueue, ...env },
    nodeFlags: [...WORKER_NODE_FLAGS, ...extraNodeFlags()],
    preloads: [BENCH_ACTIVITIES_PRELOAD],
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
