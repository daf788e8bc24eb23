/**
 * `polling.watchWindowSeconds`: polls inside one activity that returns on any change of the
 * operation. Real dev server, real Worker, real HTTP to the simulator; what is asserted is what the
 * history, the simulator's request log and the progress query show, never how long something took.
 */
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, progressQuery, type CancelOfferInput, type CancelOfferResult } from '../src/contract';
import { validateInput } from '../src/workflow-safe/cancel-input';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { retriedFailures } from './helpers/reliability';
import { waitForProgress } from './helpers/progress';
import { startTestStack, type TestStack } from './helpers/stack';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
/** Polls every 0.2 s; a watch may last 30 s, far longer than any of these operations. */
const WATCHING = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2, backoffCoefficient: 1, watchWindowSeconds: 30 };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'watch' });
});
afterAll(async () => {
  await stack?.stop();
});

async function start(offerId: string, scenario: OfferScenario, polling: Partial<CancelOfferInput['polling']> = {}): Promise<WorkflowHandle> {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { ...WATCHING, ...polling } };
  return startOfferCancellation(stack.client, input, { taskQueue: stack.taskQueue });
}

/** The history's events by type: `ActivityTaskScheduled` → how many. */
async function eventCounts(handle: WorkflowHandle): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const type = Object.keys(event).find((k) => k.endsWith('EventAttributes'))?.replace(/EventAttributes$/, '') ?? 'unknown';
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

describe('polling.watchWindowSeconds', () => {
  it('unchanged answers cost no history: 8 polls in 2 watch activities, no timer', async () => {
    const offerId = stack.offerId();
    // No steps: nothing changes between polls until the operation ends on its 8th GET.
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 8, steps: 0 } });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 8 });
    expect(stack.simulator.requests({ offerId, endpoint: 'poll' })).toHaveLength(8);

    const counts = await eventCounts(handle);
    // A first watch that returns the first answer (nothing seen yet), one that sees the end (the POST is a local activity).
    expect(counts.activityTaskScheduled).toBe(2);
    expect(counts.timerStarted ?? 0).toBe(0);
    await expectNoWorkflowTaskFailure(handle);

    // The same operation polled the classic way: an activity and a timer per poll.
    const classicOffer = stack.offerId();
    const classic = await start(classicOffer, { cancel: { mode: 'accepted', completeAfterPolls: 8, steps: 0 } }, { watchWindowSeconds: 0 });
    await classic.result();
    const classicCounts = await eventCounts(classic);
    expect(classicCounts.activityTaskScheduled).toBe(8);
    expect(classicCounts.timerStarted).toBe(8);
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    console.log(`8 polls: ${total(counts)} history events watching, ${total(classicCounts)} with an activity and a timer per poll`);
    expect(total(counts)).toBeLessThan(total(classicCounts) / 3);
  });

  it('a change returns at once: the progress query shows the poll that saw it, counted, while the next watch runs', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, {
      // Raw statuses win over the simulator's own: running for 3 polls, pendingReview up to the 40th, which reads Completed.
      cancel: { mode: 'accepted', steps: 0, rawStatuses: [...Array<string>(3).fill('running'), ...Array<string>(36).fill('pendingReview'), 'Completed'] },
    });
    const seen = await waitForProgress(handle, (p) => p.operation?.rawStatus === 'pendingReview', { everyMs: 50 });
    // Polls 2–4 ran in the second watch, which returned on the 4th: the change, counted at once.
    expect(seen.polls).toBe(4);
    expect(seen.phase).toBe('polling');
    expect(seen.summary).toMatch(/polling · asynchronous · 4 polls · watching until \d\d:\d\d:\d\dZ/);
    const result = (await handle.result()) as CancelOfferResult;
    expect(result.polls).toBe(40);
    // 40 polls: the first answer, the change, the end.
    expect((await eventCounts(handle)).activityTaskScheduled).toBe(3);
  });

  it('a 503 on a poll fails the watch attempt; Temporal retries it, which polls at once and goes on', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3, steps: 0 }, faults: [{ on: 'poll', fault: { kind: 'status', status: 503 } }] });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result.outcome).toBe('succeeded');
    expect(stack.simulator.requests({ offerId, endpoint: 'poll' }).map((r) => r.answered)).toEqual([503, 200, 200, 200]);
    expect(await retriedFailures(handle)).toEqual([expect.stringMatching(/^poll: CppServerError .*503/)]);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('waits max(Retry-After, interval) between the polls inside a watch', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3, steps: 0, retryAfterSeconds: 1 } });
    await handle.result();
    const times = stack.simulator.requests({ offerId, endpoint: 'poll' }).map((r) => Date.parse(r.time));
    expect(times).toHaveLength(3);
    // Timers may fire a few ms early; the simulator stamps whole milliseconds.
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(990);
  });

  it('ends PollingDeadlineExceeded at the deadline, however long the window', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 1000, steps: 0 } }, { timeoutSeconds: 2 });
    const failure = await expectWorkflowFailure(handle, FailureType.PollingDeadlineExceeded);
    expect(failure.message).toMatch(/still running after 2 s/);
  });

  it('a cancelled workflow ends workflowCanceled while its watch is running', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 1000, steps: 0 } });
    await waitForProgress(handle, (p) => p.polls >= 1 && p.watchingUntil !== undefined);
    await handle.cancel();
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const after = await handle.query(progressQuery);
    expect(after.phase).toBe('workflowCanceled');
    expect(after.watchingUntil).toBeUndefined();
  });

  it('continues as new after maxPollsPerRun watches, carrying the operation it last saw (no extra first-answer watch)', async () => {
    const offerId = stack.offerId();
    // Quiet for 3 polls, a change at the 4th, the end at the 8th: watches 1 (first answer), 2 (the change), 3 (the end).
    const statuses = [...Array<string>(3).fill('running'), ...Array<string>(4).fill('pendingReview'), 'Completed'];
    const handle = await start(offerId, { cancel: { mode: 'accepted', steps: 0, rawStatuses: statuses } }, { maxPollsPerRun: 1 });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', polls: 8 });
    expect(stack.simulator.requests({ offerId, endpoint: 'poll' })).toHaveLength(8);
    const progress = await handle.query(progressQuery);
    expect(progress.continuedAsNew).toBe(2);
    // The last run watched once: it started from the carried pendingReview, so it did not return early.
    expect((await eventCounts(handle)).activityTaskScheduled).toBe(1);
  });

  it('refuses a window that is not a number of seconds from 0 to 3600, naming the field', () => {
    const base = { publisherId: PUBLISHER, offerId: 'o', notificationEmails: ['a@contoso.com'] };
    for (const bad of [-1, 3601, '60']) {
      const result = validateInput({ ...base, polling: { watchWindowSeconds: bad } });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems.join('; ')).toMatch(/polling\.watchWindowSeconds/);
    }
    const ok = validateInput({ ...base, polling: { watchWindowSeconds: 300 } });
    expect(ok.ok && ok.input.polling.watchWindowSeconds).toBe(300);
  });
});
