/**
 * A server that echoes the bearer token back (simulator fault `echoToken`): in an error body, in
 * response headers, in the query of a same-origin `Location`. Each run ends exactly as the same
 * answer without the echo would, and the token appears nowhere a run leaves text: its history
 * (fetched and decoded), its failure chain (message, details, causes), its result and progress.
 * Real Temporal dev server, real Worker with the real activities, real HTTP to the simulator.
 */
import { ActivityFailure, ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, progressQuery, type CancelOfferInput, type FailureInfo } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import type { Fault, OfferScenario } from '../simulator/scenario';
import { historyText } from './helpers/history-text';
import { errorText, findLeaks } from './helpers/reliability';
import { startTestStack, TEST_TOKEN, type TestStack } from './helpers/stack';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure } from './helpers/workflow-assertions';

const PUBLISHER = 'echo';
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.5, backoffCoefficient: 2 };
/** What the echo body says once the client has redacted it. */
const REDACTED_ECHO = 'The request with Authorization: Bearer [REDACTED] failed (access token: [REDACTED]).';

let stack: TestStack;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'echo' });
});
afterAll(async () => {
  await stack?.stop();
});

async function start(offerId: string, scenario: OfferScenario) {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING };
  const handle = await startOfferCancellation(stack.client, input, { taskQueue: stack.taskQueue });
  handles.push(handle);
  return handle;
}

const echo = (where: 'body' | 'header' | 'location', status?: number): Fault => ({ kind: 'echoToken', where, ...(status !== undefined ? { status } : {}) });

/** Asserts the token is nowhere in `value` (an error with its whole chain, a result, a query answer). */
function expectNoToken(what: string, value: unknown): void {
  expect(findLeaks(what, errorText(value), [TEST_TOKEN])).toEqual([]);
}

/** The run's history, decoded, after asserting the token is not in it. */
async function cleanHistory(handle: WorkflowHandle): Promise<string> {
  const text = historyText(await handle.fetchHistory());
  expect(findLeaks(`history ${handle.workflowId}`, text, [TEST_TOKEN])).toEqual([]);
  // The e-mail only exists inside payloads: proof the scan reads decoded payloads.
  expect(text).toContain('jondoe@contoso.com');
  return text;
}

/** The failure's details and the activity failure under it (workflow failure → activity failure → typed failure). */
function chainOf(failure: ApplicationFailure, type: FailureType): FailureInfo {
  expect(failure.cause).toBeInstanceOf(ActivityFailure);
  const activity = (failure.cause as ActivityFailure).cause as ApplicationFailure;
  expect(activity).toBeInstanceOf(ApplicationFailure);
  expect(activity.type).toBe(type);
  expect(activity.nonRetryable).toBe(true);
  expect(activity.cause).toBeUndefined();
  return failure.details?.[0] as FailureInfo;
}

