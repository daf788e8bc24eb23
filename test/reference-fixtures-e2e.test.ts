/**
 * The reference fixtures (test/fixtures/cpp/) end to end: real cancellations on the dev server, with
 * a real worker and HTTP client, where the simulator answers the cancel POST, a poll or the list
 * with a fixture's `response` as it stands (a `replay` fault). Each run must end as the README's
 * outcomes table says; test/cpp-client-fixtures.test.ts checks the client alone on the same files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, type CancelOfferInput, type FailureInfo } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import type { Fault, OfferScenario } from '../simulator/scenario';
import { loadCppFixture } from './helpers/cpp-fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
// Polls 0.1–0.2 s apart: far below the fixtures' Retry-After of 3 s, so a wait of 3 s can only be that.
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.2, backoffCoefficient: 2 };
/** The operation id of the terminal fixtures (the one the cancel 202's migrated Location example names). */
const CANCEL_OPERATION_ID = '56615b67-2185-49fe-80d2-c4ddf77bb2e8';
/** The id of the running cancel submission in the list fixtures. */
const LISTED_CANCEL_ID = '7d0c9a5e-3f2b-4e1a-8c6d-9b4f2e7a1c05';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'reference-fixtures' });
});
afterAll(async () => {
  await stack?.stop();
});

/** The simulator's answer: the fixture's status, headers and body, as they stand. */
function replay(name: string): Fault {
  const { status, headers, body } = loadCppFixture(name).response;
  return { kind: 'replay', status, headers, body };
}

/** The fixture's one header `name` (any case). */
function fixtureHeader(name: string, header: string): string | undefined {
  return Object.entries(loadCppFixture(name).response.headers).find(([key]) => key.toLowerCase() === header)?.[1];
}

async function run(offerId: string, scenario: OfferScenario, extra: Partial<CancelOfferInput> = {}) {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING, ...extra };
  return startOfferCancellation(stack.client, input, { taskQueue: stack.taskQueue });
}

/** What the simulator answered to each request of one kind for this offer, and when each came. */
function seen(offerId: string, endpoint: 'cancel' | 'list' | 'poll'): { answered: (number | 'reset')[]; at: number[]; paths: string[] } {
  const requests = stack.simulator.requests({ offerId, endpoint });
  return { answered: requests.map((r) => r.answered), at: requests.map((r) => Date.parse(r.time)), paths: requests.map((r) => r.path) };
}

describe('terminal operations on a poll', () => {
  it.each([
    ['get-operation-completed', 'completed'],
    ['get-operation-canceled', 'canceled'],
    ['get-operation-cancelled', 'canceled'],
  ] as const)('%s: the run succeeds, asynchronous, after one poll', async (name, status) => {
    const offerId = stack.offerId('terminal');
    const handle = await run(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 100 }, faults: [{ on: 'poll', fault: replay(name) }] });
    const result = await handle.result();
    const rawStatus = (loadCppFixture(name).response.body as { status: string }[])[0]?.status;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 1, operation: { id: CANCEL_OPERATION_ID, status, rawStatus } });
    expect(result.confirmedByLookup).toBeUndefined();
    expect(seen(offerId, 'cancel').answered).toEqual([202]);
    expect(seen(offerId, 'poll').answered).toEqual([200]);
  });

  it('get-operation-failed: WorkflowFailedError, CancelOperationFailed carrying the error', async () => {
    const offerId = stack.offerId('failed');
    const handle = await run(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 100 }, faults: [{ on: 'poll', fault: replay('get-operation-failed') }] });
    const failure = await expectWorkflowFailure(handle, FailureType.CancelOperationFailed);
    const error = (loadCppFixture('get-operation-failed').response.body as { error: string }[])[0]?.error;
    expect(error).toBe('The operation in progress could not be cancelled.');
    expect(failure.message).toContain(error);
    expect(seen(offerId, 'poll').answered).toEqual([200]);
    await expectNoWorkflowTaskFailure(handle);
  });
});

