/**
 * Retried cancels against the documented API, end to end on the dev server: transient POST
 * failures, the look-up of running operations (`GET …/submissions/?status=running`) that guards a
 * retried POST, `expectedOperationId`, and refused credentials. The simulator serves the
 * reference's list layout (`submissionState`; `status` or no state on demand).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, type CancelOfferInput, type CancelOfferResult, type FailureInfo } from '../src/contract';
import { StaticTokenProvider, type TokenProvider } from '../src/cpp/token-provider';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startTestStack, type TestStack } from './helpers/stack';
import { expectWaitOf } from './helpers/timing';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.5, backoffCoefficient: 2 };
// A short client timeout, so a slow answer is a timeout the server nevertheless acted on; the answer
// 5× later, so a timeout firing late on a busy machine still comes first. Only the cases with a slow
// answer run on that worker: on it, a prompt answer a busy machine held past 1 s would be a timeout too,
// and add requests where the others count them exactly.
const TIMEOUT_MS = 1_000;
const SLOW_MS = 5_000;

let stack: TestStack;
/** A worker whose CPP client gives up after TIMEOUT_MS, for the cases with a slow answer. */
let timeouts: TestStack;

beforeAll(async () => {
  [stack, timeouts] = await Promise.all([
    startTestStack({ taskQueuePrefix: 'retries' }),
    startTestStack({ taskQueuePrefix: 'retries-timeout', cppClientOptions: { headersTimeoutMs: TIMEOUT_MS, bodyTimeoutMs: TIMEOUT_MS } }),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), timeouts?.stop()]);
});

function input(offerId: string, extra: Partial<CancelOfferInput> = {}): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING, ...extra };
}

async function start(on: TestStack, offerId: string, scenario: OfferScenario, extra: Partial<CancelOfferInput> = {}): Promise<WorkflowHandle> {
  on.simulator.setScenario(PUBLISHER, offerId, scenario);
  return startOfferCancellation(on.client, input(offerId, extra), { taskQueue: on.taskQueue });
}

/** What the simulator answered to each request of one kind for this offer. */
function answers(on: TestStack, offerId: string, endpoint: 'cancel' | 'list' | 'poll'): (number | 'reset')[] {
  return on.simulator.requests({ offerId, endpoint }).map((r) => r.answered);
}

/** The id of the offer's running (Publish) operation, read through the documented list. */
async function runningOperationId(offerId: string): Promise<string> {
  const listed = await stack.cppClient.listOperations(PUBLISHER, offerId, { status: 'running' });
  // The simulator's own record: the one operation running on the offer, by the id it gave it.
  const running = stack.simulator.offerState(PUBLISHER, offerId).operations.filter((op) => op.status === 'running');
  expect(running).toHaveLength(1);
  expect(listed.map(({ id, state }) => ({ id, state }))).toEqual([{ id: running[0]?.id, state: 'running' }]);
  return listed[0]!.id!;
}

describe('a transient failure of the POST on an offer that runs an operation', () => {
  it.each([
    ['503', { kind: 'status', status: 503 }, [503, 200]],
    ['a reset', { kind: 'reset' }, ['reset', 200]],
  ] as const)('%s: the look-up still shows the operation running, so the POST is sent once more', async (_name, fault, posts) => {
    const offerId = stack.offerId('post-fault');
    const handle = await start(stack, offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault }] });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(result.confirmedByLookup).toBeUndefined();
    expect(answers(stack, offerId, 'cancel')).toEqual(posts);
    expect(answers(stack, offerId, 'list')).toEqual([200]);
    await expectNoWorkflowTaskFailure(handle);
  });

  it('429 with Retry-After: the retry waits for it, then completes with one more POST', async () => {
    const offerId = stack.offerId('post-429');
    const handle = await start(stack, offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 1 },
      faults: [{ on: 'cancel', fault: { kind: 'status', status: 429, retryAfter: '3' } }],
    });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 1 });
    const posts = stack.simulator.requests({ offerId, endpoint: 'cancel' });
    expect(posts.map((p) => p.answered)).toEqual([429, 202]);
    // The retry policy alone would come back after 1 s.
    expectWaitOf(Date.parse(posts[1]!.time) - Date.parse(posts[0]!.time), 3_000, 'POST 1 → 2');
  });

  it('a timeout after CPP cancelled synchronously: the look-up finds nothing running, no second POST', async () => {
    const offerId = timeouts.offerId('post-timeout-200');
    const handle = await start(timeouts, offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_MS } }] });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', confirmedByLookup: true });
    expect(timeouts.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });

  it('a timeout after CPP accepted: the running cancel operation is adopted and polled, no second POST', async () => {
    const offerId = timeouts.offerId('post-timeout-202');
    const handle = await start(timeouts, offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 2 },
      faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_MS } }],
    });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2, confirmedByLookup: true, operation: { status: 'completed' } });
    // One form of location whichever way the operation was found: absolute, on the API's origin.
    expect(result.operation.location).toMatch(new RegExp(`^${timeouts.simulator.url}/api/publishers/contoso/offers/${offerId}/operations/[0-9a-f-]{36}\\?api-version=2017-10-31$`));
    expect(timeouts.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });

  it('a timeout after CPP accepted, with list items whose state cannot be read: the cancel operation is still adopted', async () => {
    const offerId = timeouts.offerId('post-timeout-nostate');
    const handle = await start(timeouts, offerId, {
      cancel: { mode: 'accepted', completeAfterPolls: 1 },
      list: { stateField: 'none' },
      faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_MS } }],
    });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', confirmedByLookup: true });
    expect(timeouts.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });
});

