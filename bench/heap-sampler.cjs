/**
 * Preloaded into the worker by bench/memory-diagnosis.ts (`NODE_OPTIONS=--require …`): every 2 s each
 * thread (main, and the SDK's workflow thread) appends its own V8 heap figures to HEAP_SAMPLER_FILE, so
 * RSS can be split between the activity side and the workflow side. With --expose-gc it collects
 * first, so the figures are the live heap, not garbage waiting for a GC.
 */
const fs = require('node:fs');
const { isMainThread, threadId } = require('node:worker_threads');

const file = process.env.HEAP_SAMPLER_FILE;
if (file) {
  setInterval(() => {
    if (global.gc) global.gc();
    const m = process.memoryUsage();
    const MiB = 2 ** 20;
    const sample = { t: Date.now(), thread: isMainThread ? 'main' : `worker-${threadId}`, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB, heapTotalMiB: m.heapTotal / MiB };
    fs.appendFileSync(file, JSON.stringify(sample) + '\n');
  }, 2000).unref();
}
