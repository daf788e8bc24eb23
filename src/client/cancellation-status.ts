/**
 * Client side: where a cancellation is, including the retries Temporal makes of a failed cancel
 * POST or poll, which the workflow's own `progress` query cannot see (it only says `requesting`).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { fromPayloadsAtIndex, type Timestamp } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { progressQuery, type CancelOfferProgress, type FailureInfo, type CallRetry } from '../contract';
import { CALL_NAMES } from '../contract/internal';


/** The workflow's `progress`, plus `retry` while a call is being retried. */
export interface CancellationStatus {
  progress: CancelOfferProgress;
  retry?: CallRetry;
}

const isoOf = (ts: Timestamp | null | undefined) =>
  ts?.seconds == null ? undefined : new Date(Number(ts.seconds.toString()) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();

function retryOf(handle: WorkflowHandle, pending: temporal.api.workflow.v1.IPendingActivityInfo): CallRetry {
  const activity = pending.activityType?.name ?? 'unknown';
  const failure = pending.lastFailure;
  let lastError: CallRetry['lastError'];
  if (failure) {
    const app = failure.applicationFailureInfo;
    let info: Partial<FailureInfo> | undefined;
    try {
      info = fromPayloadsAtIndex<Partial<FailureInfo>>(handle.client.options.loadedDataConverter.payloadConverter, 0, app?.details?.payloads);
    } catch {
      info = undefined; // Details are a convenience; the failure's own type and message suffice.
    }
    const type = app?.type || info?.type || (failure.timeoutFailureInfo ? 'Timeout' : 'Failure');
    lastError = { type, ...(typeof info?.httpStatus === 'number' ? { httpStatus: info.httpStatus } : {}), message: failure.message ?? info?.message ?? '' };
  }
  const nextAttemptAt = isoOf(pending.nextAttemptScheduleTime);
  return { activity, call: CALL_NAMES[activity] ?? activity, attempt: pending.attempt ?? 1, ...(lastError ? { lastError } : {}), ...(nextAttemptAt ? { nextAttemptAt } : {}) };
}

/**
 * Queries `progress` and describes the workflow in parallel. `retry` is present while a pending
 * activity is past its first attempt or has failed once, or while the run itself shows a retry.
 */
export async function getCancellationStatus(handle: WorkflowHandle): Promise<CancellationStatus> {
  const [progress, description] = await Promise.all([handle.query(progressQuery), handle.describe()]);
  const pending = description.raw.pendingActivities?.find((a) => (a.attempt ?? 1) > 1 || a.lastFailure);
  const own = progress.retry;
  // The POST's first try runs inside a workflow task: no pending activity shows it failed, only the run.
  if (!pending) return own ? { progress, retry: own } : { progress };
  const retry = retryOf(handle, pending);
  // Temporal counts the retried POST's attempts from the try after that first one; the run counts them all.
  return { progress, retry: own?.activity === retry.activity && own.attempt > retry.attempt ? { ...retry, attempt: own.attempt } : retry };
}
