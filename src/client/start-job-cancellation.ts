/**
 * The typed way for code to cancel a Product Ingestion configure job: validates the input first
 * (the workflow's own rules), uses the job's default workflow id so a second start attaches to the
 * running one, and labels the run with the job id up front. `waitFor: 'accepted'` returns once the
 * API answered the cancel, in one call (Update-with-Start), as the offer's starter does.
 */
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  cancelPhaseSearchAttribute,
  DEFAULT_TASK_QUEUE,
  defaultJobWorkflowId,
  INGESTION_WORKFLOW_TYPE,
  jobCancelAnswerUpdate,
  jobIdSearchAttribute,
  subscribeSignal,
  type CancelJobInput,
  type JobCancelAnswer,
} from '../contract';
import { jobStartDetails, jobStartSummary } from '../workflow-safe/job-progress-summary';
import { validateJobInput, type NormalizedJobInput } from '../workflow-safe/job-input';
import type { cancelIngestionJob } from '../workflows/cancel-ingestion-job';

export type JobCancellationHandle = WorkflowHandleWithFirstExecutionRunId<typeof cancelIngestionJob>;

export interface StartJobCancellationOptions {
  /** @default 'cpp-offer-cancellation' */
  taskQueue?: string;
  /** @default `ingestion-cancel/<jobId>` */
  workflowId?: string;
  /** `started` (default), or `accepted`: return once the API answered the cancel, with how. */
  waitFor?: 'started' | 'accepted';
}

/** Raised before anything is started when the input would fail the workflow's own validation; names every field. */
export class InvalidJobInputError extends Error {
  readonly code = 'InvalidInput';
  constructor(readonly problems: string[]) {
    super(`invalid input: ${problems.join('; ')}`);
    this.name = 'InvalidJobInputError';
  }
}

/** Raised when the namespace lacks the search attribute `IngestionJobId` every job's run is labelled with. */
export class JobSearchAttributeMissingError extends Error {
  readonly code = 'NamespaceNotReady';
  constructor(namespace: string, cause: unknown) {
    super(`namespace ${namespace} lacks the search attribute IngestionJobId, which labels every job cancellation: run \`npm run setup\` with this TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (docs/production.md)`, { cause });
    this.name = 'JobSearchAttributeMissingError';
  }
}

/** Temporal's refusal of a start whose search attribute the namespace has never registered, in our terms. */
function explained(client: Client, err: unknown): unknown {
  const text = err instanceof Error ? `${err.message} ${err.cause instanceof Error ? err.cause.message : ''}` : '';
  return /IngestionJobId/.test(text) && /search attribute/i.test(text) ? new JobSearchAttributeMissingError(client.options.namespace, err) : err;
}

/** The start options every path uses (the typed starter, the Nexus handler, the batch's children). */
export function jobStartOptions(input: CancelJobInput, normalized: NormalizedJobInput, options: Pick<StartJobCancellationOptions, 'taskQueue' | 'workflowId'>) {
  return {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? defaultJobWorkflowId(normalized.jobId),
    args: [input] as [CancelJobInput],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: jobStartSummary(normalized.jobId),
    staticDetails: jobStartDetails(normalized),
    typedSearchAttributes: [
      { key: jobIdSearchAttribute, value: normalized.jobId },
      { key: cancelPhaseSearchAttribute, value: 'requesting' },
    ],
  } satisfies WorkflowStartOptions<typeof cancelIngestionJob>;
}

/** Starts a job's cancellation, or attaches to the one running for the same workflow id. */
export async function startJobCancellation(client: Client, input: CancelJobInput, options?: StartJobCancellationOptions & { waitFor?: 'started' }): Promise<JobCancellationHandle>;
export async function startJobCancellation(
  client: Client,
  input: CancelJobInput,
  options: StartJobCancellationOptions & { waitFor: 'accepted' },
): Promise<{ handle: WorkflowHandle<typeof cancelIngestionJob>; answer: JobCancelAnswer }>;
export async function startJobCancellation(
  client: Client,
  input: CancelJobInput,
  options: StartJobCancellationOptions = {},
): Promise<JobCancellationHandle | { handle: WorkflowHandle<typeof cancelIngestionJob>; answer: JobCancelAnswer }> {
  const validation = validateJobInput(input);
  if (!validation.ok) throw new InvalidJobInputError(validation.problems);
  const start = jobStartOptions(input, validation.input, options);
  if (options.waitFor === 'accepted') {
    const operation = new WithStartWorkflowOperation<typeof cancelIngestionJob>(INGESTION_WORKFLOW_TYPE, start);
    let answer: JobCancelAnswer;
    try {
      answer = await client.workflow.executeUpdateWithStart(jobCancelAnswerUpdate, { startWorkflowOperation: operation });
    } catch (err) {
      // The run's own typed failure (JobCancelRefused, …), not the update's wrapper.
      throw err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : explained(client, err);
    }
    const handle = await operation.workflowHandle();
    for (const target of validation.input.notify) await handle.signal(subscribeSignal, target);
    return { handle, answer };
  }
  const handle = await client.workflow.start<typeof cancelIngestionJob>(INGESTION_WORKFLOW_TYPE, start).catch((err: unknown) => {
    throw explained(client, err);
  });
  for (const target of validation.input.notify) await handle.signal(subscribeSignal, target);
  return handle;
}
