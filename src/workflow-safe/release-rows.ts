/**
 * A batch's rows, of either kind (a CPP offer's, a Product Ingestion job's): how each is named, and
 * which cancellation it is. Pure, so the workflow, the CLI and the tests say the same.
 */
import { defaultJobWorkflowId, defaultWorkflowId, type ReleaseJob, type ReleaseJobRow, type ReleaseOffer, type ReleaseRow } from '../contract';

export function isJobRow(row: ReleaseRow): row is ReleaseJobRow {
  return 'jobId' in row;
}

export function isJobItem(item: ReleaseOffer | ReleaseJob): item is ReleaseJob {
  return 'jobId' in item;
}

/** `contoso/contoso-offer`, or `job d4261631-…`. */
export function rowName(row: ReleaseRow | ReleaseOffer | ReleaseJob): string {
  return 'jobId' in row ? `job ${row.jobId}` : `${row.publisherId}/${row.offerId}`;
}

/** The pending row of an input item: its cancellation's standard workflow id (a duplicate attaches to the running one). */
export function pendingRow(item: ReleaseOffer | ReleaseJob): ReleaseRow {
  if (isJobItem(item)) return { jobId: item.jobId.toLowerCase(), workflowId: defaultJobWorkflowId(item.jobId), phase: 'pending' };
  return { publisherId: item.publisherId, offerId: item.offerId, workflowId: defaultWorkflowId(item.publisherId, item.offerId), phase: 'pending' };
}

/** `2 offers`, `1 job`, `2 offers and 1 job`: what a batch holds, in words. */
export function rowsLabel(rows: ReadonlyArray<ReleaseRow | ReleaseOffer | ReleaseJob>): string {
  const jobs = rows.filter((row) => 'jobId' in row).length;
  const offers = rows.length - jobs;
  const parts = [offers > 0 || jobs === 0 ? `${offers} offer${offers === 1 ? '' : 's'}` : '', jobs > 0 ? `${jobs} job${jobs === 1 ? '' : 's'}` : ''].filter(Boolean);
  return parts.join(' and ');
}
