/**
 * The cluster test's workers: WORKERS processes of the product's worker (`src/worker.ts`, the shipped
 * Node flags, a prebuilt bundle) on the cluster and the simulator, connecting with the client
 * certificate through the documented TEMPORAL_TLS_* variables, and their metrics scraped every second
 * while the load runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnWorkerProcess, type WorkerProcess } from '../../harness/worker-process';
import { waitUntilHealthy } from '../../harness/worker-readiness';
import { WORKER_NODE_FLAGS } from '../../src/worker-process/node-flags';
import { buildWorkflowBundle } from '../../src/worker-process/workflow-bundle';
import { sleep, type PortAllocator } from './processes';
import { DATA_DIR, LOG_DIR, log, NAMESPACE, onTeardown, remaining, TASK_QUEUE, WORKERS } from './run-context';
import type { ClusterTls } from './tls';
import { NO_COUNTS, scrapeWorker, type WorkerCounts } from './worker-metrics';

export interface ClusterWorker {
  name: string;
  process: WorkerProcess;
  health: string;
  metrics: string;
  counts: WorkerCounts;
  killedAt?: number;
}

/** Where the workers connect: Temporal (with its TLS settings) and CPP (the simulator). */
export interface WorkerTarget {
  temporalAddress: string;
  tls: ClusterTls;
  cppBaseUrl: string;
  token: string;
}

/** A worker process's whole environment; `tls` is the TEMPORAL_TLS_* part (the cluster's client certificate by default). */
export function workerEnv(target: WorkerTarget, extra: Record<string, string>, tls = target.tls.workerEnv()): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: target.temporalAddress,
    ...tls,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    CPP_BASE_URL: target.cppBaseUrl,
    CPP_ACCESS_TOKEN: target.token,
    LOG_LEVEL: 'WARN',
    ...extra,
  };
}

/** Starts the workers and waits until each polls (its `/readyz`). */
export async function startWorkers(target: WorkerTarget, ports: PortAllocator): Promise<ClusterWorker[]> {
  const bundle = await buildWorkflowBundle({ outFile: path.join(DATA_DIR, 'workflow-bundle.js') });
  const workers: ClusterWorker[] = [];
  for (let i = 1; i <= WORKERS; i++) {
    const health = `127.0.0.1:${await ports.next()}`;
    const metrics = `127.0.0.1:${await ports.next()}`;
    const proc = spawnWorkerProcess({
      nodeFlags: WORKER_NODE_FLAGS,
      env: workerEnv(target, { WORKFLOW_BUNDLE_PATH: bundle.outFile, HEALTH_ADDRESS: health, METRICS_ADDRESS: metrics }),
    });
    const worker: ClusterWorker = { name: `worker-${i}`, process: proc, health, metrics, counts: NO_COUNTS };
    workers.push(worker);
    onTeardown(async () => {
      await proc.stop('SIGTERM', 20_000);
      writeFileSync(path.join(LOG_DIR, `${worker.name}.log`), proc.lines.join('\n'));
    });
  }
  await Promise.all(workers.map((w) => waitUntilHealthy(w.process, w.health, Math.min(remaining(), 180_000)).then(() => log(`${w.name} ready (pid ${w.process.pid})`))));
  return workers;
}

/** Scrapes every live worker's metrics each second until `stop()`, which takes a last reading. */
export function monitorWorkers(workers: ClusterWorker[]): { stop(): Promise<void> } {
  let monitoring = true;
  const scrapeLive = () =>
    Promise.all(
      workers.filter((w) => w.killedAt === undefined).map(async (w) => {
        w.counts = await scrapeWorker(w.metrics).catch(() => w.counts);
      }),
    );
  const loop = (async () => {
    while (monitoring) {
      await scrapeLive();
      await sleep(1_000);
    }
  })();
  return {
    async stop() {
      monitoring = false;
      await loop;
      await scrapeLive();
    },
  };
}
