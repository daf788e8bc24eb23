/**
 * The Nexus service other namespaces call, through the endpoint `offer-cancellation`, without a
 * client for ours: `cancelOffer` starts (or attaches to) a CPP offer's cancellation and completes
 * with its result; `getProgress` answers its `progress`; `cancelJob` and `getJobProgress` do the
 * same for a Product Ingestion configure job. Importable from workflow code (callers use it with
 * `createNexusServiceClient`).
 */
import * as nexus from 'nexus-rpc';
import type { CancelOfferInput, CancelOfferProgress, CancelOfferResult } from './cancellation';
import type { CancelJobInput, CancelJobProgress, CancelJobResult } from './ingestion';

/** The Nexus endpoint `npm run dev` and `npm run setup` create (unless NEXUS_ENDPOINT names another), routing to our namespace and task queue. */
export const NEXUS_ENDPOINT = 'offer-cancellation';

/** Which cancellation `getProgress` reads: the offer's standard workflow id, or `workflowId`. */
export interface OfferRef {
  publisherId: string;
  offerId: string;
  workflowId?: string;
}

/** Which job cancellation `getJobProgress` reads: the job's standard workflow id, or `workflowId`. */
export interface JobRef {
  jobId: string;
  workflowId?: string;
}

export const offerCancellationService = nexus.service('offerCancellation', {
  cancelOffer: nexus.operation<CancelOfferInput, CancelOfferResult>(),
  getProgress: nexus.operation<OfferRef, CancelOfferProgress>(),
  cancelJob: nexus.operation<CancelJobInput, CancelJobResult>(),
  getJobProgress: nexus.operation<JobRef, CancelJobProgress>(),
});
