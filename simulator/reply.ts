/**
 * The answer the simulator decided on, kept apart from the socket so that faults can delay,
 * truncate or replace it after the offer's state has already changed.
 */

/** A fully decided HTTP answer: status, headers and the exact body bytes. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The CPP's error code for each status, as Azure front ends spell them. */
const ERROR_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'The request is invalid.',
  401: 'Authentication failed. The Authorization header is missing or holds an invalid bearer token.',
  403: 'The client does not have access to the namespace named in the request.',
  404: 'The requested resource was not found.',
  408: 'The request timed out.',
  409: 'The request conflicts with the current state of the resource.',
  429: 'Rate limit is exceeded. Try again later.',
  500: 'An internal server error occurred.',
  502: 'The gateway received an invalid response from the upstream server.',
  503: 'The service is temporarily unavailable. Try again later.',
  504: 'The gateway timed out waiting for the upstream server.',
};

/** The code CPP puts in `error.code` for `status` (`Error` when there is no well-known one). */
function errorCodeFor(status: number): string {
  return ERROR_CODES[status] ?? 'Error';
}

/** A CPP-style error body: `{"error":{"code":"…","message":"…"}}`. */
function cppErrorBody(status: number, message?: string): { error: { code: string; message: string } } {
  return { error: { code: errorCodeFor(status), message: message ?? DEFAULT_MESSAGES[status] ?? `The request failed with status ${status}.` } };
}

/** A JSON answer. */
export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: Buffer.from(JSON.stringify(body)) };
}

/** A CPP-style JSON error answer. */
export function errorReply(status: number, message?: string, headers: Record<string, string> = {}): Reply {
  return jsonReply(status, cppErrorBody(status, message), headers);
}

/** An answer without a body (e.g. the synchronous cancel's 200). */
export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: Buffer.alloc(0) };
}

/**
 * A caller-supplied body (from a scenario): strings go out verbatim as text, so a test can send an
 * HTML error page the way a misbehaving gateway does; anything else is serialised as JSON.
 */
export function customBodyReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  if (typeof body === 'string') {
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(body) };
  }
  return jsonReply(status, body, headers);
}
