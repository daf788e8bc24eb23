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
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { freshOffer, peakRssMiB, round, startCancel, startPollingLoad, workflowThroughput } from './measure';
import { BENCH_CACHE_DIR, withBenchStack, withWorker } from './stack';

const N = Number(process.env.DIAG_N ?? 1000);

interface Sample {
  thread: string;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
}

async function main(): Promise<void> {
  await withBenchStack(
    'diagnosis',
    async (stack) => {
      const { client, simulator } = stack;
      const samplesFile = path.join(BENCH_CACHE_DIR, 'heap-samples.jsonl');
      await rm(samplesFile, { force: true });
      const taskQueue = `diagnosis-${Date.now()}`;
      const sampler = `--require ${path.join(PROJECT_ROOT, 'bench', 'heap-sampler.cjs')}${process.env.DIAG_LIVE_HEAP ? ' --expose-gc' : ''}`;
      const env = { HEAP_SAMPLER_FILE: samplesFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${sampler}`.trim() };
      await withWorker(stack, taskQueue, env, async (worker) => {
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
      });
    },
    { maxLoggedRequests: 500_000 },
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
