/** The last error a retry shows (`CallRetry.lastError`): worded the same by activities and workflow. Pure. */
import type { ApplicationFailure } from '@temporalio/common';
import type { FailureInfo, CallRetry } from '../contract';

export function retryErrorOf(failure: ApplicationFailure): NonNullable<CallRetry['lastError']> {
  const httpStatus = (failure.details?.[0] as Partial<FailureInfo> | undefined)?.httpStatus;
  return { type: failure.type ?? 'Failure', ...(typeof httpStatus === 'number' ? { httpStatus } : {}), message: failure.message };
}
