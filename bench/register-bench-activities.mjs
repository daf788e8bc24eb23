/**
 * Preloaded into the bench's worker process (bench/stack.ts): the shipped entry point, src/worker.ts,
 * runs unchanged, and this adds the activities of the bench's baselines to what it registers — the
 * hello workflow's no-op (bench/activities/hello.ts) and the infrequent-polling pattern's GET
 * (bench/activities/infrequent-polling.ts, over its own CPP client from CPP_BASE_URL and
 * CPP_ACCESS_TOKEN) — so one worker runs every kind the benchmark compares. Production never loads it.
 *
 * Plain JavaScript, and only on the main thread: the SDK's workflow thread inherits the preloads but
 * not tsx's loader, and registers no activities.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const { Worker } = await import('@temporalio/worker');
  const { createHelloActivities } = await import('./activities/hello.ts');
  const { createInfrequentPollingActivities } = await import('./activities/infrequent-polling.ts');
  const { CppHttpClient } = await import('../src/cpp/client.ts');
  const { StaticTokenProvider } = await import('../src/cpp/token-provider.ts');
  const cpp = new CppHttpClient({ baseUrl: process.env.CPP_BASE_URL, tokenProvider: new StaticTokenProvider(process.env.CPP_ACCESS_TOKEN) });
  const create = Worker.create.bind(Worker);
  Worker.create = (options) =>
    create({ ...options, activities: { ...options.activities, ...createHelloActivities(), ...createInfrequentPollingActivities(cpp) } });
}
