/**
 * The CPP API over HTTP: cancel an offer's operation, poll it, list operations.
 *
 * One request per call, no retries of its own except one after a 401 with a fresh token: Temporal
 * owns retries, and every failure comes out as a {@link CppError} saying whether to retry and when.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { DEFAULT_API_VERSION, identifierProblem, parseNotificationEmails, valueSchemas } from '../validation';
import {
  CppAbortedError,
  CppAuthenticationError,
  CppConfigError,
  CppError,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
  ENDPOINT_LABELS,
  MAX_ERROR_BODY_CHARS,
  UNAUTHORIZED_ADVICE,
  type CppEndpoint,
  type CppNetworkErrorCode,
} from './errors';
import { resolveLocation } from './location';
import { parseListedOperations, parseOperation } from './operation';
import { describeValue, errorCode, redactText, safeCause } from './redact';
import { parseRetryAfter } from './retry-after';
import type { TokenProvider } from './token-provider';
import type {
  CancelOperationRequest,
  CancelOperationResponse,
  CppClient,
  CppRequestEvent,
  ListedOperation,
  ListOperationsOptions,
  OperationPoll,
  RequestOptions,
} from './types';

/** The public CPP endpoint. */
export const DEFAULT_CPP_BASE_URL = 'https://cloudpartner.azure.com';

/** Options of {@link CppHttpClient}. */
export interface CppHttpClientOptions {
  /**
   * Scheme, host and port of the API; no path, query or credentials. `http:` only for a loopback
   * host (simulator, tests): the bearer token never crosses a network in clear text.
   * @default 'https://cloudpartner.azure.com'
   */
  baseUrl?: string;
  /** Where bearer tokens come from. */
  tokenProvider: TokenProvider;
  /** `api-version` of every request unless the call names one. @default '2017-10-31' */
  apiVersion?: string;
  /** Time to open a connection (TCP + TLS), ms. Only for the client's own agent. @default 10_000 */
  connectTimeoutMs?: number;
  /** Time from sending the request to the complete response headers, ms. @default 30_000 */
  headersTimeoutMs?: number;
  /** Longest silence between two chunks of the response body, ms. @default 30_000 */
  bodyTimeoutMs?: number;
  /** Largest response body read, bytes; a larger successful answer is a protocol error. @default 1 MiB */
  maxResponseBytes?: number;
  /**
   * The undici dispatcher to send through (tests, proxies). The caller owns it: {@link
   * CppHttpClient.close} leaves it open. Without one the client owns a keep-alive {@link Agent}.
   */
  dispatcher?: Dispatcher;
  /** Called once per HTTP exchange (a 401 and its retry are two), for metrics and logs. */
  onRequest?: (event: CppRequestEvent) => void;
  /** @default 'cpp-offer-cancellation (node <version>)' */
  userAgent?: string;
}

const MiB = 1024 * 1024;
// Error bodies are only shown (2048 chars); reading more than this would just hold the socket.
const MAX_ERROR_BODY_BYTES = 64 * 1024;
// How many recent tokens the redactor remembers (the current one and those it replaced).
const REMEMBERED_TOKENS = 4;

/** One HTTP exchange to make. */
interface Call {
  endpoint: CppEndpoint;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  /** Whether a 2xx body is needed (parsed, within the size cap), only glanced at (its start), or drained. */
  successBody: 'read' | 'peek' | 'discard';
}

/** A complete answer: status, headers and (for a read body) its text. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * {@link CppClient} over HTTP with undici.
 *
 * Never follows redirects (the token must not travel), never sends the token to another origin,
 * caps response sizes and puts no secret into an error.
 *
 * @example
 * const client = new CppHttpClient({ tokenProvider: createTokenProviderFromEnv(process.env) });
 * try {
 *   await client.cancelOperation({ publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'] });
 * } finally {
 *   await client.close();
 * }
 */
