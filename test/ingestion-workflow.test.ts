/**
 * A Product Ingestion configure job's cancellation end to end: the real dev server and worker, the
 * real activities and client, the simulator's ingestion routes over real HTTP. Each documented
 * outcome once, with the exact calls the API saw.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelPhaseSearchAttribute,
  defaultJobWorkflowId,
  INGESTION_WORKFLOW_TYPE,
  jobIdSearchAttribute,
  jobProgressQuery,
  JobFailureType,
  type CancelJobInput,
  type FailureInfo,
  type JobCompletionSignalPayload,
} from '../src/contract';
import type { JobScenario } from '../simulator/job-scenario';
import { InvalidJobInputError, startJobCancellation } from '../src/client/start-job-cancellation';
import { historyText } from './helpers/history-text';
import { startTestStack, TEST_TOKEN, type TestStack } from './helpers/stack';
import { expectNoWorkflowTaskFailure } from './helpers/workflow-assertions';

const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.3, backoffCoefficient: 2 };

let stack: TestStack;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'ingestion' });
});
afterAll(async () => {
  for (const handle of handles) await expectNoWorkflowTaskFailure(handle);
  await stack?.stop();
});

async function start(scenario: JobScenario, extra: Partial<CancelJobInput> = {}) {
  const jobId = randomUUID();
  stack.simulator.setJobScenario(jobId, scenario);
  const handle = await startJobCancellation(stack.client, { jobId, polling: FAST_POLLING, ...extra }, { taskQueue: stack.taskQueue });
  handles.push(handle);
  return { jobId, handle };
}

/** The run's typed failure: its `ApplicationFailure` and the details it carries. */
async function failureOf(handle: WorkflowHandle): Promise<{ failure: ApplicationFailure; info: FailureInfo }> {
  const err: unknown = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const details: unknown[] | null | undefined = (failure as ApplicationFailure).details;
  return { failure: failure as ApplicationFailure, info: details?.[0] as FailureInfo };
}

const calls = (jobId: string) => ({
  cancel: stack.simulator.requests({ jobId, endpoint: 'jobCancel' }),
  status: stack.simulator.requests({ jobId, endpoint: 'jobStatus' }),
  summary: stack.simulator.requests({ jobId, endpoint: 'jobSummary' }),
});

describe('the job is cancelled', () => {
  it('at once: one cancel POST, no status poll, and the summary of what it had processed', async () => {
    // Half way through its 4 resources when the cancel arrives: 2 were processed, and stand.
    const { jobId, handle } = await start({ startedAgoMs: 30_000, runsForMs: 60_000, resources: ['plan-a', 'plan-b', 'plan-c', 'plan-d'], cancel: { mode: 'immediate' } });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', polls: 0, job: { jobId, status: 'completed', result: 'cancelled' } });
    expect(result.processedResources).toHaveLength(2);
    expect(result.confirmedByLookup).toBeUndefined();
    const { cancel, status, summary } = calls(jobId);
    expect(cancel).toHaveLength(1);
    expect(cancel[0]).toMatchObject({ method: 'POST' });
    expect(cancel[0]).toMatchObject({ path: `/rp/product-ingestion/configure/${jobId}/cancel`, query: { $version: '2022-03-01-preview2' }, auth: 'valid' });
    expect(status).toHaveLength(0);
    expect(summary).toHaveLength(1);
    // The token went to the API, never into the history.
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain(TEST_TOKEN);
  });

  it('after a while: the cancel is taken, the job is polled until it ends cancelled; progress, search attributes and the completion signal say so', async () => {
    const { jobId, handle } = await start({ cancel: { mode: 'accepted', completesAfterPolls: 3 } });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 3, job: { status: 'completed', result: 'cancelled' } });
    expect(calls(jobId).cancel).toHaveLength(1);
    expect(calls(jobId).status).toHaveLength(3);
    expect(handle.workflowId).toBe(defaultJobWorkflowId(jobId));
    const progress = await handle.query(jobProgressQuery);
    expect(progress.summary).toMatch(/^succeeded · asynchronous · job completed: cancelled · 3 polls · after /);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(jobIdSearchAttribute)).toBe(jobId);
    expect(description.typedSearchAttributes.get(cancelPhaseSearchAttribute)).toBe('succeeded');
    expect(description.type).toBe(INGESTION_WORKFLOW_TYPE);
  });

  it('a job found cancelled already by a retry look-up is not cancelled again', async () => {
    // A 503 to the first POST: the retry looks at the status first.
    const { jobId, handle } = await start({ cancel: { mode: 'immediate' }, faults: [{ on: 'jobCancel', fault: { kind: 'status', status: 503 } }] });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    // 503 is served instead of the cancel, so the look-up finds it running and cancels: two POSTs, one look.
    expect(calls(jobId).cancel).toHaveLength(2);
    expect(calls(jobId).status).toHaveLength(1);
  });

  it('a job someone else had cancelled already: the 400 "already completed" and a look-up confirm it; no second cancel', async () => {
    const { jobId, handle } = await start({ startsAs: 'completed', jobResult: 'cancelled' });
    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', mode: 'synchronous', confirmedByLookup: true, processedResources: [] });
    expect(calls(jobId).cancel).toHaveLength(1);
    expect(calls(jobId).status).toHaveLength(1);
  });

  it('started as the Temporal UI starts it (raw input, no search attribute, no summary): it labels itself and shows its details', async () => {
    const jobId = randomUUID();
    stack.simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 1 } });
    const handle = await stack.client.workflow.start(INGESTION_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: defaultJobWorkflowId(jobId), args: [{ jobId: jobId.toUpperCase(), polling: FAST_POLLING }] });
    handles.push(handle);
    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', job: { jobId } });
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(jobIdSearchAttribute)).toBe(jobId);
    expect(description.typedSearchAttributes.get(cancelPhaseSearchAttribute)).toBe('succeeded');
    expect(await description.staticSummary()).toBeUndefined();
    // The starters' runs carry a summary for the UI's list and details for its page.
    const typed = await start({ cancel: { mode: 'immediate' } });
    await typed.handle.result();
    const typedDescription = await typed.handle.describe();
    expect(await typedDescription.staticSummary()).toBe(`Cancel configure job ${typed.jobId}`);
    expect(await typedDescription.staticDetails()).toContain('API: Product Ingestion, `$version` 2022-03-01-preview2');
  });

  it('a caller waiting on the completion signal gets the result', async () => {
    const listener = `job-listener-${randomUUID().slice(0, 8)}`;
    const waiting = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: listener, args: ['jobCancellationCompleted'] });
    const { handle } = await start({ cancel: { mode: 'accepted', completesAfterPolls: 1 } }, { notify: [{ workflowId: listener }] });
    const payload = (await waiting.result()) as unknown as JobCompletionSignalPayload;
    expect(payload).toMatchObject({ workflowId: handle.workflowId, outcome: 'succeeded', result: { mode: 'asynchronous', polls: 1 } });
  });

  it('waitFor accepted returns with the API answer before the job has ended', async () => {
    const jobId = randomUUID();
    stack.simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 2 } });
    const { handle, answer } = await startJobCancellation(stack.client, { jobId, polling: FAST_POLLING }, { taskQueue: stack.taskQueue, waitFor: 'accepted' });
    handles.push(handle);
    expect(answer).toMatchObject({ mode: 'asynchronous', job: { jobId, status: 'running', result: 'pending' } });
    expect(await handle.result()).toMatchObject({ mode: 'asynchronous', polls: 2 });
  });
});

