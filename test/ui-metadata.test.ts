/**
 * What the Temporal UI shows without a query: the static summary and details every start path
 * sets, the run's current details (Markdown, kept up to date), and the summaries of its activities
 * and timers in the event history. Also the `progress` query's one-line summary. Real dev server.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressQuery, type CancelOfferInput, type CancelOfferProgress } from '../src/contract';
import { progressSummary } from '../src/workflow-safe/progress-summary';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startTestStack, type TestStack } from './helpers/stack';
import { withoutWorkflowTasks } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'ui-metadata' });
});
afterAll(async () => {
  await stack?.stop();
});

async function start(offerId: string, scenario: OfferScenario, polling: CancelOfferInput['polling'] = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 }) {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  return startOfferCancellation(stack.client, { publisherId: PUBLISHER, offerId, notificationEmails: 'a@contoso.com,b@contoso.com', polling }, { taskQueue: stack.taskQueue });
}

/** The run's current details, as the UI reads them (the SDK's built-in metadata query). */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** The summaries the history's activity and timer events carry, in order. */
function eventSummaries(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const localActivity = e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
    if (!e.activityTaskScheduledEventAttributes && !e.timerStartedEventAttributes && !localActivity) return [];
    const payload = e.userMetadata?.summary;
    return payload ? [defaultPayloadConverter.fromPayload<string>(payload)] : [];
  });
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`never matched; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the Temporal UI without a query', () => {
  it('a 202 run: static summary and details, current details while polling and at the end, summaries on every activity and timer', async () => {
    const offerId = stack.offerId('ui');
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 4, steps: 3, retryAfterSeconds: 1 } }, { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 });
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`Cancel operation on ${PUBLISHER}/${offerId}`);
    const staticDetails = await description.staticDetails();
    expect(staticDetails).toContain(`\`${offerId}\``);
    expect(staticDetails).toContain('Notification e-mails: 2');
    expect(staticDetails).toContain('Deadline: 24 h');

    const polling = await waitFor(() => currentDetails(handle), (d) => d.startsWith('**polling**') && d.includes('- Step:'));
    expect(polling).toMatch(/- Operation: running · overall \d+ %/);
    expect(polling).toMatch(/- Next poll: \d\d:\d\d:\d\dZ, 1 s after the last poll$/m); // Retry-After: 1
    const progress = await handle.query(progressQuery);
    expect(Object.keys(progress).slice(0, 2)).toEqual(['summary', 'percent']);
    expect(progress.summary).toMatch(/^polling · asynchronous · \d+ polls? · \d+ % · \w+ \d+ % · next poll at \d\d:\d\d:\d\dZ$/);

    await handle.result();
    const done = await currentDetails(handle);
    expect(done).toMatch(/^\*\*succeeded\*\* · asynchronous · 4 polls/);
    expect(done).not.toContain('Next poll');

    const { events } = await handle.fetchHistory();
    const summaries = eventSummaries(events ?? []);
    expect(summaries[0]).toBe('cancel POST (after a look-up of running operations on retries)');
    expect(summaries).toContain('poll #1');
    expect(summaries).toContain('poll #4');
    // The 202's Retry-After (1 s) is longer than the first interval (0.2 s): the first wait says so.
    expect(summaries).toContain('wait 1 s before poll #1 (Retry-After)');
    expect(summaries.some((s) => /^wait \d+ s before poll #2/.test(s))).toBe(true);
  });

  it('the 200 path stays within 12 history events with its summaries', async () => {
    const handle = await start(stack.offerId('ui-200'), { cancel: { mode: 'synchronous' } });
    await handle.result();
    // 12 in one workflow task (3 of them): counted without the task events, which a loaded machine may double.
    expect(withoutWorkflowTasks((await handle.fetchHistory()).events ?? []).length).toBeLessThanOrEqual(12 - 3);
  });
});

describe('the progress query reads at a glance', () => {
  it('the summary comes first, and a failed run says why', async () => {
    const handle = await start(stack.offerId('ui-404'), { cancel: { mode: 'error', status: 404 } });
    await handle.result().catch(() => undefined);
    const progress = await handle.query(progressQuery);
    expect(Object.keys(progress)[0]).toBe('summary');
    expect(progress.summary).toMatch(/^failed · 0 polls · after \d+ s · CppNotFound: CPP cancel POST answered HTTP 404/);
  });

  it('with a clock, the next poll is relative', () => {
    const p: CancelOfferProgress = {
      summary: '',
      phase: 'polling',
      mode: 'asynchronous',
      polls: 3,
      operation: { status: 'running', rawStatus: 'running', progressPercentage: 60, steps: [{ name: 'Certification', status: 'inProgress', progressPercentage: 40, messages: [] }] },
      nextPollAt: '2026-01-01T12:00:16.000Z',
      startedAt: '2026-01-01T11:59:00.000Z',
      continuedAsNew: 0,
    };
    expect(progressSummary(p, Date.parse('2026-01-01T12:00:00.000Z'))).toBe('polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll in 16 s');
    expect(progressSummary(p)).toBe('polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll at 12:00:16Z');
  });
});
