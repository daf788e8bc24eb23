/**
 * A 202 whose `Location` is on another origin (simulator fault `foreignLocation`), end to end: the
 * run fails `CppProtocolError` naming that origin, and nothing — no request, not even a connection
 * — reaches it, so the bearer token never travels there. The foreign origin is a real HTTP server
 * on the same host (another port is another origin) that counts what it gets and answers 404, so
 * a client that followed the Location would fail differently and leave a count.
 * Real Temporal dev server, real Worker with the real activities, real HTTP to the simulator.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityFailure, ApplicationFailure } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, progressQuery, type CancelOfferInput, type FailureInfo } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { historyText } from './helpers/history-text';
import { errorText, findLeaks } from './helpers/reliability';
import { startTestStack, TEST_TOKEN, type TestStack } from './helpers/stack';
import { expectNoWorkflowTaskFailure, expectWorkflowFailure } from './helpers/workflow-assertions';

const PUBLISHER = 'foreign';

let stack: TestStack;
/** The foreign origin: what it was sent, and whether anything connected at all. */
let foreign: Server;
let foreignOrigin = '';
let foreignConnections = 0;
const foreignRequests: { method: string; url: string; authorization: boolean }[] = [];

beforeAll(async () => {
  foreign = createServer((req, res) => {
    foreignRequests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization !== undefined });
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NotFound","message":"not here"}}');
  });
  foreign.on('connection', () => {
    foreignConnections += 1;
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  stack = await startTestStack({ taskQueuePrefix: 'foreign' });
});
afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
});

describe('a 202 whose Location is on another origin', () => {
  it('fails CppProtocolError naming the foreign origin; no request or connection reaches it, the token is nowhere', async () => {
    const offerId = stack.offerId('foreign');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 1 }, faults: [{ on: 'cancel', fault: { kind: 'foreignLocation', origin: foreignOrigin } }] });
    const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.5 } };
    const handle = await startOfferCancellation(stack.client, input, { taskQueue: stack.taskQueue });

    const failure = await expectWorkflowFailure(handle, FailureType.CppProtocolError);
    const message = `The Location points to ${foreignOrigin}, not to the CPP API at ${new URL(stack.simulator.url).origin}; it is not followed`;
    expect(failure.message).toBe(message);
    expect(failure.details?.[0] as FailureInfo).toEqual({ type: FailureType.CppProtocolError, code: 'ForeignLocation', httpStatus: 202, message });
    // The whole chain: workflow failure → activity failure → the activity's typed, final failure.
    expect(failure.cause).toBeInstanceOf(ActivityFailure);
    const activity = (failure.cause as ActivityFailure).cause as ApplicationFailure;
    expect(activity).toBeInstanceOf(ApplicationFailure);
    expect(activity.type).toBe(FailureType.CppProtocolError);
    expect(activity.nonRetryable).toBe(true);
    expect(activity.message).toBe(message);

    // The POST took effect (the server acted) and was sent once; nothing was polled anywhere.
    expect(stack.simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:202']);
    expect(stack.simulator.offerState(PUBLISHER, offerId).operations.map((op) => op.status)).toEqual(['canceling', 'running']);
    expect(foreignRequests).toEqual([]);
    expect(foreignConnections).toBe(0);

    const progress = await handle.query(progressQuery);
    expect(progress).toMatchObject({ phase: 'failed', polls: 0, lastError: { type: FailureType.CppProtocolError } });
    const history = historyText(await handle.fetchHistory());
    // The e-mail only exists inside payloads: proof the scan reads decoded payloads.
    expect(history).toContain('jondoe@contoso.com');
    expect(history).toContain(`The Location points to ${foreignOrigin}`);
    const leaks = [
      ...findLeaks('failure', errorText(failure), [TEST_TOKEN]),
      ...findLeaks('progress', JSON.stringify(progress), [TEST_TOKEN]),
      ...findLeaks(`history ${handle.workflowId}`, history, [TEST_TOKEN]),
    ];
    expect(leaks).toEqual([]);
    await expectNoWorkflowTaskFailure(handle);
  });
});
