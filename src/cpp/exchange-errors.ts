/**
 * How an exchange that went wrong becomes a {@link CppError}: a thrown error (abort, network fault,
 * timeout) mapped by its code, an unexpected status as a {@link CppHttpError}, an answer that is
 * not the documented one as a {@link CppProtocolError}. Whatever text of the answer an error keeps
 * is redacted first.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  CppAbortedError,
  CppError,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
  ENDPOINT_LABELS,
  MAX_ERROR_BODY_CHARS,
  type CppEndpoint,
  type CppNetworkErrorCode,
} from './errors';
import { describeValue, errorCode, redactText, safeCause } from './redact';
import { parseRetryAfter } from './retry-after';

/** Which call an answer or failure belongs to. */
export interface CallIdentity {
  endpoint: CppEndpoint;
  method: 'GET' | 'POST';
}

/** A complete answer: status, headers and (for a read body) its text. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A thrown error as a {@link CppError}: the caller's abort, a network fault or timeout, an argument
 * undici refused, or (already) one of ours.
 */
export function exchangeFailure(call: CallIdentity, error: unknown, signal: AbortSignal | undefined, secrets: readonly string[]): CppError {
  if (signal?.aborted) {
    return new CppAbortedError(`${ENDPOINT_LABELS[call.endpoint]} aborted by the caller`, { cause: safeCause(signal.reason, secrets) });
  }
  if (error instanceof CppError) return error;
  const code = deepErrorCode(error) ?? 'UNKNOWN';
  const detail = redactText(describeValue(error), secrets);
  if (code === 'UND_ERR_INVALID_ARG') return new CppInvalidRequestError('request', detail);
  return new CppNetworkError(networkCode(code), `${ENDPOINT_LABELS[call.endpoint]} got no answer: ${code}: ${detail}`, {
    causeCode: code,
    cause: safeCause(error, secrets),
  });
}

/** A 2xx body over the size limit: by its declared length or by what arrived. */
export function tooLarge(call: CallIdentity, status: number, detail: string, maxResponseBytes: number): CppProtocolError {
  return new CppProtocolError('ResponseTooLarge', `${ENDPOINT_LABELS[call.endpoint]} answer ${detail} the ${maxResponseBytes}-byte limit`, { status });
}

/** An answer whose status is not the call's success, with the request id and (after a 401) `advice`. */
export function httpError(call: CallIdentity, answer: Answer, secrets: readonly string[], advice: string | undefined): CppHttpError {
  const requestId = answer.headers['x-ms-request-id'] ?? answer.headers['x-ms-correlation-request-id'];
  return new CppHttpError({
    status: answer.status,
    endpoint: call.endpoint,
    method: call.method,
    body: answer.text === '' ? undefined : redactBody(answer.text, secrets),
    retryAfterMs: parseRetryAfter(answer.headers['retry-after']),
    requestId: typeof requestId === 'string' ? requestId : undefined,
    advice,
  });
}

/**
 * The answer's JSON body through `parse`.
 * @throws {@link CppProtocolError} `MalformedBody` when it is not JSON, or the one `parse` threw,
 * with the call named and the body kept.
 */
export function parseAnswer<T>(call: CallIdentity, answer: Answer, parse: (json: unknown) => T, secrets: readonly string[]): T {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new CppProtocolError('MalformedBody', `${ENDPOINT_LABELS[call.endpoint]} answer (HTTP ${answer.status}) is not JSON`, {
      status: answer.status,
      body: redactBody(answer.text, secrets),
    });
  }
  try {
    return parse(json);
  } catch (error) {
    if (!(error instanceof CppProtocolError)) throw error;
    throw new CppProtocolError(error.code, `${ENDPOINT_LABELS[call.endpoint]}: ${error.message}`, {
      status: answer.status,
      body: redactBody(answer.text, secrets),
    });
  }
}

/** Redacted before it is cut, so no part of a token survives at the cut. */
function redactBody(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets).slice(0, MAX_ERROR_BODY_CHARS);
}

/** The code of `error`, of its cause, or of the first error of an AggregateError (happy eyeballs). */
function deepErrorCode(error: unknown): string | undefined {
  const own = errorCode(error);
  if (own !== undefined) return own;
  if (error instanceof AggregateError) return deepErrorCode(error.errors[0]);
  if (error instanceof Error && error.cause !== undefined) return deepErrorCode(error.cause);
  return undefined;
}

function networkCode(code: string): CppNetworkErrorCode {
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'ConnectTimeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'HeadersTimeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'BodyTimeout';
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return 'ConnectionReset';
    default:
      // An HTTP parser error means the connection carried garbage: treat it as broken.
      return code.startsWith('HPE_') ? 'ConnectionReset' : 'ConnectionFailed';
  }
}
