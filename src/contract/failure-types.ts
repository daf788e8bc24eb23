/**
 * The typed failures of a cancellation: every `ApplicationFailure.type` a run can end with or that
 * Temporal retries, what each means (the README's tables say the same; a test holds them together),
 * and the facts a failure carries. Safe to import from workflow code.
 */

/** The typed failures a run can end with (`ApplicationFailure.type`), all non-retryable. */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  CppBadRequest: 'CppBadRequest',
  CppUnauthorized: 'CppUnauthorized',
  CppForbidden: 'CppForbidden',
  CppNotFound: 'CppNotFound',
  CppUnexpectedStatus: 'CppUnexpectedStatus',
  CppProtocolError: 'CppProtocolError',
  CppConfigError: 'CppConfigError',
  OperationMismatch: 'OperationMismatch',
  CancelOperationFailed: 'CancelOperationFailed',
  PollingDeadlineExceeded: 'PollingDeadlineExceeded',
  UnexpectedError: 'UnexpectedError',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Activity failure types that Temporal retries; a run never ends with one (at most as the last error of `PollingDeadlineExceeded`). */
export const RetriedFailureType = {
  CppThrottled: 'CppThrottled',
  CppServerError: 'CppServerError',
  CppRequestTimeout: 'CppRequestTimeout',
  CppConflict: 'CppConflict',
  CppNetworkError: 'CppNetworkError',
  CppAuthenticationError: 'CppAuthenticationError',
} as const;
export type RetriedFailureType = (typeof RetriedFailureType)[keyof typeof RetriedFailureType];

/**
 * The one table of failures: every type, whether it ends the run (`final`), and what it means (the
 * README's outcomes table says the same, and a test holds them together).
 */
export const FAILURES: Record<FailureType | RetriedFailureType, { final: boolean; meaning: string }> = {
  InvalidInput: { final: true, meaning: 'the input broke a rule above; the message names every bad field; nothing was sent' },
  CppBadRequest: { final: true, meaning: 'the cancel POST answered 400 (e.g. no operation in progress); the error body is in `details[0].body`' },
  CppUnauthorized: { final: true, meaning: 'the API answered 401 to a fresh token, or to a static token that cannot be refreshed: check the token audience and that the service principal was added to the publisher' },
  CppForbidden: { final: true, meaning: 'the API answered 403: no access to this publisher' },
  CppNotFound: { final: true, meaning: 'the API answered 404: no such publisher, offer or operation' },
  CppUnexpectedStatus: { final: true, meaning: 'an answer the reference does not document (a 3xx, never followed, or an odd 2xx or 4xx)' },
  CppProtocolError: { final: true, meaning: '202 without a usable location, a location on another origin (the token is never sent there), an unusable or oversized body' },
  CppConfigError: { final: true, meaning: "the worker's CPP settings are wrong, or Entra refused its credentials (fix the worker's configuration; the message names the variable)" },
  OperationMismatch: { final: true, meaning: '`expectedOperationId` is not the running operation, nothing runs, or it could not be checked; nothing was cancelled' },
  CancelOperationFailed: { final: true, meaning: 'the cancel operation ended `failed`; the message carries its `error`' },
  PollingDeadlineExceeded: { final: true, meaning: '`polling.timeoutSeconds` passed while polling, or while transient errors kept the POST from succeeding (the message names the last one)' },
  UnexpectedError: { final: true, meaning: 'a bug: an error no rule above covers; the message and cause say what it was' },
  CppThrottled: { final: false, meaning: '429: retried after `Retry-After` or the backoff' },
  CppServerError: { final: false, meaning: '5xx: retried with backoff, honouring `Retry-After`' },
  CppRequestTimeout: { final: false, meaning: '408: retried with backoff' },
  CppConflict: { final: false, meaning: '409: retried with backoff' },
  CppNetworkError: { final: false, meaning: 'no answer (refused, reset, timed out): retried with backoff' },
  CppAuthenticationError: { final: false, meaning: 'no token could be had from Entra: retried with backoff' },
};

/** Activity failure types that retrying cannot fix; the retry policies list them. */
export const FINAL_FAILURE_TYPES: string[] = Object.entries(FAILURES).flatMap(([type, { final }]) => (final ? [type] : []));

/** A failure as carried in `details[0]`, in `progress.lastError` and in completion signals. */
export interface FailureInfo {
  type: string;
  message: string;
  httpStatus?: number;
  /** Truncated, secret-free error body from the API. */
  body?: string;
  /** The client's stable error code (`BadRequest`, `ForeignLocation`, …). */
  code?: string;
  /** A retryable failure's `Retry-After`, in ms (a workflow sees no `nextRetryDelay` on a decoded failure). */
  retryAfterMs?: number;
  /** `JobEndedBeforeCancel`: how the Product Ingestion job ended, and its errors. */
  jobResult?: string;
  jobErrors?: { code?: string; message: string; resource?: string }[];
}