describe('the simulator echoes the bearer token', () => {
  it('in a 400 body to the POST: CppBadRequest after one POST, the body kept with the token redacted', async () => {
    const offerId = stack.offerId('body400');
    const handle = await start(offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('body', 400) }] });
    const failure = await expectWorkflowFailure(handle, FailureType.CppBadRequest);
    expectNoToken('400 failure', failure);
    const info = chainOf(failure, FailureType.CppBadRequest);
    expect(info).toEqual({
      type: FailureType.CppBadRequest,
      code: 'BadRequest',
      httpStatus: 400,
      message: `CPP cancel POST answered HTTP 400 BadRequest: {"error":{"code":"BadRequest","message":"${REDACTED_ECHO}"}}`,
      body: `{"error":{"code":"BadRequest","message":"${REDACTED_ECHO}"}}`,
    });
    expect(failure.message).toBe(info.message);
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:400']);
    expectNoToken('400 progress', await handle.query(progressQuery));
    // The redacted echo reached the history: a body kept unredacted would have put the token there.
    expect(await cleanHistory(handle)).toContain(REDACTED_ECHO);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('in a 404 body to a poll: CppNotFound after one POST and one poll', async () => {
    const offerId = stack.offerId('body404');
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 2 }, faults: [{ on: 'poll', fault: echo('body', 404) }] });
    const failure = await expectWorkflowFailure(handle, FailureType.CppNotFound);
    expectNoToken('404 failure', failure);
    const info = chainOf(failure, FailureType.CppNotFound);
    expect(info).toMatchObject({ type: FailureType.CppNotFound, code: 'NotFound', httpStatus: 404, body: `{"error":{"code":"NotFound","message":"${REDACTED_ECHO}"}}` });
    expect(failure.message).toBe(`CPP poll of the operation (GET) answered HTTP 404 NotFound: {"error":{"code":"NotFound","message":"${REDACTED_ECHO}"}}`);
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:202', 'poll:404']);
    expect(await cleanHistory(handle)).toContain(REDACTED_ECHO);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('in a 503 body to the POST, retried: completes synchronously; the failed try is in the history, redacted', async () => {
    const offerId = stack.offerId('body503');
    const handle = await start(offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('body', 503) }] });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', polls: 0, operation: { status: 'canceled' } });
    // The retry looks the offer up first (the 503 may have hidden a cancel that took effect), then POSTs.
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:503', 'list:200', 'cancel:200']);
    expectNoToken('503 result', result);
    const history = await cleanHistory(handle);
    expect(history).toContain('CPP cancel POST answered HTTP 503 ServerError');
    expect(history).toContain(REDACTED_ECHO);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('in WWW-Authenticate and x-debug-token of the 202 and of every poll: completes asynchronously', async () => {
    const offerId = stack.offerId('header');
    const handle = await start(offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 2 },
      faults: [
        { on: 'cancel', fault: echo('header') },
        { on: 'poll', fault: echo('header'), times: 2 },
      ],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2, operation: { status: 'completed' } });
    expect(result.operation.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/publishers\/echo\/offers\/[^/]+\/operations\/[0-9a-f-]{36}\?api-version=2017-10-31$/);
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:202', 'poll:200', 'poll:200']);
    expectNoToken('header result', result);
    await cleanHistory(handle);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('in the headers of a 401 to the POST: CppUnauthorized after one POST (a static token cannot be refreshed)', async () => {
    const offerId = stack.offerId('header401');
    const handle = await start(offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('header', 401) }] });
    const failure = await expectWorkflowFailure(handle, FailureType.CppUnauthorized);
    expectNoToken('401 failure', failure);
    const info = chainOf(failure, FailureType.CppUnauthorized);
    expect(info).toMatchObject({ type: FailureType.CppUnauthorized, code: 'Unauthorized', httpStatus: 401 });
    expect(failure.message).toMatch(/^CPP cancel POST answered HTTP 401 Unauthorized: \{"error":\{"code":"Unauthorized","message":"Authentication failed\./);
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:401']);
    await cleanHistory(handle);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('in the query of the 202 Location, then polled: completes asynchronously, the token kept out of the location', async () => {
    const offerId = stack.offerId('location');
    const handle = await start(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 2 }, faults: [{ on: 'cancel', fault: echo('location') }] });
    const result = await handle.result();
    expectNoToken('location result', result);
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2, operation: { status: 'completed' } });
    // The location polled, without the echoed parameter.
    expect(result.operation.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/publishers\/echo\/offers\/[^/]+\/operations\/[0-9a-f-]{36}\?api-version=2017-10-31$/);
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:202', 'poll:200', 'poll:200']);
    expect(stack.simulator.requests({ offerId, endpoint: 'poll' }).map((r) => r.query)).toEqual([{ 'api-version': '2017-10-31' }, { 'api-version': '2017-10-31' }]);
    expectNoToken('location progress', await handle.query(progressQuery));
    await cleanHistory(handle);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('the simulator kept none of the echoed tokens in its request log', () => {
    expect(handles.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(stack.simulator.requests())).not.toContain(TEST_TOKEN);
  });
});
