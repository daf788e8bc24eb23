/**
 * The typed way for code to start a cancellation: validates the input first (same rules as the
 * workflow), uses the default workflow id so a second start attaches to the running one, and
 * labels the run with its search attributes up front.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  cancelPhaseSearchAttribute,
  DEFAULT_TASK_QUEUE,
  defaultWorkflowId,
  offerIdSearchAttribute,
  publisherIdSearchAttribute,
  subscribeSignal,
  WORKFLOW_TYPE,
  type CancelOfferInput,
} from './contract';
import { validateInput } from './input';
import { startDetails, startSummary } from './progress-summary';
import type { cancelOfferOperation } from './workflows/cancel-offer-operation';

export type OfferCancellationHandle = WorkflowHandleWithFirstExecutionRunId<typeof cancelOfferOperation>;

export interface StartOfferCancellationOptions {
  /** @default 'cpp-offer-cancellation' */
  taskQueue?: string;
  /** @default `cpp-cancel/<publisherId>/<offerId>` */
  workflowId?: string;
}

/** Raised before anything is started when the input would fail the workflow's own validation. */
export class InvalidCancellationInputError extends Error {
  readonly code = 'InvalidInput';
  constructor(readonly problems: string[]) {
    super(`invalid input: ${problems.join('; ')}`);
    this.name = 'InvalidCancellationInputError';
  }
}

/**
 * Starts a cancellation, or attaches to the one already running for the same workflow id.
 * Notify targets in the input are also sent as `subscribe` signals, so an attaching caller is told too.
 */
export async function startOfferCancellation(
  client: Client,
  input: CancelOfferInput,
  options: StartOfferCancellationOptions = {},
): Promise<OfferCancellationHandle> {
  const validation = validateInput(input);
  if (!validation.ok) throw new InvalidCancellationInputError(validation.problems);
  const { publisherId, offerId, notify } = validation.input;
  const handle = await client.workflow.start<typeof cancelOfferOperation>(WORKFLOW_TYPE, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? defaultWorkflowId(publisherId, offerId),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: startSummary(publisherId, offerId),
    staticDetails: startDetails(validation.input),
    typedSearchAttributes: [
      { key: publisherIdSearchAttribute, value: publisherId },
      { key: offerIdSearchAttribute, value: offerId },
      { key: cancelPhaseSearchAttribute, value: 'requesting' },
    ],
  });
  for (const target of notify) await handle.signal(subscribeSignal, target);
  return handle;
}
