/**
 * Where the worker's memory goes with many cancellations polling: RSS idle vs busy, and each
 * thread's V8 heap (the main thread runs activities, a worker thread runs every workflow).
 *
 *   npx tsx bench/memory-diagnosis.ts             1,000 polling, heap as V8 lets it grow
 *   DIAG_N=200 DIAG_LIVE_HEAP=1 npx tsx …         GC before each sample: the live heap only
 *
 * The worker inherits the environment, so WORKER_MAX_CACHED_WORKFLOWS etc. compare settings.
 * A diagnosis aid beside `npm run bench`, whose P3 figure is the one reported.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startSimulator } from '../src/simulator/server';
import { startDevServer } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import { freshOffer, peakRssMiB, round, startCancel, startPollingLoad, workflowThroughput } from './measure';
import { startWorkerProcess } from './worker-process';

const N = Number(process.env.DIAG_N ?? 1000);
const TOKEN = 'diag-token';

interface Sample {
  thread: string;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
}

async function main(): Promise<void> {
  const cacheDir = path.join(PROJECT_ROOT, 'bench', '.cache');
  const server = await startDevServer({ logFile: path.join(cacheDir, 'diagnosis-temporal.log') });
  const simulator = await startSimulator({ port: 0, tokens: [TOKEN], maxLoggedRequests: 500_000 });
  const { outFile: bundlePath } = await buildWorkflowBundle({ outFile: path.join(cacheDir, 'diagnosis-bundle.js') });
  const samplesFile = path.join(cacheDir, 'heap-samples.jsonl');
  await rm(samplesFile, { force: true });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = `diagnosis-${Date.now()}`;
  const sampler = `--require ${path.join(PROJECT_ROOT, 'bench', 'heap-sampler.cjs')}${process.env.DIAG_LIVE_HEAP ? ' --expose-gc' : ''}`;
  const worker = await startWorkerProcess({
    TEMPORAL_ADDRESS: server.address,
    CPP_BASE_URL: simulator.url,
    CPP_ACCESS_TOKEN: TOKEN,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    TEMPORAL_TASK_QUEUE: taskQueue,
    HEAP_SAMPLER_FILE: samplesFile,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${sampler}`.trim(),
  });
  try {
    await workflowThroughput(50, 25, () => startCancel(client, taskQueue, freshOffer('warm')));
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssMiB = await worker.rssMiB();
    const busySince = Date.now();
    const load = await startPollingLoad(client, simulator, taskQueue, N, 50);
    const peak = await peakRssMiB(worker, 30);
    const lines = (await readFile(samplesFile, 'utf8')).trim().split('\n');
    const busy = lines.map((l) => JSON.parse(l) as Sample & { t: number }).filter((s) => s.t >= busySince);
    const threads = [...new Set(busy.map((s) => s.thread))].map((thread) => {
      const mine = busy.filter((s) => s.thread === thread);
      return { thread, maxHeapUsedMiB: round(Math.max(...mine.map((s) => s.heapUsedMiB))), maxHeapTotalMiB: round(Math.max(...mine.map((s) => s.heapTotalMiB))) };
    });
    console.log(JSON.stringify({ ...load, idleRssMiB: round(idleRssMiB), peakRssMiB: round(peak), ratio: round(peak / idleRssMiB, 2), liveHeap: Boolean(process.env.DIAG_LIVE_HEAP), threads }, null, 2));
  } finally {
    await worker.stop();
    await connection.close();
    await simulator.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