describe('final errors on the cancel POST', () => {
  it.each([
    ['cancel-400', FailureType.CppBadRequest, 'BadRequest'],
    ['cancel-403', FailureType.CppForbidden, 'Forbidden'],
    ['cancel-404', FailureType.CppNotFound, 'NotFound'],
  ] as const)('%s: %s after exactly one POST, the error body in details[0].body', async (name, type, code) => {
    const offerId = stack.offerId('error');
    const handle = await run(offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: replay(name) }] });
    const failure = await expectWorkflowFailure(handle, type);
    const { response } = loadCppFixture(name);
    const info = failure.details?.[0] as FailureInfo;
    expect(info).toMatchObject({ type, httpStatus: response.status, code });
    expect(JSON.parse(info.body ?? '')).toEqual(response.body);
    expect(seen(offerId, 'cancel').answered).toEqual([response.status]);
    expect(seen(offerId, 'list').answered).toEqual([]);
    await expectNoWorkflowTaskFailure(handle);
  });
});

describe('Retry-After honoured', () => {
  it('cancel-202-retry-after: the first poll waits the 202 Retry-After, at the Location as given', async () => {
    // The fixture's Location names contoso/contoso-offer, so this run cancels that offer (no other test here uses it).
    const offerId = 'contoso-offer';
    const location = fixtureHeader('cancel-202-retry-after', 'location');
    const retryAfterMs = Number(fixtureHeader('cancel-202-retry-after', 'retry-after')) * 1000;
    expect(retryAfterMs).toBeGreaterThanOrEqual(3_000);
    const handle = await run(offerId, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'cancel', fault: replay('cancel-202-retry-after') },
        { on: 'poll', fault: replay('get-operation-completed') },
      ],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 1, operation: { status: 'completed', location: `${stack.simulator.url}${location}` } });
    const post = seen(offerId, 'cancel');
    const poll = seen(offerId, 'poll');
    expect(post.answered).toEqual([202]);
    expect(poll.answered).toEqual([200]);
    expect(poll.at[0]! - post.at[0]!).toBeGreaterThanOrEqual(retryAfterMs - 100);
  });

  it('get-operation-retry-after: the next poll waits the poll answer Retry-After', async () => {
    const offerId = stack.offerId('poll-retry-after');
    const retryAfterMs = Number(fixtureHeader('get-operation-retry-after', 'retry-after')) * 1000;
    expect(retryAfterMs).toBeGreaterThanOrEqual(3_000);
    const handle = await run(offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 100 },
      faults: [
        { on: 'poll', fault: replay('get-operation-retry-after') },
        { on: 'poll', fault: replay('get-operation-completed') },
      ],
    });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2, operation: { status: 'completed' } });
    const poll = seen(offerId, 'poll');
    expect(poll.answered).toEqual([200, 200]);
    expect(poll.at[1]! - poll.at[0]!).toBeGreaterThanOrEqual(retryAfterMs - 100);
  });
});

describe('a running cancel submission in the list', () => {
  it.each([
    'list-operations-cancel-running',
    'list-operations-cancel-running-capitalised',
    'list-operations-cancel-running-properties-table',
    'list-operations-cancel-running-capitalised-properties-table',
  ])('%s: the POST retried after a 503 adopts it, polls it, and sends no second POST', async (name) => {
    const offerId = stack.offerId('adopt');
    const handle = await run(offerId, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'cancel', fault: { kind: 'status', status: 503 } },
        { on: 'list', fault: replay(name) },
        { on: 'poll', fault: replay('get-operation-completed') },
      ],
    });
    const result = await handle.result();
    expect(result).toMatchObject({
      outcome: 'succeeded',
      mode: 'asynchronous',
      polls: 1,
      confirmedByLookup: true,
      operation: { status: 'completed', location: `${stack.simulator.url}/api/publishers/${PUBLISHER}/offers/${offerId}/operations/${LISTED_CANCEL_ID}?api-version=2017-10-31` },
    });
    expect(seen(offerId, 'cancel').answered).toEqual([503]);
    expect(seen(offerId, 'list').answered).toEqual([200]);
    const poll = seen(offerId, 'poll');
    expect(poll.answered).toEqual([200]);
    expect(poll.paths).toEqual([`/api/publishers/${PUBLISHER}/offers/${offerId}/operations/${LISTED_CANCEL_ID}`]);
  });
});