export class CppHttpClient implements CppClient {
  readonly #base: URL;
  readonly #tokenProvider: TokenProvider;
  readonly #apiVersion: string;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #onRequest: ((event: CppRequestEvent) => void) | undefined;
  readonly #userAgent: string;
  readonly #tokens: string[] = [];
  #closing: Promise<void> | undefined;

  /** @throws {@link CppConfigError} naming the first bad option. */
  constructor(options: CppHttpClientOptions) {
    this.#base = parseBaseUrl(options.baseUrl ?? DEFAULT_CPP_BASE_URL);
    if (typeof options.tokenProvider?.getToken !== 'function') {
      throw new CppConfigError('tokenProvider', 'must be a TokenProvider (an object with getToken)');
    }
    this.#tokenProvider = options.tokenProvider;
    const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    const version = valueSchemas().apiVersion.safeParse(apiVersion);
    if (!version.success) throw new CppConfigError('apiVersion', version.error.issues[0]?.message ?? 'is invalid');
    this.#apiVersion = version.data;
    const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs, 10_000);
    this.#headersTimeoutMs = positiveInteger('headersTimeoutMs', options.headersTimeoutMs, 30_000);
    this.#bodyTimeoutMs = positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs, 30_000);
    this.#maxResponseBytes = positiveInteger('maxResponseBytes', options.maxResponseBytes, MiB);
    if (options.onRequest !== undefined && typeof options.onRequest !== 'function') {
      throw new CppConfigError('onRequest', 'must be a function');
    }
    this.#onRequest = options.onRequest;
    const userAgent = options.userAgent ?? `cpp-offer-cancellation (node ${process.version})`;
    if (typeof userAgent !== 'string' || userAgent === '' || /[\r\n\0]/.test(userAgent)) {
      throw new CppConfigError('userAgent', 'must be a non-empty single-line string');
    }
    this.#userAgent = userAgent;
    if (options.dispatcher !== undefined) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({
        connections: 64, // sockets per origin; the worker's activity concurrency is the real limit
        keepAliveTimeout: 10_000, // 10s idle; servers' keep-alive hints may shorten it
        connect: { timeout: connectTimeoutMs },
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
      });
      this.#ownsDispatcher = true;
    }
  }

  /**
   * Cancels the operation in progress on an offer: `POST …/offers/{offerId}/cancel`.
   *
   * 200 → `synchronous`; 202 → `accepted` with the absolute, same-origin URL to poll. Any other
   * 2xx or a 3xx is a non-retryable {@link CppHttpError} `UnexpectedStatus`.
   *
   * @throws {@link CppInvalidRequestError} before sending anything when an id, the e-mail list or
   * the API version is unfit; {@link CppHttpError}, {@link CppProtocolError}, {@link
   * CppNetworkError}, {@link CppAbortedError}, {@link CppAuthenticationError} otherwise.
   */
  async cancelOperation(req: CancelOperationRequest, options: RequestOptions = {}): Promise<CancelOperationResponse> {
    const publisher = encodeIdentifier('publisherId', req.publisherId);
    const offer = encodeIdentifier('offerId', req.offerId);
    const emails = parseNotificationEmails(req.notificationEmails);
    if ('problem' in emails) throw new CppInvalidRequestError('notificationEmails', emails.problem);
    const version = this.#version(req.apiVersion);
    const call: Call = {
      endpoint: 'cancel',
      method: 'POST',
      url: `${this.#base.origin}/api/publishers/${publisher}/offers/${offer}/cancel?api-version=${version}`,
      body: JSON.stringify({ metadata: { 'notification-emails': emails.emails.join(',') } }),
      // The reference says the 202's location comes in a header and, elsewhere, in the body: keep the body's start.
      successBody: 'peek',
    };
    const answer = await this.#send(call, options.signal);
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
    if (answer.status === 200) return { kind: 'synchronous' };
    if (answer.status === 202) {
      let location: string;
      try {
        location = resolveLocation(answer.headers.location ?? locationInBody(answer.text), this.#base);
      } catch (error) {
        throw error instanceof CppProtocolError ? new CppProtocolError(error.code, error.message, { status: 202 }) : error;
      }
      return retryAfterMs === undefined ? { kind: 'accepted', location } : { kind: 'accepted', location, retryAfterMs };
    }
    throw this.#httpError(call, answer);
  }

  /**
   * Polls one operation: `GET <location>`, where `location` is what `cancelOperation` returned (or
   * any path or URL on the API's origin).
   *
   * @throws {@link CppInvalidRequestError} `location` before sending anything when `location` is
   * on another origin or not a URL; {@link CppProtocolError} `MalformedBody`/`UnexpectedBody` when
   * the answer is not an operation.
   */
  async getOperation(location: string, options: RequestOptions = {}): Promise<OperationPoll> {
    let url: string;
    try {
      url = resolveLocation(location, this.#base);
    } catch (error) {
      throw error instanceof CppProtocolError ? new CppInvalidRequestError('location', error.message) : error;
    }
    const call: Call = { endpoint: 'getOperation', method: 'GET', url, successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    const operation = this.#parseBody(call, answer, parseOperation);
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
    return retryAfterMs === undefined ? { operation } : { operation, retryAfterMs };
  }

  /**
   * Lists an offer's operations as the reference documents it:
   * `GET …/offers/{offerId}/submissions/?api-version=…&status=<filteredStatus>`.
   *
   * Accepts a JSON array or an object with a `value` array; items are read leniently (see
   * {@link parseListedOperations}).
   */
  async listOperations(publisherId: string, offerId: string, options: ListOperationsOptions = {}): Promise<ListedOperation[]> {
    const publisher = encodeIdentifier('publisherId', publisherId);
    const offer = encodeIdentifier('offerId', offerId);
    const version = this.#version(options.apiVersion);
    let query = `api-version=${version}`;
    if (options.status !== undefined) {
      if (typeof options.status !== 'string' || options.status.trim() === '') {
        throw new CppInvalidRequestError('status', 'must be a non-empty string');
      }
      query += `&status=${encodeComponent('status', options.status)}`;
    }
    const call: Call = {
      endpoint: 'listOperations',
      method: 'GET',
      url: `${this.#base.origin}/api/publishers/${publisher}/offers/${offer}/submissions/?${query}`,
      successBody: 'read',
    };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    return this.#parseBody(call, answer, parseListedOperations);
  }

  /**
   * The absolute URL of one operation of an offer, as "GET operation" documents it.
   *
   * @throws {@link CppInvalidRequestError} when an id or the API version is unfit.
   */
  operationUrl(publisherId: string, offerId: string, operationId: string, apiVersion?: string): string {
    const publisher = encodeIdentifier('publisherId', publisherId);
    const offer = encodeIdentifier('offerId', offerId);
    if (typeof operationId !== 'string' || operationId.trim() === '') throw new CppInvalidRequestError('operationId', 'must be a non-empty string');
    const operation = encodeComponent('operationId', operationId);
    return `${this.#base.origin}/api/publishers/${publisher}/offers/${offer}/operations/${operation}?api-version=${this.#version(apiVersion)}`;
  }

  /** Closes the client's own connections (idempotent). A dispatcher passed in stays open. */
  async close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher ? this.#dispatcher.close() : Promise.resolve();
    return this.#closing;
  }

  #version(apiVersion: string | undefined): string {
    if (apiVersion === undefined) return this.#apiVersion;
    const result = valueSchemas().apiVersion.safeParse(apiVersion);
    if (!result.success) throw new CppInvalidRequestError('apiVersion', result.error.issues[0]?.message ?? 'is invalid');
    return result.data;
  }

  /** The exchange, once more with a fresh token after a 401 (when the provider can refresh). */
  async #send(call: Call, signal: AbortSignal | undefined): Promise<Answer> {
    if (this.#closing) {
      // Retryable: a worker shutting down mid-activity should leave the retry to another worker.
      throw new CppNetworkError('ConnectionFailed', `CPP ${ENDPOINT_LABELS[call.endpoint]} not sent: the client is closed`);
    }
    const first = await this.#exchange(call, await this.#token(false, signal), signal);
    if (first.status !== 401 || this.#tokenProvider.refreshable === false) return first;
    return this.#exchange(call, await this.#token(true, signal), signal);
  }

  async #token(forceRefresh: boolean, signal: AbortSignal | undefined): Promise<string> {
    let token: string;
    try {
      token = await this.#tokenProvider.getToken(signal ? { forceRefresh, signal } : { forceRefresh });
    } catch (error) {
      if (error instanceof CppError) throw error;
      // A provider of someone else's making: keep the failure retryable and free of secrets.
      throw new CppAuthenticationError(
        `Could not get a CPP token from ${this.#tokenProvider.description}: ${redactText(describeValue(error), this.#tokens)}`,
        { errorName: error instanceof Error ? error.name : undefined, errorCode: errorCode(error), cause: safeCause(error, this.#tokens) },
      );
    }
    if (!this.#tokens.includes(token)) {
      this.#tokens.push(token);
      if (this.#tokens.length > REMEMBERED_TOKENS) this.#tokens.shift();
    }
    return token;
  }

  /** One HTTP request and its complete answer; reports it to `onRequest`. */
  async #exchange(call: Call, token: string, signal: AbortSignal | undefined): Promise<Answer> {
    const started = performance.now();
    let outcome: number | string = 'Unknown';
    try {
      const response = await request(call.url, {
        dispatcher: this.#dispatcher,
        method: call.method,
        headers: {
          accept: 'application/json',
          // The API wants it on every request, GETs included.
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'user-agent': this.#userAgent,
          'x-ms-client-request-id': randomUUID(),
        },
        body: call.body ?? null,
        signal,
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
        // No redirect interceptor on purpose: a 3xx comes back as an answer, never followed, so the
        // token cannot travel to wherever it points.
      });
      const { statusCode: status, headers, body } = response;
      const success = status >= 200 && status <= 299;
      let text = '';
      if (success && call.successBody === 'discard') {
        await body.dump({ limit: MAX_ERROR_BODY_BYTES });
      } else if (success && call.successBody === 'peek') {
        text = (await readCapped(body, Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes))).text;
      } else if (success) {
        const declared = Number(headers['content-length']);
        if (Number.isFinite(declared) && declared > this.#maxResponseBytes) {
          // dump() destroys a body declared larger than its limit, without reading it.
          await body.dump({ limit: this.#maxResponseBytes });
          throw this.#tooLarge(call, status, `declares ${declared} bytes, more than`);
        }
        const read = await readCapped(body, this.#maxResponseBytes);
        if (read.truncated) throw this.#tooLarge(call, status, 'goes past');
        text = read.text;
      } else {
        // Only the start of an error body is kept; the rest is dropped with the socket.
        text = (await readCapped(body, Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes))).text;
      }
      outcome = status;
      return { status, headers, text };
    } catch (error) {
      const failure = this.#failure(call, error, signal);
      outcome = failure.code;
      throw failure;
    } finally {
      this.#report({ endpoint: call.endpoint, method: call.method, outcome, durationMs: performance.now() - started });
    }
  }

  #report(event: CppRequestEvent): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest(event);
    } catch (error) {
      // A metrics hook must not fail a cancellation; make the bug visible instead.
      process.emitWarning(`CppHttpClient onRequest hook threw: ${describeValue(error)}`);
    }
  }

  #tooLarge(call: Call, status: number, detail: string): CppProtocolError {
    return new CppProtocolError(
      'ResponseTooLarge',
      `CPP ${ENDPOINT_LABELS[call.endpoint]} answer ${detail} the ${this.#maxResponseBytes}-byte limit`,
      { status },
    );
  }

  /** A thrown error as a {@link CppError}: abort, network fault, or (already) one of ours. */
  #failure(call: Call, error: unknown, signal: AbortSignal | undefined): CppError {
    if (signal?.aborted) {
      return new CppAbortedError(`CPP ${ENDPOINT_LABELS[call.endpoint]} aborted by the caller`, {
        cause: safeCause(signal.reason, this.#tokens),
      });
    }
    if (error instanceof CppError) return error;
    const code = deepErrorCode(error) ?? 'UNKNOWN';
    const detail = redactText(describeValue(error), this.#tokens);
    const message = `CPP ${ENDPOINT_LABELS[call.endpoint]} got no answer: ${code}: ${detail}`;
    if (code === 'UND_ERR_INVALID_ARG') return new CppInvalidRequestError('request', detail);
    return new CppNetworkError(networkCode(code), message, { causeCode: code, cause: safeCause(error, this.#tokens) });
  }

  #httpError(call: Call, answer: Answer): CppHttpError {
    const requestId = answer.headers['x-ms-request-id'] ?? answer.headers['x-ms-correlation-request-id'];
    return new CppHttpError({
      status: answer.status,
      endpoint: call.endpoint,
      method: call.method,
      // Redact before truncating, so no part of a token survives at the cut.
      body: answer.text === '' ? undefined : this.#redactBody(answer.text),
      retryAfterMs: parseRetryAfter(answer.headers['retry-after']),
      requestId: typeof requestId === 'string' ? requestId : undefined,
      advice: answer.status !== 401 ? undefined : this.#tokenProvider.refreshable === false ? `${this.#tokenProvider.description} cannot be refreshed; ${UNAUTHORIZED_ADVICE}` : `a fresh token was refused too; ${UNAUTHORIZED_ADVICE}`,
    });
  }

  #parseBody<T>(call: Call, answer: Answer, parse: (json: unknown) => T): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new CppProtocolError('MalformedBody', `CPP ${ENDPOINT_LABELS[call.endpoint]} answer (HTTP ${answer.status}) is not JSON`, {
        status: answer.status,
        body: this.#redactBody(answer.text),
      });
    }
    try {
      return parse(json);
    } catch (error) {
      if (!(error instanceof CppProtocolError)) throw error;
      throw new CppProtocolError(error.code, `CPP ${ENDPOINT_LABELS[call.endpoint]}: ${error.message}`, { status: answer.status, body: this.#redactBody(answer.text) });
    }
  }

  #redactBody(text: string): string {
    return redactText(text, this.#tokens).slice(0, MAX_ERROR_BODY_CHARS);
  }
}

