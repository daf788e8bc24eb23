/**
 * The Node flags the worker is started with: `npm run worker`, the Dockerfile (as NODE_OPTIONS, so a
 * deployment can override it) and the benchmark, which measures what ships. test/worker-node-flags
 * keeps the three in step.
 *
 * A 256 MiB old space per isolate (the main thread runs activities, one worker thread runs every
 * workflow) makes V8 collect before garbage piles up under load: with 1,000 cancellations polling,
 * peak RSS 339 vs 440 MiB (bench/memory-diagnosis.ts). The live heaps are far below it: at most 75 MiB on
 * the main thread and 79 MiB on the workflow thread with 1,000 runs cached (DIAG_LIVE_HEAP=1). Raise it with a much
 * larger WORKER_MAX_CACHED_WORKFLOWS.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=256'] as const;
