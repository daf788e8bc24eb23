/**
 * Preloaded into the bench's worker process (bench/stack.ts): the shipped entry point, src/worker.ts,
 * runs unchanged, and this adds the baseline workflow's activity (bench/activities/hello.ts) to what
 * it registers, so one worker runs both kinds the benchmark compares. Production never loads it.
 *
 * Plain JavaScript, and only on the main thread: the SDK's workflow thread inherits the preloads but
 * not tsx's loader, and registers no activities.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const { Worker } = await import('@temporalio/worker');
  const { createHelloActivities } = await import('./activities/hello.ts');
  const create = Worker.create.bind(Worker);
  Worker.create = (options) => create({ ...options, activities: { ...options.activities, ...createHelloActivities() } });
}
