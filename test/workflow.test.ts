/**
 * The cancellation workflow end to end: real Temporal dev server, real Worker, real activities,
 * real HTTP to the CPP simulator.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelPhaseSearchAttribute,
  FailureType,
  offerIdSearchAttribute,
  progressQuery,
  subscribeSignal,
  WORKFLOW_TYPE,
  type CancelOfferInput,
  type CompletionSignalPayload,
  type FailureInfo,
} from '../src/contract';
import type { OfferScenario } from '../simulator/scenario';
import { InvalidCancellationInputError, startOfferCancellation } from '../src/client/start-cancellation';
import { historyText } from './helpers/history-text';
import { localActivityMarkers } from './helpers/local-activity-markers';
import { waitForProgress } from './helpers/progress';
import { startTestStack, TEST_TOKEN, type TestStack } from './helpers/stack';
import { expectWaitOf } from './helpers/timing';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure, withoutWorkflowTasks } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.5, backoffCoefficient: 2 };

let stack: TestStack;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function input(offerId: string, extra: Partial<CancelOfferInput> = {}): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING, ...extra };
}

async function start(offerId: string, scenario: OfferScenario, extra: Partial<CancelOfferInput> = {}) {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  const handle = await startOfferCancellation(stack.client, input(offerId, extra), { taskQueue: stack.taskQueue });
  handles.push(handle);
  return handle;
}

describe('200: cancelled synchronously', () => {
  it('completes after one POST with the exact documented request, in at most 12 history events', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'synchronous' } });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', polls: 0, operation: { status: 'canceled' } });

    const posts = stack.simulator.requests({ offerId, endpoint: 'cancel' });
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      method: 'POST',
      path: `/api/publishers/${PUBLISHER}/offers/${offerId}/cancel`,
      query: { 'api-version': '2017-10-31' },
      auth: 'valid',
      body: { metadata: { 'notification-emails': 'jondoe@contoso.com' } },
    });
    expect(posts[0]?.headers['content-type']).toBe('application/json');

    // 12 events in one workflow task (3 of them): counted without the task events, which a loaded machine may double.
    const history = await handle.fetchHistory();
    expect(withoutWorkflowTasks(history.events ?? []).length).toBeLessThanOrEqual(12 - 3);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(cancelPhaseSearchAttribute)).toBe('succeeded');
    expect(description.typedSearchAttributes.get(offerIdSearchAttribute)).toBe(offerId);
  });
});

describe('the POST inside the first workflow task (a local activity)', () => {
  it('the 200 path runs in one workflow task: a local-activity marker, no activity task', async () => {
    const offerId = stack.offerId();
    const handle = await start(offerId, { cancel: { mode: 'synchronous' } });
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    expect(localActivityMarkers(events)).toEqual([expect.objectContaining({ activityType: 'requestCancellation', attempt: 1, failed: false })]);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    expect(events.filter((e) => e.workflowTaskScheduledEventAttributes)).toHaveLength(1);
    // A first try looks nothing up: the look-up is for retries.
    expect(stack.simulator.requests({ offerId, endpoint: 'list' })).toEqual([]);
  });

  it('a signal recorded before the first workflow task (signal-with-start) is not taken for an earlier try: no look-up', async () => {
    const offerId = stack.offerId();
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' } });
    const handle = await stack.client.workflow.signalWithStart(WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `signal-with-start/${offerId}`,
      args: [input(offerId)],
      signal: subscribeSignal,
      signalArgs: [{ workflowId: `listener-${offerId}`, signalName: 'cancellationDone' }],
    });
    handles.push(handle);
    const result = (await handle.result()) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(result.confirmedByLookup).toBeUndefined();
    expect(stack.simulator.requests({ offerId, endpoint: 'list' })).toEqual([]);
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });
});

describe('202: polled until terminal', () => {
  it.each([
    ['migrated', /\/api\/publishers\/contoso\/offers\/[^/]+\/operations\/[0-9a-f-]{36}\?api-version=2017-10-31$/],
    ['legacy', /\/api\/operations\/contoso\$[^/]+\$\d+\$preview\?api-version=2017-10-31$/],
  ] as const)('follows the %s Location form through N polls to completed', async (locationForm, locationPattern) => {
    const offerId = stack.offerId(locationForm);
    const handle = await start(offerId, { cancel: { mode: 'accepted', locationForm, completeAfterPolls: 3 } });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 3, operation: { status: 'completed' } });
    expect(result.operation.location).toMatch(locationPattern);
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
    const polls = stack.simulator.requests({ offerId, endpoint: 'poll' });
    expect(polls).toHaveLength(3);
    // The `$` form reaches the server unchanged.
    if (locationForm === 'legacy') expect(polls[0]?.path).toMatch(/^\/api\/operations\/contoso\$/);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('fails with CancelOperationFailed when the operation ends failed, carrying its error', async () => {
    const offerId = stack.offerId('failed');
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 2, outcome: 'failed', error: 'Certification could not be stopped' } });
    const failure = await expectWorkflowFailure(handle, FailureType.CancelOperationFailed);
    expect(failure.message).toContain('Certification could not be stopped');
    const progress = await handle.query(progressQuery);
    expect(progress).toMatchObject({ phase: 'failed', polls: 2, lastError: { type: FailureType.CancelOperationFailed } });
  });

  it('shows step progress in the progress query while polling', async () => {
    const offerId = stack.offerId('progress');
    const handle = await start(
      offerId,
      { cancel: { mode: 'accepted', completeAfterPolls: 6, steps: 3 } },
      { polling: { initialIntervalSeconds: 0.3, maxIntervalSeconds: 0.3 } },
    );
    const mid = await waitForProgress(handle, (p) => p.phase === 'polling' && p.polls >= 2);
    expect(mid).toMatchObject({ publisherId: PUBLISHER, offerId, mode: 'asynchronous', operation: { status: 'running' } });
    expect(mid.operation?.steps.length).toBe(3);
    expect(mid.operation?.progressPercentage).toBeGreaterThan(0);
    expect(mid.operation?.progressPercentage).toBeLessThan(100);
    // The next poll is one interval (0.3 s, no Retry-After) after the last, both on the workflow's clock.
    expect(Date.parse(mid.nextPollAt!) - Date.parse(mid.lastPolledAt!)).toBe(300);
    expect(mid.location).toContain('/operations/');
    const result = await handle.result();
    const resultSeenAt = Date.now();
    const done = await handle.query(progressQuery);
    expect(done).toMatchObject({ phase: 'succeeded', polls: 6, startedAt: mid.startedAt, finishedAt: result.finishedAt });
    expect(done.nextPollAt).toBeUndefined();
    // Finished after the last poll the simulator answered, before the result reached the test, and as long after the start as the result says.
    const finishedAt = Date.parse(done.finishedAt!);
    expect(finishedAt).toBeGreaterThanOrEqual(Date.parse(stack.simulator.requests({ offerId, endpoint: 'poll' }).at(-1)!.time));
    expect(finishedAt).toBeLessThanOrEqual(resultSeenAt);
    expect(finishedAt - Date.parse(done.startedAt)).toBe(result.durationMs);
  });

  it('continues as new after maxPollsPerRun, keeping polls and notify targets', async () => {
    const offerId = stack.offerId('can');
    const listener = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${offerId}`, args: [] });
    const handle = await start(
      offerId,
      { cancel: { mode: 'accepted', completeAfterPolls: 7 } },
      { polling: { ...FAST_POLLING, maxIntervalSeconds: 0.1, maxPollsPerRun: 3 }, notify: [{ workflowId: listener.workflowId }] },
    );
    const result = await handle.result();
    expect(result.polls).toBe(7);
    const progress = await handle.query(progressQuery);
    expect(progress.continuedAsNew).toBe(2);
    const payload = (await listener.result()) as CompletionSignalPayload;
    expect(payload.outcome).toBe('succeeded');
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });

  it('the first poll after a continue-as-new still waits the carried interval (here a Retry-After of 1 s)', async () => {
    const offerId = stack.offerId('can-wait');
    // A Retry-After 10× the 0.1 s interval: a wait that ignored it could not pass for it.
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3, retryAfterSeconds: 1 } }, { polling: { ...FAST_POLLING, maxIntervalSeconds: 0.1, maxPollsPerRun: 2 } });
    expect((await handle.result()).polls).toBe(3);
    const polls = stack.simulator.requests({ offerId, endpoint: 'poll' }).map((r) => Date.parse(r.time));
    expect(polls).toHaveLength(3);
    // Poll 3 is the continued run's first: it too waits for the Retry-After poll 2 answered with.
    expectWaitOf(polls[2]! - polls[1]!, 1_000, 'poll 2 → 3 (after the continue-as-new)');
    expectWaitOf(polls[1]! - polls[0]!, 1_000, 'poll 1 → 2');
  });
});

describe('final API errors', () => {
  it.each([
    [400, FailureType.CppBadRequest],
    [403, FailureType.CppForbidden],
    [404, FailureType.CppNotFound],
  ] as const)('%i fails as %s after exactly one POST, with the error body', async (status, type) => {
    const offerId = stack.offerId(`e${status}`);
    const body = { error: { code: `Code${status}`, message: `realistic message for ${status}` } };
    const handle = await start(offerId, { cancel: { mode: 'error', status, body } });
    const failure = await expectWorkflowFailure(handle, type);
    // The whole chain: workflow failure → activity failure → the activity's typed failure.
    expect(failure.cause).toBeInstanceOf(ActivityFailure);
    const activityCause = (failure.cause as ActivityFailure).cause as ApplicationFailure;
    expect(activityCause).toBeInstanceOf(ApplicationFailure);
    expect(activityCause.type).toBe(type);
    expect(activityCause.nonRetryable).toBe(true);
    const info = failure.details?.[0] as FailureInfo;
    expect(info.httpStatus).toBe(status);
    expect(info.body).toBe(JSON.stringify(body));
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
    await expectNoWorkflowTaskFailure(handle);
  });
});

describe('transient errors honour Retry-After', () => {
  it('retries a 429 on the POST no sooner than Retry-After, then completes', async () => {
    const offerId = stack.offerId('429');
    const handle = await start(offerId, {
      cancel: { mode: 'synchronous' },
      faults: [{ on: 'cancel', fault: { kind: 'status', status: 429, retryAfter: '3' } }],
    });
    await handle.result();
    const posts = stack.simulator.requests({ offerId, endpoint: 'cancel' });
    expect(posts.map((p) => p.answered)).toEqual([429, 200]);
    // The retry policy alone would retry after 1 s; Retry-After asked for 3 s.
    expectWaitOf(Date.parse(posts[1]!.time) - Date.parse(posts[0]!.time), 3_000, 'POST 1 → 2');
  });

  it('retries a 503 on a poll no sooner than Retry-After, then completes', async () => {
    const offerId = stack.offerId('503');
    const handle = await start(offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 1 },
      faults: [{ on: 'poll', fault: { kind: 'status', status: 503, retryAfter: '3' } }],
    });
    const result = await handle.result();
    expect(result.polls).toBe(1);
    const polls = stack.simulator.requests({ offerId, endpoint: 'poll' });
    expect(polls.map((p) => p.answered)).toEqual([503, 200]);
    // The retry policy alone would retry after 1 s; Retry-After asked for 3 s.
    expectWaitOf(Date.parse(polls[1]!.time) - Date.parse(polls[0]!.time), 3_000, 'poll attempt 1 → 2');
  });

  it('waits at least the 202 Retry-After before the first poll', async () => {
    const offerId = stack.offerId('ra');
    // A Retry-After 10× the first interval (0.1 s).
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 1, retryAfterSeconds: 1 } });
    await handle.result();
    const [post] = stack.simulator.requests({ offerId, endpoint: 'cancel' });
    const [firstPoll] = stack.simulator.requests({ offerId, endpoint: 'poll' });
    expectWaitOf(Date.parse(firstPoll!.time) - Date.parse(post!.time), 1_000, 'POST → first poll');
  });
});

describe('deadlines, cancellation and guards', () => {
  it('fails with PollingDeadlineExceeded when the operation outlives timeoutSeconds', async () => {
    const offerId = stack.offerId('slow');
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } }, { polling: { ...FAST_POLLING, timeoutSeconds: 2 } });
    const failure = await expectWorkflowFailure(handle, FailureType.PollingDeadlineExceeded);
    expect(failure.message).toContain('2 s');
    await expectNoWorkflowTaskFailure(handle);
  });

  it('stops polling when the workflow is cancelled, notifies, and ends cancelled', async () => {
    const offerId = stack.offerId('wfcancel');
    const listener = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${offerId}`, args: [] });
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } }, { notify: [{ workflowId: listener.workflowId }] });
    await waitForProgress(handle, (p) => p.polls >= 2);
    await handle.cancel();
    const err: unknown = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const payload = (await listener.result()) as CompletionSignalPayload;
    expect(payload).toMatchObject({ outcome: 'workflowCanceled', workflowId: handle.workflowId });
    expect((await handle.query(progressQuery)).phase).toBe('workflowCanceled');
    const pollsAtCancel = stack.simulator.pollCount(PUBLISHER, offerId);
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.simulator.pollCount(PUBLISHER, offerId)).toBe(pollsAtCancel);
  });
});

describe('completion signals', () => {
  it('signals every notify target on success, including one added by the subscribe signal', async () => {
    const offerId = stack.offerId('notify-ok');
    const [a, b] = await Promise.all(
      ['a', 'b'].map((n) =>
        stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${n}-${offerId}`, args: n === 'b' ? ['customSignal'] : [] }),
      ),
    );
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3 } }, { notify: [{ workflowId: a!.workflowId }] });
    await handle.signal(subscribeSignal, { workflowId: b!.workflowId, signalName: 'customSignal' });
    const [pa, pb] = (await Promise.all([a!.result(), b!.result()])) as CompletionSignalPayload[];
    for (const p of [pa, pb]) {
      expect(p).toMatchObject({ outcome: 'succeeded', workflowId: handle.workflowId, result: { outcome: 'succeeded', mode: 'asynchronous' } });
    }
  });

  it('signals on failure with the typed failure, and a missing target is not fatal', async () => {
    const offerId = stack.offerId('notify-fail');
    const listener = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${offerId}`, args: [] });
    const handle = await start(offerId, { cancel: { mode: 'error', status: 404 } }, { notify: [{ workflowId: 'nobody-listens-here' }, { workflowId: listener.workflowId }] });
    await expectWorkflowFailure(handle, FailureType.CppNotFound);
    const payload = (await listener.result()) as CompletionSignalPayload;
    expect(payload).toMatchObject({ outcome: 'failed', failure: { type: FailureType.CppNotFound, httpStatus: 404 } });
  });
});

describe('starting', () => {
  it('attaches a duplicate start to the running cancellation (one POST)', async () => {
    const offerId = stack.offerId('dup');
    const first = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 4 } });
    const second = await startOfferCancellation(stack.client, input(offerId), { taskQueue: stack.taskQueue });
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.result();
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });

  it('runs as a child workflow of a release-orchestration workflow', async () => {
    const offerId = stack.offerId('child');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
    const result: unknown = await stack.client.workflow.execute('releaseParent', {
      taskQueue: stack.taskQueue,
      workflowId: `parent-${offerId}`,
      args: [input(offerId), stack.taskQueue],
    });
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2 });
  });

  it('the typed starter rejects bad input before starting anything', async () => {
    const bad = { publisherId: '', offerId: '../x', notificationEmails: 'not-an-email' };
    await expect(startOfferCancellation(stack.client, bad, { taskQueue: stack.taskQueue })).rejects.toBeInstanceOf(InvalidCancellationInputError);
  });

  it.each([
    ['empty object', {}, ['publisherId', 'offerId', 'notificationEmails']],
    ['path tricks and a CRLF e-mail', { publisherId: 'contoso', offerId: '../../admin', notificationEmails: 'a@b.com\r\nBcc: x@y.com' }, ['offerId', 'notificationEmails']],
    ['wrong types and an extra field', { publisherId: 7, offerId: 'o', notificationEmails: ['a@b.com'], token: 'x' }, ['publisherId', 'token']],
    ['not an object', 'contoso/contoso-offer', ['(input)']],
  ] as const)('fails as InvalidInput naming every bad field: %s', async (_name, raw, fields) => {
    // Started untyped, as the UI would, so the workflow's own validation is what answers.
    const handle = await stack.client.workflow.start(WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: `invalid-${stack.offerId()}`, args: [raw] });
    const failure = await expectWorkflowFailure(handle, FailureType.InvalidInput);
    for (const field of fields) expect(failure.message).toContain(field);
    await expectNoWorkflowTaskFailure(handle);
    expect(stack.simulator.requests({ endpoint: 'cancel' }).some((r) => r.path.includes('admin'))).toBe(false);
  });
});

describe('secrets', () => {
  it('no history of a success, a 202 with polls or a failure contains the bearer token, even one the server echoed', async () => {
    // Its own runs, so the test holds alone; any other run of this file on the task queue is scanned too.
    const own = await Promise.all([
      start(stack.offerId('secret-200'), { cancel: { mode: 'synchronous' } }),
      start(stack.offerId('secret-202'), { cancel: { mode: 'accepted', completeAfterPolls: 2 } }),
      start(stack.offerId('secret-404'), { cancel: { mode: 'error', status: 404 } }),
      // The server echoes the token in its 400 body (see test/token-echo.test.ts for every echo).
      start(stack.offerId('secret-echo'), { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'echoToken', where: 'body', status: 400 } }] }),
    ]);
    const ends = await Promise.allSettled(own.map((h) => h.result()));
    expect(ends.map((e) => (e.status === 'fulfilled' ? e.value.mode : ((e.reason as WorkflowFailedError).cause as ApplicationFailure).type))).toEqual([
      'synchronous',
      'asynchronous',
      FailureType.CppNotFound,
      FailureType.CppBadRequest,
    ]);
    const listed: WorkflowHandle[] = [];
    for await (const execution of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) {
      listed.push(stack.client.workflow.getHandle(execution.workflowId, execution.runId));
    }
    let decodedPayloads = 0;
    for (const handle of [...own, ...listed]) {
      const text = historyText(await handle.fetchHistory());
      expect(text).not.toContain(TEST_TOKEN);
      // The e-mail only exists inside payloads: proof the scan reads decoded payloads.
      if (text.includes('jondoe@contoso.com')) decodedPayloads += 1;
    }
    expect(decodedPayloads).toBeGreaterThanOrEqual(own.length);
  });
});
