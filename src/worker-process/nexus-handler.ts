/**
 * The worker's side of the `offerCancellation` Nexus service: `cancelOffer` is backed by the
 * cancellation workflow run (started with the typed starter's options, so a second call attaches to
 * the running one and is told of its end too); `getProgress` is a query.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { getClient, startWorkflow, WorkflowRunOperationHandler } from '@temporalio/nexus';
import { HandlerError, serviceHandler } from 'nexus-rpc';
import { defaultWorkflowId, progressQuery, WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../contract';
import { validateInput } from '../workflow-safe/cancel-input';
import { startOptions } from '../client/start-cancellation';
import type { cancelOfferOperation } from '../workflows/cancel-offer-operation';
import { offerCancellationService } from '../contract/nexus-service';

export const offerCancellationHandler = serviceHandler(offerCancellationService, {
  cancelOffer: new WorkflowRunOperationHandler<CancelOfferInput, CancelOfferResult>(async (ctx, input) => {
    const validation = validateInput(input);
    if (!validation.ok) throw new HandlerError('BAD_REQUEST', `invalid input: ${validation.problems.join('; ')}`);
    // The task queue is this worker's own (startWorkflow's default).
    const { taskQueue: _ours, ...options } = startOptions(input, validation.input, {});
    return startWorkflow<typeof cancelOfferOperation>(ctx, WORKFLOW_TYPE, options);
  }),
  getProgress: async (_ctx, ref) => {
    if (typeof ref?.publisherId !== 'string' || typeof ref.offerId !== 'string') throw new HandlerError('BAD_REQUEST', 'input must be {publisherId, offerId, workflowId?}');
    const workflowId = ref.workflowId ?? defaultWorkflowId(ref.publisherId, ref.offerId);
    try {
      return await getClient().workflow.getHandle(workflowId).query(progressQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HandlerError('NOT_FOUND', `no cancellation ${workflowId}`);
      throw err;
    }
  },
});
