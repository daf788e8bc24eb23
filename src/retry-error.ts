/** The last error a retry shows (`RetryState.lastError`): worded the same by activities and workflow. Pure. */
import type { ApplicationFailure } from '@temporalio/common';
import type { FailureInfo, RetryState } from './contract';

export function retryErrorOf(failure: ApplicationFailure): NonNullable<RetryState['lastError']> {
  const httpStatus = (failure.details?.[0] as Partial<FailureInfo> | undefined)?.httpStatus;
  return { type: failure.type ?? 'Failure', ...(typeof httpStatus === 'number' ? { httpStatus } : {}), message: failure.message };
}
