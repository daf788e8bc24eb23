/**
 * Other namespaces call the cancellation over Nexus: a caller workflow in a second namespace of the
 * dev server, with no client for ours, goes through the endpoint (created by `ensureNexusEndpoint`,
 * as `npm run dev` and `npm run setup` do) to `offerCancellation.cancelOffer` and `getProgress`.
 */
import { randomUUID } from 'node:crypto';
import Long from 'long';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { NexusOperationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultJobWorkflowId, defaultWorkflowId, type CancelOfferInput } from '../src/contract';
import { ensureNexusEndpoint } from '../src/client/namespace-setup';
import type { nexusCaller, nexusJobCaller } from './workflows';
import { startTestStack, type TestStack } from './helpers/stack';

const PUBLISHER = 'contoso';
const CALLER_QUEUE = 'nexus-caller';
let stack: TestStack;
let callerNamespace: string;
let endpoint: string;
let callerWorker: Worker;
let callerRun: Promise<void>;
let callerConnection: NativeConnection;
let caller: Client;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'nexus' });
  callerNamespace = `release-team-${randomUUID().slice(0, 8)}`;
  await stack.connection.workflowService.registerNamespace({ namespace: callerNamespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  endpoint = `offer-cancellation-${randomUUID().slice(0, 8)}`;
  expect(await ensureNexusEndpoint(stack.connection, { name: endpoint, namespace: stack.namespace, taskQueue: stack.taskQueue })).toBe('created');
  expect(await ensureNexusEndpoint(stack.connection, { name: endpoint, namespace: stack.namespace, taskQueue: stack.taskQueue })).toBe('present');
  // One of that name routed elsewhere is not taken for ours.
  await expect(ensureNexusEndpoint(stack.connection, { name: endpoint, namespace: stack.namespace, taskQueue: 'another-queue' })).rejects.toThrow(
    `Nexus endpoint ${endpoint} exists but routes to namespace ${stack.namespace}, task queue ${stack.taskQueue}, not to namespace ${stack.namespace}, task queue another-queue`,
  );
  // The other team's worker: its own namespace, its own queue; the same test bundle has its caller workflow.
  callerConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  for (let i = 0; ; i++) {
    try {
      callerWorker = await Worker.create({ connection: callerConnection, namespace: callerNamespace, taskQueue: CALLER_QUEUE, workflowBundle: { codePath: inject('workflowBundlePath') } });
      break;
    } catch (err) {
      // A namespace just registered takes a moment to be served.
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  callerRun = callerWorker.run();
  caller = new Client({ connection: stack.connection, namespace: callerNamespace });
}, 60_000);

afterAll(async () => {
  callerWorker?.shutdown();
  await callerRun?.catch(() => undefined);
  await callerConnection?.close();
  await stack?.stop();
});

function input(offerId: string): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 } };
}

describe('the offerCancellation Nexus service', () => {
  it('cancelOffer runs the cancellation in our namespace and completes with its result; getProgress answers its progress', async () => {
    const offerId = stack.offerId('nexus');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3 } });
    const handle = await caller.workflow.start<typeof nexusCaller>('nexusCaller', { taskQueue: CALLER_QUEUE, workflowId: `caller-${offerId}`, args: [endpoint, input(offerId)] });
    const { result, progress } = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 3 });
    expect(progress).toMatchObject({ phase: 'succeeded', polls: 3, publisherId: PUBLISHER, offerId });
    // The cancellation ran in our namespace, under its standard id, with one POST.
    const ours = await stack.client.workflow.getHandle(defaultWorkflowId(PUBLISHER, offerId)).describe();
    expect(ours.status.name).toBe('COMPLETED');
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(1);
    // What it cost the caller's history.
    const events = (await handle.fetchHistory()).events ?? [];
    const nexusEvents = events.filter((e) => Object.keys(e).some((k) => k.startsWith('nexusOperation') && (e as Record<string, unknown>)[k]));
    console.log(`Nexus caller: ${events.length} history events in all, ${nexusEvents.length} of them for its 2 operations`);
    expect(nexusEvents.length).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('a refused cancel reaches the caller as a failed operation with the typed failure', async () => {
    const offerId = stack.offerId('nexus-refused');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'error', status: 400 } });
    const handle = await caller.workflow.start<typeof nexusCaller>('nexusCaller', { taskQueue: CALLER_QUEUE, workflowId: `caller-${offerId}`, args: [endpoint, input(offerId)] });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const chain: string[] = [];
    for (let e: unknown = (err as WorkflowFailedError).cause; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
      const type = (e as { type?: unknown }).type;
      chain.push(`${e.constructor.name}${typeof type === 'string' ? `(${type})` : ''}`);
    }
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(NexusOperationFailure);
    expect(chain.join(' → ')).toContain('CppBadRequest');
  }, 120_000);

  it('cancelJob cancels a Product Ingestion job in our namespace; getJobProgress answers its progress', async () => {
    const jobId = randomUUID();
    stack.simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 2 } });
    const handle = await caller.workflow.start<typeof nexusJobCaller>('nexusJobCaller', {
      taskQueue: CALLER_QUEUE,
      workflowId: `job-caller-${jobId}`,
      args: [endpoint, { jobId, polling: { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 } }],
    });
    const { result, progress } = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 2, job: { jobId, result: 'cancelled' } });
    expect(progress).toMatchObject({ phase: 'succeeded', polls: 2, jobId });
    expect((await stack.client.workflow.getHandle(defaultJobWorkflowId(jobId)).describe()).status.name).toBe('COMPLETED');
    expect(stack.simulator.requests({ jobId, endpoint: 'jobCancel' })).toHaveLength(1);
  }, 120_000);
});
