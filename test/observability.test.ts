/**
 * Metrics, logs and health of the worker as operators see them: the real worker process
 * (`src/worker.ts`) against the shared dev server and the simulator, scraped over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { type CancelOfferInput } from '../src/contract';
import { CANCELLATION_DURATION_METRIC, CANCELLATION_POLLS_METRIC, CANCELLATIONS_METRIC, CPP_REQUESTS_METRIC } from '../src/workflow-safe/metric-names';
import type { OfferScenario } from '../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { freePort } from '../temporal-cli/dev-server';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';
import { parsePrometheus, spawnWorker, sumOf, waitUntilReady, type Sample, type WorkerProcess, workerBaseEnv } from './helpers/observability';

const PUBLISHER = 'contoso';
/** Recognisable, so a scan of the worker's whole output can prove it never appears. */
const TOKEN = `obs-token-SECRET-${randomUUID()}`;
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.2 };

let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let worker: WorkerProcess;
let taskQueue: string;
let metricsUrl: string;
let healthUrl: string;

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
  taskQueue = uniqueTaskQueue('obs');
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  healthUrl = `http://127.0.0.1:${healthPort}`;
  worker = spawnWorker({
    ...workerBaseEnv(taskQueue, simulator.url, TOKEN),
    METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    LOG_LEVEL: 'INFO',
  });
  await waitUntilReady(worker);
});

afterAll(async () => {
  await worker?.stop();
  await simulator?.close();
  await ctx?.close();
});

async function run(offerId: string, scenario: OfferScenario, extra: Partial<CancelOfferInput> = {}) {
  simulator.setScenario(PUBLISHER, offerId, scenario);
  const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING, ...extra };
  return startOfferCancellation(ctx.client, input, { taskQueue });
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parsePrometheus(text) };
}

/** Scrapes until `ready` holds: workflow metrics leave the sandbox when the activation completes. */
async function scrapeUntil(ready: (samples: Sample[]) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await scrape();
    if (ready(result.samples) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const offer = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
/** The simulator's endpoint names as the client's `onRequest` names them. */
const CLIENT_ENDPOINT = { cancel: 'cancel', poll: 'getOperation', list: 'listOperations' } as const;

describe('the worker process', () => {
  it('answers /livez and /readyz while it polls', async () => {
    const live = await fetch(`${healthUrl}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${healthUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ state: 'RUNNING' });
    expect((await fetch(`${healthUrl}/nope`)).status).toBe(404);
  });

  it('exposes the SDK metrics and ours on one /metrics with the right counts', async () => {
    const sync = [offer('sync'), offer('sync')];
    const asyncOffer = offer('async');
    const missing = offer('e404');
    const handles = await Promise.all([
      ...sync.map((o) => run(o, { cancel: { mode: 'synchronous' } })),
      run(asyncOffer, { cancel: { mode: 'accepted', completeAfterPolls: 3 }, faults: [{ on: 'poll', fault: { kind: 'status', status: 503, retryAfter: '1' } }] }),
      run(missing, { cancel: { mode: 'error', status: 404 } }),
    ]);
    const results = await Promise.allSettled(handles.map((h) => h.result()));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(WorkflowFailedError);
    const asyncPolls = (results[2] as PromiseFulfilledResult<{ polls: number }>).value.polls;

    // The SDK tags workflow metrics with namespace, taskQueue and workflowType; the worker tags ours alike.
    const mine = { taskQueue };
    const { text, samples } = await scrapeUntil((s) => sumOf(s, CANCELLATIONS_METRIC, mine) >= 4);
    // Cancellations by outcome and mode (and failure type), from the workflow's metric meter.
    expect(sumOf(samples, CANCELLATIONS_METRIC, { ...mine, outcome: 'succeeded', mode: 'synchronous' })).toBe(2);
    expect(sumOf(samples, CANCELLATIONS_METRIC, { ...mine, outcome: 'succeeded', mode: 'asynchronous' })).toBe(1);
    expect(sumOf(samples, CANCELLATIONS_METRIC, { ...mine, outcome: 'failed', failure_type: 'CppNotFound' })).toBe(1);
    expect(sumOf(samples, CANCELLATIONS_METRIC, mine)).toBe(4);
    // Polls per operation and time to the end: one observation per cancellation.
    expect(sumOf(samples, `${CANCELLATION_POLLS_METRIC}_count`, mine)).toBe(4);
    expect(sumOf(samples, `${CANCELLATION_POLLS_METRIC}_sum`, { ...mine, mode: 'asynchronous' })).toBe(asyncPolls);
    expect(sumOf(samples, `${CANCELLATION_POLLS_METRIC}_sum`, { ...mine, mode: 'synchronous' })).toBe(0);
    expect(sumOf(samples, `${CANCELLATION_DURATION_METRIC}_count`, mine)).toBe(4);
    expect(sumOf(samples, `${CANCELLATION_DURATION_METRIC}_sum`, mine)).toBeGreaterThan(0);

    // CPP HTTP requests by endpoint and status: exactly what the simulator answered.
    const expected = new Map<string, number>();
    for (const o of [...sync, asyncOffer, missing]) {
      for (const r of simulator.requests({ publisherId: PUBLISHER, offerId: o })) {
        const key = `${CLIENT_ENDPOINT[r.endpoint as keyof typeof CLIENT_ENDPOINT]} ${String(r.answered)}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(expected)).toMatchObject({ 'cancel 200': 2, 'cancel 202': 1, 'cancel 404': 1, 'getOperation 503': 1 });
    for (const [key, count] of expected) {
      const [endpoint, status] = key.split(' ') as [string, string];
      expect(sumOf(samples, CPP_REQUESTS_METRIC, { ...mine, endpoint, status }), key).toBe(count);
    }
    expect(sumOf(samples, CPP_REQUESTS_METRIC, mine)).toBe([...expected.values()].reduce((a, b) => a + b, 0));

    // The SDK's own runtime metrics come out of the same endpoint.
    expect(text).toMatch(/^temporal_workflow_completed\{/m);
    expect(text).toMatch(/^temporal_activity_execution_failed\{/m);
  });

  it('logs JSON lines with workflow and activity metadata, and never the token', async () => {
    const missing = offer('log404');
    const handle = await run(missing, { cancel: { mode: 'error', status: 404 } });
    await handle.result().catch(() => undefined);
    const line = await worker.waitForLine((l) => l.includes(handle.workflowId) && l.includes('"activityType":"requestCancellation"'), 10_000);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'WARN', msg: 'Activity failed', workflowId: handle.workflowId, workflowRunId: handle.firstExecutionRunId, activityType: 'requestCancellation', attempt: 1, taskQueue });
    // The workflow's own log line carries its runId.
    const workflowLine = await worker.waitForLine((l) => l.includes('"msg":"Workflow failed"') && l.includes(handle.workflowId), 10_000);
    expect(JSON.parse(workflowLine)).toMatchObject({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, workflowType: 'cancelOfferOperation' });
    expect(typeof entry.time).toBe('string');

    const stdout = worker.stdout();
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    expect(stdout + worker.stderr()).not.toContain(TOKEN);
  });
});
