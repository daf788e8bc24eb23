/**
 * The worker's side of the `offerCancellation` Nexus service: `cancelOffer` is backed by the
 * cancellation workflow run (started with the typed starter's options, so a second call attaches to
 * the running one and is told of its end too); `getProgress` is a query. `cancelJob` and
 * `getJobProgress` are the same for a Product Ingestion job.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { getClient, startWorkflow, WorkflowRunOperationHandler } from '@temporalio/nexus';
import { HandlerError, serviceHandler } from 'nexus-rpc';
import { defaultJobWorkflowId, defaultWorkflowId, INGESTION_WORKFLOW_TYPE, jobProgressQuery, progressQuery, WORKFLOW_TYPE, type CancelJobInput, type CancelJobResult, type CancelOfferInput, type CancelOfferResult } from '../contract';
import { validateInput } from '../workflow-safe/cancel-input';
import { validateJobInput } from '../workflow-safe/job-input';
import { startOptions } from '../client/start-cancellation';
import { jobStartOptions } from '../client/start-job-cancellation';
import type { cancelIngestionJob } from '../workflows/cancel-ingestion-job';
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
    return progressOf(ref.workflowId ?? defaultWorkflowId(ref.publisherId, ref.offerId), progressQuery);
  },
  cancelJob: new WorkflowRunOperationHandler<CancelJobInput, CancelJobResult>(async (ctx, input) => {
    const validation = validateJobInput(input);
    if (!validation.ok) throw new HandlerError('BAD_REQUEST', `invalid input: ${validation.problems.join('; ')}`);
    const { taskQueue: _ours, ...options } = jobStartOptions(input, validation.input, {});
    return startWorkflow<typeof cancelIngestionJob>(ctx, INGESTION_WORKFLOW_TYPE, options);
  }),
  getJobProgress: async (_ctx, ref) => {
    if (typeof ref?.jobId !== 'string') throw new HandlerError('BAD_REQUEST', 'input must be {jobId, workflowId?}');
    return progressOf(ref.workflowId ?? defaultJobWorkflowId(ref.jobId), jobProgressQuery);
  },
});

/** The `progress` query of the run `workflowId`; NOT_FOUND when there is none. */
async function progressOf<T>(workflowId: string, query: QueryDefinition<T>): Promise<T> {
  try {
    return await getClient().workflow.getHandle(workflowId).query(query);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new HandlerError('NOT_FOUND', `no cancellation ${workflowId}`);
    throw err;
  }
}
