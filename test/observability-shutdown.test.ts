/**
 * Graceful shutdown of the worker process: SIGTERM while cancel POSTs are in flight stops polling,
 * lets those activities finish within WORKER_SHUTDOWN_GRACE_SECONDS and exits 0; a fresh worker
 * then finishes the workflows. Nothing is lost and no POST is sent twice. A watch, which outlasts any
 * grace time, is cancelled at its end and retried at once by the next worker.
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { freePort } from '../temporal-cli/dev-server';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';
import { spawnWorker, waitUntilReady, type WorkerProcess, workerBaseEnv } from './helpers/observability';
import { localActivityMarkers } from './helpers/local-activity-markers';

const PUBLISHER = 'contoso';
const TOKEN = `shutdown-token-SECRET-${randomUUID()}`;
const SLOW_POST_MS = 2_000;

let ctx: TemporalTestContext;
let simulator: RunningSimulator;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await simulator?.close();
  await ctx?.close();
});

function workerEnv(taskQueue: string, healthPort: number): Record<string, string> {
  return {
    ...workerBaseEnv(taskQueue, simulator.url, TOKEN),
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    WORKER_SHUTDOWN_GRACE_SECONDS: '15',
    HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
  };
}

/** The run's first workflow task is running: the POST, a local activity inside it, is on its way. */
async function postInFlight(handle: WorkflowHandle): Promise<boolean> {
  const { raw } = await handle.describe();
  return raw.pendingWorkflowTask?.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
}

it('drains in-flight POSTs on SIGTERM, exits 0, and a fresh worker finishes the rest', async () => {
  const taskQueue = uniqueTaskQueue('shutdown');
  const healthPort = await freePort();
  const first = spawnWorker(workerEnv(taskQueue, healthPort));
  workers.push(first);
  await waitUntilReady(first);

  const offers = [1, 2, 3].map((n) => `slow${n}-${randomUUID().slice(0, 8)}`);
  const handles = await Promise.all(
    offers.map((offerId) => {
      simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_POST_MS } }] });
      return startOfferCancellation(ctx.client, { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] }, { taskQueue });
    }),
  );
  // Every first workflow task is running, so every POST is (about to be) waiting on the slow headers.
  const deadline = Date.now() + 15_000;
  while (!(await Promise.all(handles.map(postInFlight))).every(Boolean)) {
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));
  const signalledAt = Date.now();
  first.child.kill('SIGTERM');

  // Not ready while draining, still alive.
  const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { state: string }).state).not.toBe('RUNNING');

  expect(await first.exited).toBe(0);
  // It waited for the slow answers rather than cutting them off.
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(SLOW_POST_MS - 500);
  expect(first.stdout()).toContain('"msg":"worker stopped"');
  for (const offerId of offers) {
    expect(simulator.postCount(PUBLISHER, offerId)).toBe(1);
    expect(simulator.requests({ offerId, endpoint: 'cancel' }).map((r) => r.answered)).toEqual([200]);
  }
  // The local activities completed: their results are in the histories, no task had to be retried.
  for (const handle of handles) {
    const events = (await handle.fetchHistory()).events ?? [];
    expect(localActivityMarkers(events).map((m) => m.activityType)).toEqual(['requestCancellation']);
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes)).toHaveLength(0);
  }

  const second = spawnWorker(workerEnv(taskQueue, await freePort()));
  workers.push(second);
  await waitUntilReady(second);
  const results = await Promise.all(handles.map((h) => h.result()));
  for (const result of results) expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
  for (const offerId of offers) expect(simulator.postCount(PUBLISHER, offerId)).toBe(1);
  expect(await second.stop('SIGTERM')).toBe(0);
  expect(first.stdout() + first.stderr() + second.stdout() + second.stderr()).not.toContain(TOKEN);
}, 120_000);

it('a watch (polling.watchWindowSeconds) is handed over on SIGTERM: cancelled after the grace time, retried at once on a fresh worker, not after its window', async () => {
  const taskQueue = uniqueTaskQueue('shutdown-watch');
  const env = (port: number) => ({ ...workerEnv(taskQueue, port), WORKER_SHUTDOWN_GRACE_SECONDS: '1' });
  const first = spawnWorker(env(await freePort()));
  workers.push(first);
  await waitUntilReady(first);

  const offerId = `watch-${randomUUID().slice(0, 8)}`;
  simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 20, steps: 0 } });
  // A 10-minute window: were the watch not handed over, the next attempt would wait for its 12-minute timeout.
  const polling = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2, backoffCoefficient: 1, watchWindowSeconds: 600 };
  const handle = await startOfferCancellation(ctx.client, { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling }, { taskQueue });
  const deadline = Date.now() + 15_000;
  while (simulator.requests({ offerId, endpoint: 'poll' }).length < 3) {
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  const pollsBefore = simulator.requests({ offerId, endpoint: 'poll' }).length;
  expect(pollsBefore).toBeLessThan(20);

  const second = spawnWorker(env(await freePort()));
  workers.push(second);
  await waitUntilReady(second);
  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous' });
  // The second watch's first attempt ended with the first worker; its retry finished the polling.
  const history = await handle.fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
  expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  expect(simulator.postCount(PUBLISHER, offerId)).toBe(1);
  expect(await second.stop('SIGTERM')).toBe(0);
}, 120_000);
