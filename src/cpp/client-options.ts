/**
 * The options of {@link CppHttpClient}, checked and given their defaults once, at construction.
 */
import { Agent, type Dispatcher } from 'undici';
import { DEFAULT_API_VERSION, valueSchemas } from '../workflow-safe/value-rules';
import { CppConfigError } from './errors';
import type { TokenProvider } from './token-provider';
import type { CppRequestEvent } from './types';

/** The public CPP endpoint. */
const DEFAULT_CPP_BASE_URL = 'https://cloudpartner.azure.com';

const MiB = 1024 * 1024;

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

/** The defaults of {@link CppHttpClientOptions}. */
const CLIENT_DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxResponseBytes: MiB,
} as const;

// The client's own agent: sockets per origin (the worker's activity concurrency is the real limit)
// and how long an idle one is kept (servers' keep-alive hints may shorten it).
const AGENT_CONNECTIONS_PER_ORIGIN = 64;
const AGENT_KEEP_ALIVE_TIMEOUT_MS = 10_000;

/** {@link CppHttpClientOptions} checked, with every default filled in. */
export interface ClientSettings {
  base: URL;
  tokenProvider: TokenProvider;
  apiVersion: string;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  dispatcher: Dispatcher;
  /** Whether `dispatcher` is the client's own agent, to close with the client. */
  ownsDispatcher: boolean;
  onRequest: ((event: CppRequestEvent) => void) | undefined;
  userAgent: string;
}

/** The options every client of this plumbing shares (the CPP client's and the Product Ingestion client's). */
export type HttpOptions = Pick<CppHttpClientOptions, 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxResponseBytes' | 'dispatcher' | 'onRequest' | 'userAgent'>;

/** What {@link httpSettings} makes of {@link HttpOptions}. */
export type HttpSettings = Pick<ClientSettings, 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxResponseBytes' | 'dispatcher' | 'ownsDispatcher' | 'onRequest' | 'userAgent'>;

/**
 * The pool, timeouts, size cap, hook and user agent, checked, with their defaults.
 * @throws {@link CppConfigError} naming the first bad option.
 */
export function httpSettings(options: HttpOptions): HttpSettings {
  const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs, CLIENT_DEFAULTS.connectTimeoutMs);
  const headersTimeoutMs = positiveInteger('headersTimeoutMs', options.headersTimeoutMs, CLIENT_DEFAULTS.headersTimeoutMs);
  const bodyTimeoutMs = positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs, CLIENT_DEFAULTS.bodyTimeoutMs);
  const maxResponseBytes = positiveInteger('maxResponseBytes', options.maxResponseBytes, CLIENT_DEFAULTS.maxResponseBytes);
  if (options.onRequest !== undefined && typeof options.onRequest !== 'function') {
    throw new CppConfigError('onRequest', 'must be a function');
  }
  const userAgent = options.userAgent ?? `cpp-offer-cancellation (node ${process.version})`;
  if (typeof userAgent !== 'string' || userAgent === '' || /[\r\n\0]/.test(userAgent)) {
    throw new CppConfigError('userAgent', 'must be a non-empty single-line string');
  }
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      connections: AGENT_CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: AGENT_KEEP_ALIVE_TIMEOUT_MS,
      connect: { timeout: connectTimeoutMs },
      headersTimeout: headersTimeoutMs,
      bodyTimeout: bodyTimeoutMs,
    });
  return { headersTimeoutMs, bodyTimeoutMs, maxResponseBytes, dispatcher, ownsDispatcher, onRequest: options.onRequest, userAgent };
}

/**
 * The options checked in their documented order, with their defaults.
 * @throws {@link CppConfigError} naming the first bad option.
 */
export function clientSettings(options: CppHttpClientOptions): ClientSettings {
  const base = parseBaseUrl(options.baseUrl ?? DEFAULT_CPP_BASE_URL);
  if (typeof options.tokenProvider?.getToken !== 'function') {
    throw new CppConfigError('tokenProvider', 'must be a TokenProvider (an object with getToken)');
  }
  const version = valueSchemas().apiVersion.safeParse(options.apiVersion ?? DEFAULT_API_VERSION);
  if (!version.success) throw new CppConfigError('apiVersion', version.error.issues[0]?.message ?? 'is invalid');
  return { base, tokenProvider: options.tokenProvider, apiVersion: version.data, ...httpSettings(options) };
}

function parseBaseUrl(raw: string): URL {
  const url = checkedBaseUrl(raw, 'https://cloudpartner.azure.com');
  if (url.pathname !== '/') throw new CppConfigError('baseUrl', 'must be only scheme, host and port (no path, query or fragment)');
  return url;
}

/**
 * An absolute https URL (http only on a loopback host: the bearer token never crosses a network in
 * clear text), without credentials, query or fragment. `example` is shown in the message.
 * @throws {@link CppConfigError} `baseUrl`.
 */
export function checkedBaseUrl(raw: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CppConfigError('baseUrl', `must be an absolute URL such as ${example}`);
  }
  if (url.username !== '' || url.password !== '') throw new CppConfigError('baseUrl', 'must not contain credentials');
  if (url.search !== '' || url.hash !== '') throw new CppConfigError('baseUrl', 'must not have a query or fragment');
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
