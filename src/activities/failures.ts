/**
 * Turns the CPP client's typed errors into Temporal failures, so that Temporal owns every retry:
 * the failure's `type` says what happened, `nonRetryable` whether trying again can help, and
 * `nextRetryDelay` carries the server's `Retry-After`.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FailureInfo } from '../contract';
import {
  CppAbortedError,
  CppAuthenticationError,
  CppConfigError,
  CppError,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
} from '../cpp/errors';

const HTTP_FAILURE_TYPES: Record<string, string> = {
  BadRequest: 'CppBadRequest',
  Unauthorized: 'CppUnauthorized',
  Forbidden: 'CppForbidden',
  NotFound: 'CppNotFound',
  RequestTimeout: 'CppRequestTimeout',
  Conflict: 'CppConflict',
  Throttled: 'CppThrottled',
  ServerError: 'CppServerError',
  UnexpectedStatus: 'CppUnexpectedStatus',
};

/** The Temporal failure type for a client error. */
export function failureTypeOf(err: CppError): string {
  if (err instanceof CppHttpError) return HTTP_FAILURE_TYPES[err.code] ?? 'CppUnexpectedStatus';
  if (err instanceof CppProtocolError) return 'CppProtocolError';
  if (err instanceof CppNetworkError) return 'CppNetworkError';
  if (err instanceof CppInvalidRequestError) return 'InvalidInput';
  if (err instanceof CppAuthenticationError) return 'CppAuthenticationError';
  if (err instanceof CppConfigError) return 'CppConfigError';
  return 'CppError';
}

/** The secret-free facts of a client error, as carried in failure details. */
export function failureInfoOf(err: CppError): FailureInfo {
  const status = 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  const body = 'body' in err && typeof err.body === 'string' ? err.body : undefined;
  return { type: failureTypeOf(err), message: err.message, code: err.code, httpStatus: status, body };
}

/**
 * Converts what the client threw. Aborts (the activity was cancelled) and foreign errors pass
 * through unchanged; the SDK reports those itself.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof CppError) || err instanceof CppAbortedError) return err;
  const info = failureInfoOf(err);
  return ApplicationFailure.create({
    type: info.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [info],
    // A Retry-After of 0 means "now"; leave the retry policy's backoff in charge then.
    nextRetryDelay: err.retryable && err.retryAfterMs ? err.retryAfterMs : undefined,
  });
}