describe('a look-up that fails never ends the run', () => {
  it.each([
    ['404', { kind: 'status', status: 404 }, [404]],
    ['an unparseable body', { kind: 'malformedJson' }, [200]],
    // Transient: the attempt is retried with backoff, and the second look-up answers.
    ['500', { kind: 'status', status: 500 }, [500, 200]],
  ] as const)('look-up answering %s after a 503 to the POST: completes with one more POST', async (_name, fault, lookups) => {
    const offerId = stack.offerId('lookup-fault');
    const handle = await start(stack, offerId, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'cancel', fault: { kind: 'status', status: 503 } },
        { on: 'list', fault },
      ],
    });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(answers(stack, offerId, 'cancel')).toEqual([503, 200]);
    expect(answers(stack, offerId, 'list')).toEqual(lookups);
  });

  it('look-up answering 404 after CPP had cancelled: the POST sent again is refused 400, read as nothing left to cancel', async () => {
    const offerId = timeouts.offerId('lookup-404-done');
    const handle = await start(timeouts, offerId, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_MS } },
        { on: 'list', fault: { kind: 'status', status: 404 } },
      ],
    });
    const result = (await handle.result()) as CancelOfferResult;
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', confirmedByRetriedPost: true });
    expect(answers(timeouts, offerId, 'cancel')).toEqual([200, 400]);
  });
});

describe('expectedOperationId against the documented list', () => {
  it.each(['submissionState', 'status'] as const)('the expected operation is running (list items carry %s): cancelled with one POST', async (stateField) => {
    const offerId = stack.offerId('expected-ok');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' }, list: { stateField } });
    const expectedOperationId = await runningOperationId(offerId);
    const handle = await start(stack, offerId, { cancel: { mode: 'synchronous' }, list: { stateField } }, { expectedOperationId });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1);
  });

  it('another operation is running: OperationMismatch, no POST', async () => {
    const offerId = stack.offerId('expected-other');
    const handle = await start(stack, offerId, { cancel: { mode: 'synchronous' } }, { expectedOperationId: 'not-the-running-one' });
    const failure = await expectWorkflowFailure(handle, FailureType.OperationMismatch);
    expect(failure.message).toContain('not-the-running-one');
    expect(failure.message).toContain(await runningOperationId(offerId));
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(0);
  });

  it('nothing is running: OperationMismatch, no POST', async () => {
    const offerId = stack.offerId('expected-none');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'synchronous' } });
    const expectedOperationId = await runningOperationId(offerId);
    await stack.cppClient.cancelOperation({ publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] });
    const handle = await start(stack, offerId, { cancel: { mode: 'synchronous' } }, { expectedOperationId });
    const failure = await expectWorkflowFailure(handle, FailureType.OperationMismatch);
    expect(failure.message).toContain('has no running operation');
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(1); // only the one made above, by hand
  });

  it('the look-up cannot answer (404): OperationMismatch naming the look-up, no POST', async () => {
    const offerId = stack.offerId('expected-404');
    const handle = await start(stack, offerId, { cancel: { mode: 'synchronous' }, faults: [{ on: 'list', fault: { kind: 'status', status: 404 } }] }, { expectedOperationId: 'x' });
    const failure = await expectWorkflowFailure(handle, FailureType.OperationMismatch);
    expect(failure.message).toContain('could not check expectedOperationId');
    expect(failure.message).toContain('look-up of running operations');
    expect(stack.simulator.postCount(PUBLISHER, offerId)).toBe(0);
  });
});

/** Hands out a new (wrong) token on every forced refresh, like Entra would for a misconfigured app. */
class RefusedTokens implements TokenProvider {
  readonly description = 'Entra client credentials (test)';
  #n = 0;
  async getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh) this.#n += 1;
    return `refused-token-${this.#n}`;
  }
}

describe('refused credentials end the run soon and typed', () => {
  it.each([
    ['a static token', undefined, 1],
    ['a refreshable credential', new RefusedTokens(), 2],
  ] as const)('%s the API refuses: CppUnauthorized in under 30 s, at most 3 requests', async (_name, tokenProvider, requests) => {
    // A worker whose token the simulator does not accept, on its own task queue.
    const refused = await startTestStack({ taskQueuePrefix: 'refused', token: 'the-simulator-accepts-this', tokenProvider: tokenProvider ?? new StaticTokenProvider('not-accepted') });
    try {
      const offerId = refused.offerId('refused');
      const started = Date.now();
      const handle = await start(refused, offerId, { cancel: { mode: 'synchronous' } });
      const failure = await expectWorkflowFailure(handle, FailureType.CppUnauthorized);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(failure.message).toContain('cancel POST answered HTTP 401');
      expect(failure.message).toContain('service principal');
      expect((failure.details?.[0] as FailureInfo).httpStatus).toBe(401);
      expect(refused.simulator.requests({ offerId })).toHaveLength(requests);
      expect(refused.simulator.requests({ offerId }).every((r) => r.auth === 'invalid')).toBe(true);
    } finally {
      await refused.stop();
    }
  });
});