/**
 * A location named in a 202's body (the reference says the body holds it, then shows a header):
 * a bare path, a JSON string, or a JSON object with a `location` field of any case.
 */
function locationInBody(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('/')) return trimmed;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof json === 'string') return json;
  if (typeof json !== 'object' || json === null) return undefined;
  const entry = Object.entries(json).find(([key, value]) => key.toLowerCase() === 'location' && typeof value === 'string');
  return entry?.[1] as string | undefined;
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CppConfigError('baseUrl', 'must be an absolute URL such as https://cloudpartner.azure.com');
  }
  if (url.username !== '' || url.password !== '') throw new CppConfigError('baseUrl', 'must not contain credentials');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new CppConfigError('baseUrl', 'must be only scheme, host and port (no path, query or fragment)');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new CppConfigError('baseUrl', 'must use https (http only for a loopback host: localhost, 127.0.0.0/8, ::1)');
}

function isLoopback(hostname: string): boolean {
  // The URL parser has already normalised IPv4 shorthands (127.1) and IPv6 forms ([0:0::1]).
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new CppConfigError(field, 'must be a positive integer');
  }
  return value;
}

/** A path segment for an id, after the shared identifier rules. */
function encodeIdentifier(field: string, value: unknown): string {
  const problem = identifierProblem(value);
  if (problem !== undefined) throw new CppInvalidRequestError(field, problem);
  return encodeComponent(field, value as string);
}

function encodeComponent(field: string, value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone UTF-16 surrogate has no UTF-8 form.
    throw new CppInvalidRequestError(field, 'must be well-formed Unicode');
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      truncated = true;
      // Leaving the loop destroys the body: the socket is closed instead of draining a huge answer.
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
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
