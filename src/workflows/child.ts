/**
 * For release-orchestration workflows: run a cancellation as a child workflow.
 *
 * ```ts
 * import { executeOfferCancellation } from 'cpp-offer-cancellation/workflow';
 * const result = await executeOfferCancellation({ publisherId, offerId, notificationEmails });
 * ```
 * The parent's worker need not register `cancelOfferOperation`: the child runs on our task queue.
 * To be told of the end instead of awaiting it, pass `notify: [{ workflowId: <parent id> }]` in the
 * input and wait for `completionSignal` (src/contract/).
 */
import { executeChild, type ChildWorkflowOptions } from '@temporalio/workflow';
import { DEFAULT_TASK_QUEUE, defaultWorkflowId, WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../contract';
import type { cancelOfferOperation } from './cancel-offer-operation';
import { validateInput } from '../workflow-safe/cancel-input';
import { startDetails, startSummary } from '../workflow-safe/progress-summary';

/** The child's options as every parent starts it: the standard id, its UI summary and details. */
export function childOptions(input: CancelOfferInput, options: Partial<ChildWorkflowOptions>): ChildWorkflowOptions & { args: [CancelOfferInput] } {
  const validation = validateInput(input);
  return {
    taskQueue: DEFAULT_TASK_QUEUE,
    workflowId: defaultWorkflowId(input.publisherId, input.offerId),
    staticSummary: startSummary(input.publisherId, input.offerId),
    // Invalid input still starts the child, which then fails typed (InvalidInput); it just has no details.
    ...(validation.ok ? { staticDetails: startDetails(validation.input) } : {}),
    ...options,
    args: [input],
  };
}

/** Runs the cancellation as a child and returns its result; throws `ChildWorkflowFailure` on failure. */
export function executeOfferCancellation(input: CancelOfferInput, options: Partial<ChildWorkflowOptions> = {}): Promise<CancelOfferResult> {
  return executeChild<typeof cancelOfferOperation>(WORKFLOW_TYPE, childOptions(input, options));
}
