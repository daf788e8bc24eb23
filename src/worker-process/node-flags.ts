/**
 * The Node flags the worker is started with: `npm run worker`, the Dockerfile (as NODE_OPTIONS, so a
 * deployment can override it) and the benchmark, which measures what ships. This constant is their
 * one source: package.json and the Dockerfile cannot import it, so test/worker-node-flags checks
 * that their text is built from it.
 *
 * A capped old space per isolate (the main thread runs activities, one worker thread runs every
 * workflow) makes V8 collect before garbage piles up under load, so RSS stays near the live heap,
 * which is well below the cap (the measurements are in docs/benchmark.md). Raise it with a
 * much larger WORKER_MAX_CACHED_WORKFLOWS.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=256'] as const;
