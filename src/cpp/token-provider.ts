/**
 * Bearer tokens for the CPP API: a fixed one (local stack, simulator) or Entra client credentials.
 */
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { credentialSecrets, cppCredentialsFromEnv, describeCredentials, noCredentials, type CppCredentials } from './credentials';
import { CppAbortedError, CppAuthenticationError, CppConfigError, CppError } from './errors';
import { describeValue, errorCode, redactText, safeCause } from './redact';

/** The Entra scope of the CPP API (v2 form of the resource `https://cloudpartner.azure.com`). */
export const CPP_SCOPE = 'https://cloudpartner.azure.com/.default';

/** Refresh a cached token this long before it expires, so no request leaves with a dying token. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Where the CPP client gets its bearer token. */
export interface TokenProvider {
  /**
   * A token to send as `Authorization: Bearer <token>`.
   *
   * `forceRefresh` asks for a new token (the API answered 401 to the current one).
   *
   * @throws {@link CppAuthenticationError} when no token can be had; {@link CppAbortedError} when
   * `signal` fires first.
   */
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
  /** Which credential this is, for logs. Never contains a secret. */
  readonly description: string;
  /** Whether `forceRefresh` can bring a different token; `false` makes a 401 final at once. @default true */
  readonly refreshable?: boolean;
}

/** A fixed token, e.g. from `CPP_ACCESS_TOKEN`. It cannot be refreshed: a 401 stays a 401. */
export class StaticTokenProvider implements TokenProvider {
  readonly description: string;
  readonly refreshable = false;
  readonly #token: string;

  /**
   * @param token the bearer token, without `Bearer `
   * @param description how to name it in logs
   * @throws {@link CppConfigError} when `token` is empty
   */
  constructor(token: string, description = 'static token') {
    if (typeof token !== 'string' || token.trim() === '') {
      throw new CppConfigError('token', 'must be a non-empty string');
    }
    this.#token = token.trim();
    this.description = description;
  }

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    if (options.signal?.aborted) throw new CppAbortedError('Token request aborted by the caller');
    return this.#token;
  }
}

/** Options of {@link EntraTokenProvider}. */
export interface EntraTokenProviderOptions {
  /** How to name the credential in logs; must not contain a secret. */
  description: string;
  /** @default {@link CPP_SCOPE} */
  scope?: string;
  /** How long before `expiresOnTimestamp` a cached token is replaced. @default 5 minutes */
  refreshMarginMs?: number;
  /** Secrets the credential knows (client secret, certificate password), removed from error text. */
  secrets?: readonly string[];
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * Tokens from an `@azure/identity` {@link TokenCredential}, cached until 5 minutes before they
 * expire.
 *
 * Concurrent callers share one in-flight request. A caller's `signal` only stops that caller from
 * waiting: the shared request runs on for the others.
 *
 * `forceRefresh` drops the cached token and asks the credential again. Identity's own (MSAL) cache
 * may still hand back the same token if it believes it valid; the client then gets a second 401,
 * which is retryable, and a later attempt gets a fresh token.
 */
export class EntraTokenProvider implements TokenProvider {
  readonly description: string;
  readonly #credential: TokenCredential;
  readonly #scope: string;
  readonly #refreshMarginMs: number;
  readonly #secrets: readonly string[];
  readonly #now: () => number;
  #cached: { token: string; refreshAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(credential: TokenCredential, options: EntraTokenProviderOptions) {
    if (typeof credential?.getToken !== 'function') {
      throw new CppConfigError('credential', 'must be a TokenCredential (an object with getToken)');
    }
    const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    if (!Number.isFinite(margin) || margin < 0) {
      throw new CppConfigError('refreshMarginMs', 'must be a non-negative number of milliseconds');
    }
    this.#credential = credential;
    this.description = options.description;
    this.#scope = options.scope ?? CPP_SCOPE;
    this.#refreshMarginMs = margin;
    this.#secrets = (options.secrets ?? []).filter((s) => s.length > 0);
    this.#now = options.now ?? Date.now;
  }

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    const { forceRefresh = false, signal } = options;
    if (signal?.aborted) throw new CppAbortedError('Token request aborted by the caller');
    if (forceRefresh) {
      this.#cached = undefined;
    } else if (this.#cached && this.#now() < this.#cached.refreshAt) {
      return this.#cached.token;
    }
    // A forced refresh joins a request already under way: that one started after the rejected token.
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return raceAbort(this.#inFlight, signal);
  }

  async #fetch(): Promise<string> {
    let accessToken;
    try {
      accessToken = await this.#credential.getToken(this.#scope);
    } catch (error) {
      throw this.#wrap(error);
    }
    if (!accessToken || typeof accessToken.token !== 'string' || accessToken.token === '') {
      throw new CppAuthenticationError(`${this.description} returned no token for ${this.#scope}`);
    }
    const expiryRefresh = accessToken.expiresOnTimestamp - this.#refreshMarginMs;
    const refreshAt = Math.min(expiryRefresh, accessToken.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY);
    this.#cached = { token: accessToken.token, refreshAt };
    return accessToken.token;
  }

  #wrap(error: unknown): CppError {
    if (error instanceof CppError) return error;
    const name = error instanceof Error ? error.name : undefined;
    const detail = describeValue(error);
    return new CppAuthenticationError(
      `Could not get a CPP token from ${this.description}: ${redactText(detail, this.#secrets)}`,
      { errorName: name, errorCode: errorCode(error), cause: safeCause(error, this.#secrets) },
    );
  }
}

/**
 * The token provider for `credentials`. Nothing is fetched here: the first token is requested by
 * the first API call.
 *
 * @throws {@link CppConfigError} naming the variables to set when `credentials` is `undefined`, or
 * what the credential refused (an authority host that is not https, a malformed tenant id).
 */
export function createTokenProvider(credentials: CppCredentials | undefined): TokenProvider {
  if (credentials === undefined) throw noCredentials();
  const description = describeCredentials(credentials);
  if (credentials.kind === 'staticToken') return new StaticTokenProvider(credentials.token, description);
  const secrets = credentialSecrets(credentials);
  const { tenantId, clientId, authorityHost } = credentials;
  const credentialOptions = authorityHost === undefined ? {} : { authorityHost };
  try {
    const credential =
      credentials.kind === 'clientSecret'
        ? new ClientSecretCredential(tenantId, clientId, credentials.clientSecret, credentialOptions)
        : new ClientCertificateCredential(
            tenantId,
            clientId,
            { certificatePath: credentials.certificatePath, certificatePassword: credentials.certificatePassword },
            credentialOptions,
          );
    return new EntraTokenProvider(credential, { description, secrets });
  } catch (error) {
    // The credential constructors check the tenant id's characters; redact anyway, to be sure.
    throw new CppConfigError('env', redactText(describeValue(error), secrets));
  }
}

/**
 * The token provider the environment asks for: {@link createTokenProvider} over {@link
 * cppCredentialsFromEnv}. The worker reads its environment once, in `loadWorkerConfig`; this is
 * for tools that build a client on their own.
 *
 * @throws {@link CppConfigError} naming the variables to set when none of the sets is complete.
 */
export function createTokenProviderFromEnv(env: Readonly<Record<string, string | undefined>>): TokenProvider {
  return createTokenProvider(cppCredentialsFromEnv(env));
}

/** `promise`, unless `signal` fires first: then a {@link CppAbortedError}. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CppAbortedError('Token request aborted by the caller'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(describeValue(e)));
      },
    );
  });
}
