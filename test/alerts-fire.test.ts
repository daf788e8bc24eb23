/**
 * The alert rules fire for real: a real Prometheus scrapes a real worker process while the simulator
 * answers every cancel POST with 503 (Retry-After: 1, so the run retries each second), and the shipped
 * `ApiCallsRetrying` rule, its 5-minute range and `for` compressed to seconds in the test's copy, goes
 * pending, firing, then inactive once the fault ends. The scrape itself carries no free text.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CancelOfferInput } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { freePort } from '../temporal-cli/dev-server';
import { parsePrometheus, spawnWorker, waitUntilReady, workerBaseEnv, type WorkerProcess } from './helpers/observability';
import { compressTime, startPrometheus, type RunningPrometheus } from './helpers/prometheus';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';

const PUBLISHER = 'contoso';
const TOKEN = `alerts-token-SECRET-${randomUUID()}`;
const EMAIL = `release-${randomUUID().slice(0, 8)}@contoso.com`;
/** One shipped minute lasts 1 s here: `[5m]` is 5 s, `for: 5m` 5 s; scrapes and evaluations every second. */
const SECONDS_PER_MINUTE = 1;
const ALERT = 'ApiCallsRetrying';

let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let worker: WorkerProcess;
let prometheus: RunningPrometheus;
let metricsAddress: string;
let taskQueue: string;

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
  taskQueue = uniqueTaskQueue('alerts');
  metricsAddress = `127.0.0.1:${await freePort()}`;
  worker = spawnWorker({ ...workerBaseEnv(taskQueue, simulator.url, TOKEN), METRICS_ADDRESS: metricsAddress, WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath') });
  await waitUntilReady(worker);
  const shipped = readFileSync(path.join(__dirname, '..', 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
  prometheus = await startPrometheus({ targets: [metricsAddress], rulesYaml: compressTime(shipped, SECONDS_PER_MINUTE) });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await worker?.stop();
  await simulator?.close();
  await ctx?.close();
});

/** Polls Prometheus's alerts until `alert` is in `state` (`inactive`: not listed); the seconds it took. */
async function waitForState(state: 'pending' | 'firing' | 'inactive', since: number, timeoutMs = 60_000): Promise<number> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    const mine = (await prometheus.alerts()).filter((a) => a.alertname === ALERT);
    const now = mine.length === 0 ? 'inactive' : mine.some((a) => a.state === 'firing') ? 'firing' : 'pending';
    if (now === state) return Math.round((Date.now() - since) / 100) / 10;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${ALERT} did not become ${state} within ${timeoutMs} ms; alerts now: ${JSON.stringify(await prometheus.alerts())}`);
}

describe('alert rules on a real Prometheus scraping a real worker', () => {
  it(`${ALERT}: pending, then firing while every cancel POST gets 503, then inactive after the fault ends`, async () => {
    const offerId = `alert-${randomUUID().slice(0, 8)}`;
    const faulty = { cancel: { mode: 'synchronous' as const }, faults: [{ on: 'cancel' as const, fault: { kind: 'status' as const, status: 503, retryAfter: '1' }, times: 10_000 }] };
    simulator.setScenario(PUBLISHER, offerId, faulty);
    expect((await prometheus.alerts()).filter((a) => a.alertname === ALERT)).toEqual([]);

    const faultStart = Date.now();
    const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: [EMAIL] };
    const handle = await startOfferCancellation(ctx.client, input, { taskQueue });
    const pendingAfter = await waitForState('pending', faultStart);
    const firingAfter = await waitForState('firing', faultStart);
    const [firing] = (await prometheus.alerts()).filter((a) => a.alertname === ALERT);
    expect(firing?.labels).toMatchObject({ alertname: ALERT, severity: 'warning', endpoint: 'cancel', taskQueue, namespace: inject('temporalNamespace') });

    // The fault ends: the next retry gets its 200 and the run ends; the errors' rate falls to 0.
    simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' } });
    const faultEnd = Date.now();
    await expect(handle.result()).resolves.toMatchObject({ mode: 'synchronous' });
    const inactiveAfter = await waitForState('inactive', faultEnd);
    const posts = simulator.requests().filter((r) => r.method === 'POST' && r.path.includes(offerId)).length;
    // The timeline, for docs/operations.md and the closing note.
    console.log(`${ALERT} timeline (1 shipped minute = ${SECONDS_PER_MINUTE} s): fault from 0 s; pending at ${pendingAfter} s, firing at ${firingAfter} s; fault ended at ${Math.round((faultEnd - faultStart) / 1000)} s, inactive ${inactiveAfter} s later; ${posts} cancel POSTs`);
    // `for: 5m` is 10 s here: firing comes at least that long after pending.
    expect(firingAfter - pendingAfter).toBeGreaterThanOrEqual(5 * SECONDS_PER_MINUTE - 1);
    expect(posts).toBeGreaterThan(5);

    // Nothing else fired along the way (the run succeeded; the worker polled throughout).
    const others = (await prometheus.alerts()).filter((a) => a.state === 'firing');
    expect(others).toEqual([]);
  }, 150_000);

  it('the scrape carries no token, e-mail address, offer or publisher: every label value is from a closed set', async () => {
    const offerId = `alert-${randomUUID().slice(0, 8)}`;
    simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'status', status: 500 } }] });
    const handle = await startOfferCancellation(ctx.client, { publisherId: PUBLISHER, offerId, notificationEmails: [EMAIL] }, { taskQueue });
    await handle.result();
    const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    for (const secret of [TOKEN, EMAIL, PUBLISHER, 'alert-']) expect(text).not.toContain(secret);
    const free = new Set(['namespace', 'taskQueue', 'task_queue', 'le', 'service_name']);
    const allowed: Record<string, RegExp> = {
      status: /^(\d{3}|[A-Z][A-Za-z]+)$/,
      failure_type: /^([A-Z][A-Za-z]+)?$/,
      endpoint: /^(cancel|getOperation|listOperations|jobCancel|jobStatus|jobSummary)$/,
      method: /^(GET|POST)$/,
      outcome: /^(succeeded|failed|workflowCanceled|issued|refused)$/,
      mode: /^(synchronous|asynchronous|none)$/,
      audience: /^(cpp|ingestion)$/,
      phase: /^(validating|requesting|polling|summarising)$/,
    };
    const ours = parsePrometheus(text).filter((s) => !s.name.startsWith('temporal_'));
    expect(ours.length).toBeGreaterThan(0);
    for (const sample of ours) {
      for (const [label, value] of Object.entries(sample.labels)) {
        if (free.has(label)) continue;
        const rule = label === 'workflowType' ? /^(cancelOfferOperation|cancelIngestionJob|cancelReleaseOffers)$/ : allowed[label];
        expect(rule, `${sample.name} has an unexpected label ${label}`).toBeDefined();
        expect(value, `${sample.name}{${label}}`).toMatch(rule ?? /^$/);
      }
    }
  });
});
