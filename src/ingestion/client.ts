/**
 * The Product Ingestion API over HTTP: cancel a configure job, read its status, read its summary.
 *
 * The CPP client's plumbing, shared (src/cpp/: the pool and timeouts, a token per attempt and one
 * more after a 401, `Retry-After`, redaction, typed errors with stable codes); Temporal owns the
 * retries. Tokens are for Microsoft Graph, not the CPP audience.
 */
import { checkedBaseUrl, httpSettings, type HttpOptions, type HttpSettings } from '../cpp/client-options';
import { CppInvalidRequestError, CppNetworkError, ENDPOINT_LABELS, type CppHttpError } from '../cpp/errors';
import { exchange, type Call } from '../cpp/exchange';
import { httpError, parseAnswer, type Answer } from '../cpp/exchange-errors';
import { parseRetryAfter } from '../cpp/retry-after';
import { redactText } from '../cpp/redact';
import { BearerTokens } from '../cpp/tokens';
import type { TokenProvider } from '../cpp/token-provider';
import type { RequestOptions } from '../cpp/types';
import { DEFAULT_INGESTION_VERSION } from '../contract/api-versions';
import { errorBodyOf, parseJobStatus, parseJobSummary } from './configure-status';
import type { CancelRefusal, IngestionClient, JobStatusAnswer, JobSummary } from './types';

/** The public endpoint: a Microsoft Graph workload. */
export const DEFAULT_INGESTION_BASE_URL = 'https://graph.microsoft.com/rp/product-ingestion';
/** The Entra scope of Microsoft Graph: not the CPP audience. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

const UNAUTHORIZED_ADVICE =
  'check that the token is for https://graph.microsoft.com (scope https://graph.microsoft.com/.default) ' +
  "and that the app was given access to the seller's Partner Center account";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCHEMA_VERSION = /^\d{4}-\d{2}-\d{2}(-preview\d*)?$/;

/** Options of {@link IngestionHttpClient}. */
export interface IngestionHttpClientOptions extends HttpOptions {
  /**
   * The API's base URL, its path included; `http:` only for a loopback host.
   * @default 'https://graph.microsoft.com/rp/product-ingestion'
   */
  baseUrl?: string;
  /** Where bearer tokens (for Microsoft Graph) come from. */
  tokenProvider: TokenProvider;
  /** `$version` of every call unless the call names one. @default '2022-03-01-preview2' */
  version?: string;
}

/** A checked job id, or the typed error naming it. */
function checkedJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || !GUID.test(jobId)) throw new CppInvalidRequestError('jobId', 'must be a GUID like d4261631-c583-4949-a612-5150882632e9');
  return jobId;
}

function checkedVersion(version: unknown): string {
  if (typeof version !== 'string' || !SCHEMA_VERSION.test(version)) throw new CppInvalidRequestError('version', 'must be a schema version like 2022-03-01-preview2');
  return version;
}

/** {@link IngestionClient} over HTTP with undici: never follows redirects, never sends the token elsewhere. */
export class IngestionHttpClient implements IngestionClient {
  readonly #settings: HttpSettings;
  readonly #base: string;
  readonly #version: string;
  readonly #tokens: BearerTokens;
  #closing: Promise<void> | undefined;

  /** @throws {@link CppConfigError} naming the first bad option. */
  constructor(options: IngestionHttpClientOptions) {
    this.#base = checkedBaseUrl(options.baseUrl ?? DEFAULT_INGESTION_BASE_URL, DEFAULT_INGESTION_BASE_URL).href.replace(/\/+$/, '');
    this.#version = checkedVersion(options.version ?? DEFAULT_INGESTION_VERSION);
    this.#settings = httpSettings(options);
    this.#tokens = new BearerTokens(options.tokenProvider, UNAUTHORIZED_ADVICE);
  }

  /**
   * `POST configure/{jobID}/cancel`: 200 → the job's status after the cancel (completed and
   * `cancelled`, or still running: the caller polls); 400 → the API's refusal, read from its body.
   */
  async cancelJob(jobId: string, options: RequestOptions & { version?: string } = {}): Promise<JobStatusAnswer | CancelRefusal> {
    const call: Call = { endpoint: 'jobCancel', method: 'POST', url: this.#url(jobId, '/cancel', options.version), successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status === 200) return this.#statusAnswer(call, answer);
    if (answer.status !== 400) throw this.#httpError(call, answer);
    const { code, message } = errorBodyOf(answer.text);
    const body = redactText(answer.text, this.#tokens.recent).slice(0, 2048);
    return { kind: 'refused', ...(code ? { code } : {}), message: message ?? `${ENDPOINT_LABELS.jobCancel} answered HTTP 400`, ...(body ? { body } : {}) };
  }

  /** `GET configure/{jobID}/status`. */
  async getJobStatus(jobId: string, options: RequestOptions & { version?: string } = {}): Promise<JobStatusAnswer> {
    const call: Call = { endpoint: 'jobStatus', method: 'GET', url: this.#url(jobId, '/status', options.version), successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    return this.#statusAnswer(call, answer);
  }

  /** `GET configure/{jobID}`: the summary of a finished job (the API refuses it, 400, while the job runs). */
  async getJobSummary(jobId: string, options: RequestOptions & { version?: string } = {}): Promise<JobSummary> {
    const call: Call = { endpoint: 'jobSummary', method: 'GET', url: this.#url(jobId, '', options.version), successBody: 'read' };
    const answer = await this.#send(call, options.signal);
    if (answer.status !== 200) throw this.#httpError(call, answer);
    return parseAnswer(call, answer, parseJobSummary, this.#tokens.recent);
  }

  /** Closes the client's own connections (idempotent). A dispatcher passed in stays open. */
  async close(): Promise<void> {
    this.#closing ??= this.#settings.ownsDispatcher ? this.#settings.dispatcher.close() : Promise.resolve();
    return this.#closing;
  }

  #url(jobId: string, suffix: string, version: string | undefined): string {
    return `${this.#base}/configure/${encodeURIComponent(checkedJobId(jobId))}${suffix}?$version=${checkedVersion(version ?? this.#version)}`;
  }

  #statusAnswer(call: Call, answer: Answer): JobStatusAnswer {
    const job = parseAnswer(call, answer, parseJobStatus, this.#tokens.recent);
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
    return retryAfterMs === undefined ? { job } : { job, retryAfterMs };
  }

  /** The exchange, once more with a fresh token after a 401 (when the provider can refresh). */
  async #send(call: Call, signal: AbortSignal | undefined): Promise<Answer> {
    if (this.#closing) throw new CppNetworkError('ConnectionFailed', `${ENDPOINT_LABELS[call.endpoint]} not sent: the client is closed`);
    const first = await exchange(this.#settings, call, await this.#tokens.get(false, signal), signal, this.#tokens.recent);
    if (first.status !== 401 || !this.#tokens.refreshable) return first;
    return exchange(this.#settings, call, await this.#tokens.get(true, signal), signal, this.#tokens.recent);
  }

  #httpError(call: Call, answer: Answer): CppHttpError {
    return httpError(call, answer, this.#tokens.recent, answer.status === 401 ? this.#tokens.unauthorizedAdvice() : undefined);
  }
}
