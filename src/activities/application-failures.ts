/**
 * Turns the CPP client's typed errors into Temporal failures, so that Temporal owns every retry:
 * the failure's `type` says what happened, `nonRetryable` whether trying again can help, and
 * `nextRetryDelay` carries the server's `Retry-After`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, RetriedFailureType, type FailureInfo } from '../contract';
import {
  CppAbortedError,
  CppAuthenticationError,
  CppConfigError,
  CppError,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
  OperationMismatchError,
  type CppHttpErrorCode,
} from '../cpp/errors';

const HTTP_FAILURE_TYPES: Record<CppHttpErrorCode, FailureType | RetriedFailureType> = {
  BadRequest: FailureType.CppBadRequest,
  Unauthorized: FailureType.CppUnauthorized,
  Forbidden: FailureType.CppForbidden,
  NotFound: FailureType.CppNotFound,
  RequestTimeout: RetriedFailureType.CppRequestTimeout,
  Conflict: RetriedFailureType.CppConflict,
  Throttled: RetriedFailureType.CppThrottled,
  ServerError: RetriedFailureType.CppServerError,
  UnexpectedStatus: FailureType.CppUnexpectedStatus,
};

/** The Temporal failure type for a client error: always a key of the contract's `FAILURES` table. */
export function failureTypeOf(err: CppError): FailureType | RetriedFailureType {
  if (err instanceof CppHttpError) return HTTP_FAILURE_TYPES[err.code];
  if (err instanceof CppProtocolError) return FailureType.CppProtocolError;
  if (err instanceof CppNetworkError) return RetriedFailureType.CppNetworkError;
  if (err instanceof CppInvalidRequestError) return FailureType.InvalidInput;
  if (err instanceof CppAuthenticationError) return RetriedFailureType.CppAuthenticationError;
  if (err instanceof CppConfigError) return FailureType.CppConfigError;
  if (err instanceof OperationMismatchError) return FailureType.OperationMismatch;
  return FailureType.UnexpectedError;
}

/** Which API a call went to: the failure types of the Product Ingestion API carry its name instead of CPP's. */
export type Api = 'cpp' | 'ingestion';

/** `CppForbidden` → `IngestionForbidden`; the API-neutral types (`InvalidInput`, …) stay as they are. */
function forApi(type: string, api: Api): string {
  return api === 'ingestion' && type.startsWith('Cpp') ? `Ingestion${type.slice('Cpp'.length)}` : type;
}

/** The secret-free facts of a client error, as carried in failure details. */
function failureInfoOf(err: CppError, api: Api): FailureInfo {
  const status = 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  const body = 'body' in err && typeof err.body === 'string' ? err.body : undefined;
  return { type: forApi(failureTypeOf(err), api), message: err.message, code: err.code, httpStatus: status, body };
}

/**
 * Converts what the client threw. Aborts (the activity was cancelled) and foreign errors pass
 * through unchanged; the SDK reports those itself.
 */
export function toActivityFailure(err: unknown, api: Api = 'cpp'): unknown {
  if (!(err instanceof CppError) || err instanceof CppAbortedError) return err;
  const retryAfterMs = err.retryable && err.retryAfterMs ? err.retryAfterMs : undefined;
  const info = { ...failureInfoOf(err, api), ...(retryAfterMs ? { retryAfterMs } : {}) };
  return ApplicationFailure.create({
    type: info.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [info],
    // A Retry-After of 0 means "now"; leave the retry policy's backoff in charge then.
    nextRetryDelay: retryAfterMs,
  });
}
