/**
 * The typed failures of a Product Ingestion job's cancellation: every `ApplicationFailure.type` its
 * run can end with or that Temporal retries, and what each means (docs/product-ingestion.md says the
 * same; a test holds them together). The API's HTTP answers map as the CPP API's do, with the API's
 * name in front (`IngestionForbidden` as `CppForbidden`). Safe to import from workflow code.
 */

/** The typed failures a job's cancellation can end with, all non-retryable. */
export const JobFailureType = {
  InvalidInput: 'InvalidInput',
  JobCancelRefused: 'JobCancelRefused',
  JobEndedBeforeCancel: 'JobEndedBeforeCancel',
  IngestionBadRequest: 'IngestionBadRequest',
  IngestionUnauthorized: 'IngestionUnauthorized',
  IngestionForbidden: 'IngestionForbidden',
  IngestionNotFound: 'IngestionNotFound',
  IngestionUnexpectedStatus: 'IngestionUnexpectedStatus',
  IngestionProtocolError: 'IngestionProtocolError',
  IngestionConfigError: 'IngestionConfigError',
  PollingDeadlineExceeded: 'PollingDeadlineExceeded',
  UnexpectedError: 'UnexpectedError',
} as const;
export type JobFailureType = (typeof JobFailureType)[keyof typeof JobFailureType];

/** Failure types of the job's calls that Temporal retries; a run never ends with one. */
export const RetriedJobFailureType = {
  IngestionThrottled: 'IngestionThrottled',
  IngestionServerError: 'IngestionServerError',
  IngestionRequestTimeout: 'IngestionRequestTimeout',
  IngestionConflict: 'IngestionConflict',
  IngestionNetworkError: 'IngestionNetworkError',
  IngestionAuthenticationError: 'IngestionAuthenticationError',
} as const;
export type RetriedJobFailureType = (typeof RetriedJobFailureType)[keyof typeof RetriedJobFailureType];

/** The one table of a job cancellation's failures (docs/product-ingestion.md says the same). */
export const JOB_FAILURES: Record<JobFailureType | RetriedJobFailureType, { final: boolean; meaning: string }> = {
  InvalidInput: { final: true, meaning: 'the input broke a rule (a job id that is not a GUID, a `version` that is not a schema version, CPP fields mixed in); the message names every bad field; nothing was sent' },
  JobCancelRefused: { final: true, meaning: 'the API refused the cancel (400) while the job still runs: it was too far along, and goes on; the error body is in `details[0].body`' },
  JobEndedBeforeCancel: { final: true, meaning: 'the job ended `succeeded` or `failed` before the cancel took effect; `details[0].jobResult` and `details[0].jobErrors` say how' },
  IngestionBadRequest: { final: true, meaning: 'the API answered 400 to a status read (a `$version` it does not take, say); the error body is in `details[0].body`' },
  IngestionUnauthorized: { final: true, meaning: 'the API answered 401 to a fresh token, or to a static token that cannot be refreshed: check that the token is for https://graph.microsoft.com' },
  IngestionForbidden: { final: true, meaning: "the API answered 403: no access to this seller's jobs" },
  IngestionNotFound: { final: true, meaning: 'the API answered 404: no such job' },
  IngestionUnexpectedStatus: { final: true, meaning: 'an answer the reference does not document (a 3xx, never followed, or an odd 2xx or 4xx)' },
  IngestionProtocolError: { final: true, meaning: 'an answer that is not the documented JSON, or too large to be one' },
  IngestionConfigError: { final: true, meaning: "the worker's Product Ingestion settings or credentials are wrong (the message names the variable)" },
  PollingDeadlineExceeded: { final: true, meaning: '`polling.timeoutSeconds` passed while polling the job, or while transient errors kept the cancel from succeeding (the message names the last one)' },
  UnexpectedError: { final: true, meaning: 'a bug: an error no rule above covers; the message and cause say what it was' },
  IngestionThrottled: { final: false, meaning: '429: retried after `Retry-After` or the backoff' },
  IngestionServerError: { final: false, meaning: '5xx: retried with backoff, honouring `Retry-After`' },
  IngestionRequestTimeout: { final: false, meaning: '408: retried with backoff' },
  IngestionConflict: { final: false, meaning: '409: retried with backoff' },
  IngestionNetworkError: { final: false, meaning: 'no answer (refused, reset, timed out): retried with backoff' },
  IngestionAuthenticationError: { final: false, meaning: 'no token for Microsoft Graph could be had from Entra: retried with backoff' },
};

/** The job's failure types that retrying cannot fix; its retry policies list them. */
export const FINAL_JOB_FAILURE_TYPES: string[] = Object.entries(JOB_FAILURES).flatMap(([type, { final }]) => (final ? [type] : []));
