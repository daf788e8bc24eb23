/**
 * `startOfferCancellation(…, { eager: true })`: Eager Workflow Start from the typed starter when the
 * starting process also runs the worker. Real dev server, the real worker in this process, the
 * simulator over HTTP.
 */
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkflowId, type CancelOfferInput } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startTestStack, type TestStack } from './helpers/stack';

const PUBLISHER = 'contoso';
let stack: TestStack;
/** A client on the worker's own connection: the only kind eager start works with. */
let sameProcessClient: Client;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'eager-start' });
  sameProcessClient = new Client({ connection: stack.nativeConnection, namespace: stack.namespace });
});
afterAll(async () => {
  await stack?.stop();
});

function input(offerId: string): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] };
}

const eventTypes = async (handle: { fetchHistory(): Promise<{ events?: { eventType?: unknown }[] | null }> }) =>
  ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);

describe('eager: true (Eager Workflow Start)', () => {
  it('the server hands the first task to this worker; the run and its history are those of a regular start, with one POST and no look-up', async () => {
    const offerId = stack.offerId('eager');
    const eager = await startOfferCancellation(sameProcessClient, input(offerId), { taskQueue: stack.taskQueue, eager: true });
    expect(eager.eagerlyStarted).toBe(true);
    expect(await eager.result()).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(1);
    expect(stack.simulator.requests({ offerId, endpoint: 'list' })).toEqual([]);

    const regular = await startOfferCancellation(sameProcessClient, input(stack.offerId('regular')), { taskQueue: stack.taskQueue });
    expect(regular.eagerlyStarted).toBe(false);
    await regular.result();
    expect(await eventTypes(eager)).toEqual(await eventTypes(regular));
  });

  it('from a client on another connection: the SDK refuses before anything starts', async () => {
    const offerId = stack.offerId('eager-foreign');
    await expect(startOfferCancellation(stack.client, input(offerId), { taskQueue: stack.taskQueue, eager: true })).rejects.toThrow(
      'Eager workflow start requires a NativeConnection shared between client and worker',
    );
    await expect(stack.client.workflow.getHandle(defaultWorkflowId(PUBLISHER, offerId)).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    expect(stack.simulator.requests({ offerId })).toEqual([]);
  });

  it("with waitFor: 'accepted': refused up front, naming both options, and nothing starts", async () => {
    const offerId = stack.offerId('eager-accepted');
    const options = { taskQueue: stack.taskQueue, eager: true, waitFor: 'accepted' } as const;
    // @ts-expect-error the types refuse the pair too; this is the check for JavaScript callers.
    await expect(startOfferCancellation(sameProcessClient, input(offerId), options)).rejects.toThrow(
      new TypeError("eager: true works with waitFor: 'started' only; the server does not start Update-with-Start eagerly"),
    );
    expect(stack.simulator.requests({ offerId })).toEqual([]);
  });
});
