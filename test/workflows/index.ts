/**
 * The workflows the tests' workers register: the product's, plus test-only callers that listen
 * for completion signals or run the cancellation as a child.
 */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import type { CancelOfferInput, CancelOfferResult, CompletionSignalPayload } from '../../src/contract';
import { COMPLETION_SIGNAL_NAME } from '../../src/contract';
import { executeOfferCancellation } from '../../src/workflows/child';

export * from '../../src/workflows';

/** Waits for one completion signal (default name or `signalName`) and returns its payload. */
export async function completionListener(signalName: string = COMPLETION_SIGNAL_NAME): Promise<CompletionSignalPayload> {
  let received: CompletionSignalPayload | undefined;
  setHandler(defineSignal<[CompletionSignalPayload]>(signalName), (payload) => {
    received = payload;
  });
  await condition(() => received !== undefined);
  return received as CompletionSignalPayload;
}

/** A release-orchestration stand-in: runs the cancellation as a child on `taskQueue`. */
export async function releaseParent(input: CancelOfferInput, taskQueue: string): Promise<CancelOfferResult> {
  return executeOfferCancellation(input, { taskQueue, workflowId: `child-of-${input.offerId}` });
}
