/**
 * The typed way for code to cancel a whole release: validates the batch's input first (the rules
 * the workflow applies), names the batch after its release, and sets its UI summary.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, defaultReleaseWorkflowId, RELEASE_WORKFLOW_TYPE, type CancelReleaseInput } from '../contract';
import { validateReleaseInput } from '../workflow-safe/release-input';
import type { cancelReleaseOffers } from '../workflows/cancel-release-offers';

export type ReleaseCancellationHandle = WorkflowHandleWithFirstExecutionRunId<typeof cancelReleaseOffers>;

/** Raised before anything is started when the batch's input would fail the workflow's validation; names every problem. */
export class InvalidReleaseInputError extends Error {
  readonly code = 'InvalidInput';
  constructor(readonly problems: string[]) {
    super(`invalid input: ${problems.join('; ')}`);
    this.name = 'InvalidReleaseInputError';
  }
}

/** `Cancel operations on 3 offers of release 2026.12`: what the Temporal UI shows for the batch. */
function releaseSummaryLine(input: { releaseId?: string; offers: unknown[] }): string {
  return `Cancel operations on ${input.offers.length} offer${input.offers.length === 1 ? '' : 's'}${input.releaseId ? ` of release ${input.releaseId}` : ''}`;
}

/**
 * Starts the batch, or attaches to the one already running for the same release
 * (workflow id `cpp-cancel-release/<releaseId>`; a batch without a release id gets a fresh one).
 */
export async function startReleaseCancellation(
  client: Client,
  input: CancelReleaseInput,
  options: { taskQueue?: string; workflowId?: string } = {},
): Promise<ReleaseCancellationHandle> {
  const validation = validateReleaseInput(input);
  if (!validation.ok) throw new InvalidReleaseInputError(validation.problems);
  const { offers, releaseId, maxConcurrent, failFast } = validation.input;
  return client.workflow.start<typeof cancelReleaseOffers>(RELEASE_WORKFLOW_TYPE, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? defaultReleaseWorkflowId(releaseId ?? randomUUID()),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: releaseSummaryLine(validation.input),
    staticDetails: [`- Offers: ${offers.length}`, `- At most ${maxConcurrent} at a time`, `- Fail fast: ${failFast ? 'yes' : 'no'}`].join('\n'),
  });
}
