/**
 * The CPP API over HTTP: cancel an offer's operation, poll it, list operations.
 *
 * One request per call, no retries of its own except one after a 401 with a fresh token: Temporal
 * owns retries, and every failure comes out as a {@link CppError} saying whether to retry and when.
 *
 * The parts, as undici splits its own client: the options ({@link clientSettings}), the URLs
 * ({@link CppUrls}), the tokens ({@link BearerTokens}), one HTTP exchange ({@link exchange}) and
 * the errors made of what went wrong (`failures`).
 */
import { parseNotificationEmails } from '../workflow-safe/value-rules';
import { clientSettings, type ClientSettings, type CppHttpClientOptions } from './client-options';
import { CppInvalidRequestError, CppNetworkError, ENDPOINT_LABELS, type CppHttpError } from './errors';
import { exchange, type Call } from './exchange';
import { httpError, parseAnswer, type Answer } from './exchange-errors';
import { parseListedOperations, parseOperation } from './operation';
import { parseRetryAfter } from './retry-after';
import { BearerTokens } from './tokens';
import type { CancelOperationRequest, CancelOperationResponse, CppClient, ListedOperation, ListOperationsOptions, OperationPoll, RequestOptions } from './types';
import { CppUrls } from './urls';

export type { CppHttpClientOptions } from './client-options';

/**
 * {@link CppClient} over HTTP with undici.
 *
 * Never follows redirects (the token must not travel), never sends the token to another origin,
 * caps response sizes and puts no secret into an error.
 *
 * @example
 * const client = new CppHttpClient({ tokenProvider: createTokenProvider(loadWorkerConfig().cpp.credentials) });
 * try {
 *   await client.cancelOperation({ publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'] });
 * } finally {
 *   await client.close();
 * }
 */
export class CppHttpClient implements CppClient {
  readonly #settings: ClientSettings;
  readonly #urls: CppUrls;
  readonly #tokens: BearerTokens;
  #closing: Promise<void> | undefined;

  /** @throws {@link CppConfigError} naming the first bad option. */
  constructor(options: CppHttpClientOptions) {
    this.#settings = clientSettings(options);
    this.#urls = new CppUrls(this.#settings.base, this.#settings.apiVersion);
    this.#tokens = new BearerTokens(this.#settings.tokenProvider);
  }

  /**
   * Cancels the operation in progress on an offer: `POST …/offers/{offerId}/cancel`.
   *
   * 200 → `synchronous`; 202 → `asynchronous` with the absolute, same-origin URL to poll. Any other
   * 2xx or a 3xx is a non-retryable {@link CppHttpError} `UnexpectedStatus`.
   *
   * @throws {@link CppInvalidRequestError} before sending anything when an id, the e-mail list or
   * the API version is unfit; {@link CppHttpError}, {@link CppProtocolError}, {@link
   * CppNetworkError}, {@link CppAbortedError}, {@link CppAuthenticationError} otherwise.
   */
  async cancelOperation(req: CancelOperationRequest, options: RequestOptions = {}): Promise<CancelOperationResponse> {
    const offer = this.#urls.offer(req.publisherId, req.offerId);
    const emails = parseNotificationEmails(req.notificationEmails);
    if ('problem' in emails) throw new CppInvalidRequestError('notificationEmails', emails.problem);
    const call: Call = {
      endpoint: 'cancel',
      method: 'POST',
      url: this.#urls.cancel(offer, req.apiVersion),
      body: JSON.stringify({ metadata: { 'notification-emails': emails.emails.join(',') } }),
      // The reference says the 202's location comes in a header and, elsewhere, in the body: keep the body's start.
      successBody: 'peek',
    };
    const answer = await this.#send(call, options.signal);
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
    if (answer.status === 200) return { kind: 'synchronous' };
    if (answer.status === 202) {
      const location = this.#urls.asynchronous(answer.headers.location, answer.text, this.#tokens.recent);
      return retryAfterMs === undefined ? { kind: 'asynchronous', location } : { kind: 'asynchronous', location, retryAfterMs };
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
    const call: Call = { endpoint: 'getOperation', method: 'GET', url: this.#urls.poll(location), successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    const operation = parseAnswer(call, answer, parseOperation, this.#tokens.recent);
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
    const offer = this.#urls.offer(publisherId, offerId);
    const call: Call = { endpoint: 'listOperations', method: 'GET', url: this.#urls.list(offer, options), successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    return parseAnswer(call, answer, parseListedOperations, this.#tokens.recent);
  }

  /**
   * The absolute URL of one operation of an offer, as "GET operation" documents it.
   *
   * @throws {@link CppInvalidRequestError} when an id or the API version is unfit.
   */
  operationUrl(publisherId: string, offerId: string, operationId: string, apiVersion?: string): string {
    return this.#urls.operation(this.#urls.offer(publisherId, offerId), operationId, apiVersion);
  }

  /** Closes the client's own connections (idempotent). A dispatcher passed in stays open. */
  async close(): Promise<void> {
    this.#closing ??= this.#settings.ownsDispatcher ? this.#settings.dispatcher.close() : Promise.resolve();
    return this.#closing;
  }

  /** The exchange, once more with a fresh token after a 401 (when the provider can refresh). */
  async #send(call: Call, signal: AbortSignal | undefined): Promise<Answer> {
    if (this.#closing) {
      // Retryable: a worker shutting down mid-activity should leave the retry to another worker.
      throw new CppNetworkError('ConnectionFailed', `${ENDPOINT_LABELS[call.endpoint]} not sent: the client is closed`);
    }
    const first = await exchange(this.#settings, call, await this.#tokens.get(false, signal), signal, this.#tokens.recent);
    if (first.status !== 401 || !this.#tokens.refreshable) return first;
    return exchange(this.#settings, call, await this.#tokens.get(true, signal), signal, this.#tokens.recent);
  }

  #httpError(call: Call, answer: Answer): CppHttpError {
    return httpError(call, answer, this.#tokens.recent, answer.status === 401 ? this.#tokens.unauthorizedAdvice() : undefined);
  }
}
