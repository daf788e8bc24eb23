/**
 * The errors the CPP client throws.
 *
 * Every class has a stable `code` (compare it, never the message), says whether trying again can
 * help (`retryable`) and carries the server's `Retry-After` when there was one (`retryAfterMs`).
 * They know nothing of Temporal: the activities (src/activities/application-failures.ts) map each class (and,
 * for {@link CppHttpError}, its `code`) to a failure type of the contract's `FAILURES` table
 * (src/contract/), e.g. `BadRequest` → `CppBadRequest`, {@link CppInvalidRequestError} →
 * `InvalidInput`; `retryable` becomes `nonRetryable`, `retryAfterMs` the next retry delay, and an
 * abort passes through as the cancellation it is.
 *
 * None of them ever carries a bearer token, a client secret or an `Authorization` header: bodies and
 * messages pass through the redactor before they get here, and causes are secret-free copies.
 */

/**
 * Which call an error or event belongs to: the CPP API's three, and the Product Ingestion API's
 * three (src/ingestion/ sends them over this same plumbing).
 */
export type CppEndpoint = 'cancel' | 'getOperation' | 'listOperations' | 'jobCancel' | 'jobStatus' | 'jobSummary';

/** How messages name each call, with its API, so an operator reading one knows which request broke. */
export const ENDPOINT_LABELS: Record<CppEndpoint, string> = {
  cancel: 'CPP cancel POST',
  getOperation: 'CPP poll of the operation (GET)',
  listOperations: 'CPP look-up of running operations (GET submissions)',
  jobCancel: 'Product Ingestion job cancel POST',
  jobStatus: 'Product Ingestion poll of the job status (GET)',
  jobSummary: "Product Ingestion summary of the job (GET)",
};

/** What to check when the API refuses our credentials even after a fresh token. */
export const UNAUTHORIZED_ADVICE =
  'check that the token is for https://cloudpartner.azure.com (scope https://cloudpartner.azure.com/.default) ' +
  "and that the service principal was added to the publisher's Partner Center account";

/** Base class of every error the CPP client throws. */
export abstract class CppError extends Error {
  /** Stable, machine-readable reason; see the subclasses for the values. */
  abstract readonly code: string;
  /** Whether the same request may succeed later (transient fault) or never will. */
  abstract readonly retryable: boolean;
  /** The server's `Retry-After`, in ms, when it sent one. */
  declare readonly retryAfterMs?: number;

  protected constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** The `code` of a {@link CppHttpError}, one per HTTP status class the API's callers care about. */
export type CppHttpErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'RequestTimeout'
  | 'Conflict'
  | 'Throttled'
  | 'ServerError'
  | 'UnexpectedStatus';

/** The code and retryability of an HTTP status that is not the expected answer. */
function classifyHttpStatus(status: number): { code: CppHttpErrorCode; retryable: boolean } {
  switch (status) {
    case 400:
      return { code: 'BadRequest', retryable: false };
    case 401:
      // The client only lets a 401 out when a fresh token did not help (or none can be had):
      // the credentials are wrong, and retrying for hours would only hide it.
      return { code: 'Unauthorized', retryable: false };
    case 403:
      return { code: 'Forbidden', retryable: false };
    case 404:
      return { code: 'NotFound', retryable: false };
    case 408:
      return { code: 'RequestTimeout', retryable: true };
    case 409:
      // Another operation holds the offer; it ends sooner or later.
      return { code: 'Conflict', retryable: true };
    case 429:
      return { code: 'Throttled', retryable: true };
    default:
      if (status >= 500 && status <= 599) return { code: 'ServerError', retryable: true };
      // 3xx (never followed: the token must not travel), odd 2xx and other 4xx: nothing to wait for.
      return { code: 'UnexpectedStatus', retryable: false };
  }
}

/**
 * The API answered with a status that is not a success for this call.
 *
 * `body` is the start of the answer (at most {@link MAX_ERROR_BODY_CHARS} characters, secrets
 * redacted): CPP explains 400/403/404 there.
 */
export class CppHttpError extends CppError {
  readonly code: CppHttpErrorCode;
  readonly retryable: boolean;
  readonly status: number;
  readonly endpoint: CppEndpoint;
  readonly method: string;
  /** Start of the response body, redacted and truncated. */
  declare readonly body?: string;
  /** `x-ms-request-id` (or the correlation id) of the answer, for a support ticket. */
  declare readonly requestId?: string;

