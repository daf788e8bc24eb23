/**
 * Retries are visible: while Temporal retries a failed cancel POST, `getCancellationStatus` and
 * the CLI's `--wait` output show the attempt, the last error and the next attempt's time.
 * Real dev server, real worker, real HTTP to the CPP simulator, the CLI as a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../src/contract';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { describeRetry, getCancellationStatus, type CancellationStatus } from '../src';
import { startTestStack, type TestStack } from './helpers/stack';
import { runStarterCli } from './helpers/starter-cli';

const PUBLISHER = 'contoso';
/** The POST answers 503 (Retry-After: 3) twice, then 200. */
const FLAKY_POST: OfferScenario = {
  cancel: { mode: 'synchronous' },
  faults: [{ on: 'cancel', fault: { kind: 'status', status: 503, retryAfter: '3' }, times: 2 }],
};

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'retry-visibility' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('getCancellationStatus', () => {
  it('shows the attempt, last error and next attempt while the cancel POST is retried, and no retry after', async () => {
    const offerId = stack.offerId();
    stack.simulator.setScenario(PUBLISHER, offerId, FLAKY_POST);
    const handle = await startOfferCancellation(
      stack.client,
      { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] },
      { taskQueue: stack.taskQueue },
    );

    // The first sample that shows a retry waiting for its next attempt (3 s after each 503).
    const deadline = Date.now() + 30_000;
    let seen: CancellationStatus | undefined;
    let last: CancellationStatus | undefined;
    let askedAt = 0;
    while (!seen) {
      askedAt = Date.now();
      last = await getCancellationStatus(handle).catch(() => last);
      const retry = last?.retry;
      if (retry && retry.attempt >= 2 && retry.lastError && retry.nextAttemptAt) seen = last;
      else if (Date.now() > deadline) throw new Error(`no retry seen; last status: ${JSON.stringify(last)}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    const retry = seen.retry!;
    expect(seen.progress.phase).toBe('requesting');
    expect(retry.activity).toBe('requestCancellation');
    expect(retry.call).toBe('cancel POST');
    expect(retry.attempt).toBeGreaterThanOrEqual(2);
    expect(retry.lastError?.type).toBe('CppServerError');
    expect(retry.lastError?.httpStatus).toBe(503);
    expect(retry.lastError?.message).toContain('HTTP 503');
    expect(Date.parse(retry.nextAttemptAt!)).toBeGreaterThan(askedAt);
    expect(describeRetry(retry, Date.now())).toMatch(/^retrying cancel POST · attempt \d+ · last error CppServerError HTTP 503: .+ · next attempt in \d+ s$/);

    // The first try runs inside the workflow task, so its failure is the run's to tell: attempt 2
    // before any activity exists; after the retried activity's own failure, attempt 3, not Temporal's 2.
    expect(retry.attempt).toBe(2);
    const third = await until(() => getCancellationStatus(handle), (s) => (s.retry?.attempt ?? 0) >= 3 || s.progress.phase !== 'requesting');
    expect(third.retry?.attempt).toBe(3);

    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const after = await getCancellationStatus(handle);
    expect(after.progress.phase).toBe('succeeded');
    expect(after.retry).toBeUndefined();
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(3);
  });
});

/** The run's current details, as the Temporal UI shows them. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  return (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
}

/** Asks `read` every 100 ms until `done` holds (30 s at most), and returns what it read. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not seen in 30 s; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the run itself shows its retries (progress query, current details), told by its activities', () => {
  it('a retried cancel POST: attempt, last error, next attempt; gone once the POST is answered', async () => {
    const offerId = stack.offerId('self');
    stack.simulator.setScenario(PUBLISHER, offerId, FLAKY_POST);
    const handle = await startOfferCancellation(stack.client, { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] }, { taskQueue: stack.taskQueue });

    const progress = await until(() => handle.query(progressQuery), (p) => p.retry !== undefined);
    expect(progress.phase).toBe('requesting');
    expect(progress.retry).toMatchObject({ activity: 'requestCancellation', call: 'cancel POST', lastError: { type: 'CppServerError', httpStatus: 503 } });
    expect(progress.retry!.attempt).toBeGreaterThanOrEqual(2);
    // Retry-After: 3 is the delay Temporal takes; the notice says when that is.
    expect(Date.parse(progress.retry!.nextAttemptAt!)).toBeGreaterThan(Date.now() - 1_000);
    expect(progress.summary).toMatch(/^requesting · 0 polls · retrying cancel POST · attempt \d+ · last error CppServerError HTTP 503: .+ · next attempt at \d\d:\d\d:\d\dZ$/);
    const details = await until(() => currentDetails(handle), (d) => d.includes('Retrying'));
    expect(details).toMatch(/^- Retrying cancel POST · attempt \d+ · last error CppServerError HTTP 503: .+ · next attempt at \d\d:\d\d:\d\dZ$/m);

    expect((await handle.result()).outcome).toBe('succeeded');
    const after = await handle.query(progressQuery);
    expect(after.retry).toBeUndefined();
    expect(after.summary).not.toContain('retrying');
    expect(await currentDetails(handle)).not.toContain('Retrying');
  });

  it('a retried poll: shown while Temporal retries it, cleared by the next answer', async () => {
    const offerId = stack.offerId('poll');
    stack.simulator.setScenario(PUBLISHER, offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 2 },
      faults: [{ on: 'poll', fault: { kind: 'status', status: 500 }, times: 3 }],
    });
    const handle = await startOfferCancellation(
      stack.client,
      { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1 } },
      { taskQueue: stack.taskQueue },
    );
    const progress = await until(() => handle.query(progressQuery), (p) => p.retry !== undefined);
    expect(progress.phase).toBe('polling');
    expect(progress.retry).toMatchObject({ activity: 'getOperationStatus', call: 'poll', lastError: { type: 'CppServerError', httpStatus: 500 } });
    expect(await until(() => currentDetails(handle), (d) => d.includes('Retrying poll'))).toMatch(/^- Retrying poll · attempt \d+ · last error CppServerError HTTP 500/m);

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous' });
    expect((await handle.query(progressQuery)).retry).toBeUndefined();
    // One retry notice per failed attempt: three signals. What they cost, against the same run
    // without faults: the signal and the workflow task it wakes (4 events each).
    const events = (await handle.fetchHistory()).events ?? [];
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cppCallRetrying');
    expect(signals).toHaveLength(3);
    const cleanOffer = stack.offerId('poll-clean');
    stack.simulator.setScenario(PUBLISHER, cleanOffer, { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
    const clean = await startOfferCancellation(
      stack.client,
      { publisherId: PUBLISHER, offerId: cleanOffer, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1 } },
      { taskQueue: stack.taskQueue },
    );
    await clean.result();
    const cleanEvents = (await clean.fetchHistory()).events ?? [];
    // Under load a workflow task may be split in two (3 events more), so the tasks are told apart:
    // the signals are the only other events added, and each wakes at most one task.
    const types = (list: typeof events) => list.map((e) => e.eventType).join(',');
    const isTask = (e: (typeof events)[number]) => Boolean(e.workflowTaskScheduledEventAttributes || e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes);
    const tasks = (list: typeof events) => list.filter((e) => e.workflowTaskScheduledEventAttributes).length;
    expect(events.filter((e) => !isTask(e)).length - cleanEvents.filter((e) => !isTask(e)).length, types(events)).toBe(3);
    expect(tasks(events) - tasks(cleanEvents), `${types(events)} against ${types(cleanEvents)}`).toBeLessThanOrEqual(3 + 1);
    expect(events.length - cleanEvents.length, `${types(events)} against ${types(cleanEvents)}`).toBeGreaterThanOrEqual(3 * 4);
  });
});

describe('describeRetry', () => {
  it('cuts long messages and counts down to the next attempt', () => {
    const now = Date.parse('2025-01-01T00:00:00.000Z');
    const line = describeRetry(
      { activity: 'getOperationStatus', call: 'poll', attempt: 3, lastError: { type: 'CppThrottled', httpStatus: 429, message: `x\n${'y'.repeat(300)}` }, nextAttemptAt: '2025-01-01T00:00:02.500Z' },
      now,
    );
    expect(line).toMatch(/^retrying poll · attempt 3 · last error CppThrottled HTTP 429: x y+… · next attempt in 3 s$/);
    expect(line.length).toBeLessThan(220);
    expect(describeRetry({ activity: 'requestCancellation', call: 'cancel POST', attempt: 2 }, now)).toBe('retrying cancel POST · attempt 2 · attempt running');
  });
});

describe('CLI --wait', () => {
  it('prints the attempt and the last error while the cancel POST is retried, then exits 0', async () => {
    const offerId = stack.offerId('cli');
    stack.simulator.setScenario(PUBLISHER, offerId, FLAKY_POST);
    const { code, stdout, stderr } = await runStarterCli(['--publisher', PUBLISHER, '--offer', offerId, '--email', 'jondoe@contoso.com', '--task-queue', stack.taskQueue, '--wait']);

    const output = `${stdout}\n--- stderr ---\n${stderr}`;
    expect(stdout, output).toMatch(/retrying cancel POST · attempt 2 · last error CppServerError HTTP 503: /);
    expect(stdout, output).toContain('attempt 2');
    expect(stdout, output).toContain('CppServerError');
    expect(stdout, output).toContain('HTTP 503');
    expect(stdout, output).toMatch(/cancelled \(synchronous\)/);
    expect(code, output).toBe(0);
  }, 90_000);
});