describe('the job is not cancelled: typed, final failures', () => {
  it('JobCancelRefused: the API refused (400) while the job runs on; the body is kept', async () => {
    const { jobId, handle } = await start({ cancel: { mode: 'refused' } });
    const { failure, info } = await failureOf(handle);
    expect(failure.type).toBe(JobFailureType.JobCancelRefused);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`the API refused to cancel job ${jobId}, which goes on (running)`);
    expect(info).toMatchObject({ type: 'JobCancelRefused', httpStatus: 400 });
    expect(JSON.parse(info.body ?? '')).toEqual({ error: { code: 'badRequest', message: 'Cannot cancel job, the job is too far along to be cancelled.', details: [] } });
    // One POST, one look at the status to see whether an earlier cancel had taken effect: nothing more.
    expect(calls(jobId).cancel).toHaveLength(1);
    expect(calls(jobId).status).toHaveLength(1);
    expect((await handle.query(jobProgressQuery)).phase).toBe('failed');
  });

  it('JobEndedBeforeCancel: the job ended on its own as the cancel arrived, with its errors', async () => {
    const errors = [{ code: 'businessValidationError', message: 'The plan has no price.', resource: 'plan/contoso-plan' }];
    const { handle } = await start({ cancel: { mode: 'racesEnd' }, endsWith: 'failed', errors });
    const { failure, info } = await failureOf(handle);
    expect(failure.type).toBe(JobFailureType.JobEndedBeforeCancel);
    expect(failure.message).toContain('ended failed before the cancel took effect: The plan has no price.');
    expect(info).toMatchObject({ jobResult: 'failed', jobErrors: [{ message: 'The plan has no price.' }] });
  });

  it('JobEndedBeforeCancel: the job had already succeeded; the look-up after the 400 says how', async () => {
    const { jobId, handle } = await start({ startsAs: 'completed', jobResult: 'succeeded' });
    const { failure, info } = await failureOf(handle);
    expect(failure.type).toBe(JobFailureType.JobEndedBeforeCancel);
    expect(info.jobResult).toBe('succeeded');
    expect(calls(jobId).cancel).toHaveLength(1);
  });

  it('InvalidInput from a raw start (the Temporal UI or CLI): every bad field named, CPP fields named as such, nothing sent', async () => {
    const workflowId = `bad-job-${randomUUID().slice(0, 8)}`;
    const before = stack.simulator.requests().length;
    const handle = await stack.client.workflow.start(INGESTION_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ jobId: 'not-a-guid', version: 'latest', offerId: 'contoso-offer' }],
    });
    handles.push(handle);
    const { failure } = await failureOf(handle);
    expect(failure.type).toBe(JobFailureType.InvalidInput);
    expect(failure.message).toBe(
      'invalid input: jobId: must be a GUID like d4261631-c583-4949-a612-5150882632e9; version: must be a schema version like 2022-03-01-preview2; offerId: a CPP offer\'s field; a job\'s cancellation takes jobId (an offer is cancelled with cancelOfferOperation)',
    );
    expect(stack.simulator.requests().length).toBe(before);
    expect(historyText(await handle.fetchHistory())).not.toContain('ActivityTaskScheduled');
  });

  it('the typed starter refuses the same input before starting anything', async () => {
    await expect(startJobCancellation(stack.client, { jobId: 'nope' }, { taskQueue: stack.taskQueue })).rejects.toThrow(InvalidJobInputError);
  });
});