  constructor(init: {
    status: number;
    endpoint: CppEndpoint;
    method: string;
    body?: string;
    retryAfterMs?: number;
    requestId?: string;
    /** What to check, appended to the message (e.g. after a 401 a fresh token did not cure). */
    advice?: string;
  }) {
    const { code, retryable } = classifyHttpStatus(init.status);
    const snippet = init.body ? `: ${oneLine(init.body, 200)}` : '';
    const advice = init.advice ? `; ${init.advice}` : '';
    super(`${ENDPOINT_LABELS[init.endpoint]} answered HTTP ${init.status} ${code}${snippet}${advice}`, {
      retryAfterMs: init.retryAfterMs,
    });
    this.name = 'CppHttpError';
    this.code = code;
    this.retryable = retryable;
    this.status = init.status;
    this.endpoint = init.endpoint;
    this.method = init.method;
    if (init.body !== undefined) this.body = truncate(init.body, MAX_ERROR_BODY_CHARS);
    if (init.requestId !== undefined) this.requestId = init.requestId;
  }
}

/** The `code` of a {@link CppProtocolError}. */
export type CppProtocolErrorCode =
  | 'MissingLocation'
  | 'ForeignLocation'
  | 'InvalidLocation'
  | 'MalformedBody'
  | 'UnexpectedBody'
  | 'ResponseTooLarge';

/**
 * The answer broke the API's contract (no usable `Location`, a body that is not the documented
 * JSON, a body too large to be one). Final: asking again gets the same answer.
 */
export class CppProtocolError extends CppError {
  readonly code: CppProtocolErrorCode;
  readonly retryable = false;
  /** Status of the answer, when one came. */
  declare readonly status?: number;
  /** Start of the response body, redacted and truncated. */
  declare readonly body?: string;

  constructor(code: CppProtocolErrorCode, message: string, options: { status?: number; body?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CppProtocolError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.body !== undefined) this.body = truncate(options.body, MAX_ERROR_BODY_CHARS);
  }
}

/** The `code` of a {@link CppNetworkError}. */
export type CppNetworkErrorCode = 'ConnectTimeout' | 'HeadersTimeout' | 'BodyTimeout' | 'ConnectionReset' | 'ConnectionFailed';

/** No (complete) answer: the connection failed, broke or timed out. Always worth another try. */
export class CppNetworkError extends CppError {
  readonly code: CppNetworkErrorCode;
  readonly retryable = true;
  /** The underlying error code (`UND_ERR_SOCKET`, `ECONNREFUSED`, …), when there was one. */
  declare readonly causeCode?: string;

  constructor(code: CppNetworkErrorCode, message: string, options: { causeCode?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CppNetworkError';
    this.code = code;
    if (options.causeCode !== undefined) this.causeCode = options.causeCode;
  }
}

/** The caller's `AbortSignal` fired (activity cancelled). Not retried: nobody waits for the answer. */
export class CppAbortedError extends CppError {
  readonly code = 'Aborted';
  readonly retryable = false;

  constructor(message = 'CPP request aborted by the caller', options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CppAbortedError';
  }
}

/** A value given to the client cannot go into a request (bad id, e-mail list, API version, location). */
export class CppInvalidRequestError extends CppError {
  readonly code = 'InvalidRequest';
  readonly retryable = false;
  /** The offending input, e.g. `publisherId`, `notificationEmails`, `apiVersion`, `location`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`Invalid ${field}: ${problem}`);
    this.name = 'CppInvalidRequestError';
    this.field = field;
  }
}

/**
 * The token provider could not produce a token (Entra down, wrong tenant, expired secret…).
 *
 * Retryable: identity outages pass; a misconfiguration shows up as the same error on every attempt
 * and in the message. `errorName`/`errorCode` keep the underlying error's identity; its message is
 * kept only after redaction.
 */
export class CppAuthenticationError extends CppError {
  readonly code = 'TokenUnavailable';
  readonly retryable = true;
  declare readonly errorName?: string;
  declare readonly errorCode?: string;

  constructor(message: string, options: { errorName?: string; errorCode?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CppAuthenticationError';
    if (options.errorName !== undefined) this.errorName = options.errorName;
    if (options.errorCode !== undefined) this.errorCode = options.errorCode;
  }
}

/**
 * `expectedOperationId` does not name the operation the offer is running (another one runs, or
 * none): nothing was cancelled. Final: the caller's guard did its job.
 */
export class OperationMismatchError extends CppError {
  readonly code = 'OperationMismatch';
  readonly retryable = false;
  readonly expected: string;
  /** The running operation's id, when one runs (and has one). */
  declare readonly actual?: string;

  constructor(message: string, expected: string, actual?: string) {
    super(message);
    this.name = 'OperationMismatchError';
    this.expected = expected;
    if (actual !== undefined) this.actual = actual;
  }
}

/** A client or token-provider option is wrong. Thrown at construction, before any request. */
export class CppConfigError extends CppError {
  readonly code = 'InvalidConfig';
  readonly retryable = false;
  /** The option or environment variable at fault. */
  readonly field: string;
  /** What is wrong with it, without the field. */
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`Invalid CPP client configuration, ${field}: ${problem}`);
    this.name = 'CppConfigError';
    this.field = field;
    this.problem = problem;
  }
}

/** Longest response body kept on an error. */
export const MAX_ERROR_BODY_CHARS = 2048;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max);
}
