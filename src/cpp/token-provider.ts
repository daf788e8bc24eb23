/**
 * Bearer tokens for the CPP API: a fixed one (local stack, simulator) or Entra client credentials.
 */
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { credentialSecrets, cppCredentialsFromEnv, describeCredentials, noCredentials, type CppCredentials } from './credentials';
import { CppAbortedError, CppAuthenticationError, CppConfigError, CppError } from './errors';
import { describeValue, errorCode, redactText, safeCause } from './redact';

/** The Entra scope of the CPP API (v2 form of the resource `https://cloudpartner.azure.com`). */
export const CPP_SCOPE = 'https://cloudpartner.azure.com/.default';

/**
 * Refresh a cached token this long before it expires, so no request leaves with a dying token.
 * A token that lives less than twice as long is refreshed halfway through its life instead.
 */
const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * The authority hosts of Microsoft's clouds. Instance discovery knows them; for any other host
 * (`AZURE_AUTHORITY_HOST` pointing at a private or test authority) it can only fail, so it is
 * turned off there (see {@link createTokenProvider}).
 */
const MICROSOFT_AUTHORITY_HOSTS: readonly string[] = [
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg',
];

/**
 * OAuth errors of the token endpoint that say the credentials themselves are refused (HTTP 400 or
 * 401): asking again with the same ones gets the same answer, so they end the run instead of being
 * retried. `invalid_client`: wrong or expired secret, certificate not registered, bad assertion
 * (AADSTS7000215, 7000222, 700027); `unauthorized_client`: no such application in the tenant
 * (AADSTS700016); `invalid_scope` / `invalid_resource`: the CPP API is unknown to the tenant
 * (AADSTS1002012, 500011).
 */
const REFUSED_CREDENTIAL_ERRORS: readonly string[] = ['invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_resource'];

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
  /** How messages name the token. @default 'CPP token' */
  tokenName?: string;
  /**
   * How long before `expiresOnTimestamp` a cached token is replaced; at most half the token's
   * lifetime. @default 5 minutes
   */
  refreshMarginMs?: number;
  /**
   * A fresh credential for a forced refresh (the API answered 401). `@azure/identity` keeps its
   * own cache and would hand back the very token the API refused while it believes it valid; a
   * new credential starts with an empty cache and asks the authority.
   */
  renewCredential?: () => TokenCredential;
  /** What the credential signs in with, to name the variable to fix when Entra refuses it. */
  credentialKind?: 'clientSecret' | 'clientCertificate';
  /** Secrets the credential knows (client secret, certificate password), removed from error text. */
  secrets?: readonly string[];
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Told how each request to Entra ended (not the calls a cached token answers): for metrics. */
  onTokenRequest?: TokenRequestListener;
}

/** How one request to Entra ended: a token, the credentials refused (final), or no answer worth having (retried). */
export type TokenRequestOutcome = 'issued' | 'refused' | 'failed';
export type TokenRequestListener = (outcome: TokenRequestOutcome) => void;

/**
 * Tokens from an `@azure/identity` {@link TokenCredential}, cached until 5 minutes before they
 * expire (halfway through the life of a token that lives less than 10 minutes).
 *
 * Concurrent callers share one in-flight request. A caller's `signal` only stops that caller from
 * waiting: the shared request runs on for the others.
 *
 * `forceRefresh` drops the cached token and asks again: a new credential from `renewCredential`
 * when there is one, whose empty cache cannot return the refused token; else the same credential,
 * whose own (MSAL) cache may hand back the same token while it believes it valid.
 *
 * A credential failure is a retryable {@link CppAuthenticationError}, unless Entra refused the
 * credentials themselves ({@link REFUSED_CREDENTIAL_ERRORS}): that is a {@link CppConfigError},
 * final, naming the tenant, the client id and the variable to fix, and every later call gets the same
 * error without asking Entra again (the credentials are read once; fixing them means a restart).
 */
export class EntraTokenProvider implements TokenProvider {
  readonly description: string;
  #credential: TokenCredential;
  readonly #renewCredential: (() => TokenCredential) | undefined;
  readonly #credentialKind: EntraTokenProviderOptions['credentialKind'];
  readonly #scope: string;
  readonly #tokenName: string;
  readonly #refreshMarginMs: number;
  readonly #secrets: readonly string[];
  readonly #now: () => number;
  readonly #onTokenRequest: TokenRequestListener | undefined;
  #cached: { token: string; refreshAt: number } | undefined;
  #inFlight: Promise<string> | undefined;
  /** Entra refused the credentials themselves: no later request can succeed, so none is made. */
  #refused: CppConfigError | undefined;

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
    this.#tokenName = options.tokenName ?? 'CPP token';
    this.#refreshMarginMs = margin;
    this.#secrets = (options.secrets ?? []).filter((s) => s.length > 0);
    this.#now = options.now ?? Date.now;
    this.#renewCredential = options.renewCredential;
    this.#credentialKind = options.credentialKind;
    this.#onTokenRequest = options.onTokenRequest;
  }

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    const { forceRefresh = false, signal } = options;
    if (signal?.aborted) throw new CppAbortedError('Token request aborted by the caller');
    if (this.#refused) throw this.#refused;
    if (forceRefresh) {
      this.#cached = undefined;
    } else if (this.#cached && this.#now() < this.#cached.refreshAt) {
      return this.#cached.token;
    }
    // A forced refresh joins a request already under way: that one started after the rejected token.
    this.#inFlight ??= this.#fetch(forceRefresh).finally(() => {
      this.#inFlight = undefined;
    });
    return raceAbort(this.#inFlight, signal);
  }

  async #fetch(renew: boolean): Promise<string> {
    let accessToken;
    try {
      if (renew && this.#renewCredential) this.#credential = this.#renewCredential();
      accessToken = await this.#credential.getToken(this.#scope);
    } catch (error) {
      const wrapped = this.#wrap(error);
      if (wrapped instanceof CppConfigError) this.#refused = wrapped;
      this.#tell(wrapped instanceof CppConfigError ? 'refused' : 'failed');
      throw wrapped;
    }
    if (!accessToken || typeof accessToken.token !== 'string' || accessToken.token === '') {
      this.#tell('failed');
      throw new CppAuthenticationError(`${this.description} returned no token for ${this.#scope}`);
    }
    this.#tell('issued');
    const now = this.#now();
    const margin = Math.min(this.#refreshMarginMs, Math.max(0, (accessToken.expiresOnTimestamp - now) / 2));
    const refreshAt = Math.min(accessToken.expiresOnTimestamp - margin, accessToken.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY);
    this.#cached = { token: accessToken.token, refreshAt };
    return accessToken.token;
  }

  #tell(outcome: TokenRequestOutcome): void {
    try {
      this.#onTokenRequest?.(outcome);
    } catch (error) {
      // A listener's bug must not cost the caller its token.
      process.emitWarning(`EntraTokenProvider onTokenRequest listener threw: ${describeValue(error)}`);
    }
  }

  #wrap(error: unknown): CppError {
    if (error instanceof CppError) return error;
    const name = error instanceof Error ? error.name : undefined;
    const detail = redactText(describeValue(error), this.#secrets);
    const refused = refusedCredentialError(error);
    if (refused !== undefined) {
      return new CppConfigError(this.#variableToFix(refused), `Entra refused ${this.description}: ${detail}`);
    }
    const hint = name === 'CredentialUnavailableError' && /endpoints_resolution_error/.test(detail) ? ENDPOINTS_HINT : '';
    return new CppAuthenticationError(`Could not get a ${this.#tokenName} from ${this.description}: ${detail}${hint}`, {
      errorName: name,
      errorCode: errorCode(error),
      cause: safeCause(error, this.#secrets),
    });
  }

  #variableToFix(oauthError: string): string {
    if (oauthError === 'unauthorized_client') return 'AZURE_CLIENT_ID';
    if (oauthError === 'invalid_client' && this.#credentialKind === 'clientSecret') return 'AZURE_CLIENT_SECRET';
    if (oauthError === 'invalid_client' && this.#credentialKind === 'clientCertificate') return 'AZURE_CLIENT_CERTIFICATE_PATH';
    return 'credentials';
  }
}

// What MSAL's `endpoints_resolution_error` means, as it does not say.
const ENDPOINTS_HINT =
  " (the authority's OpenID configuration, <authority host>/<tenant>/v2.0/.well-known/openid-configuration, could not be read: " +
  'the authority is unreachable or the tenant does not exist)';

/**
 * The OAuth error of a token-endpoint refusal that no retry can cure ({@link REFUSED_CREDENTIAL_ERRORS}),
 * or `undefined`. `@azure/identity` reports the endpoint's answer two ways: MSAL's server error
 * rewrapped as an `AuthenticationRequiredError` whose message starts `<error>: Error(s): <codes>`,
 * or its own `AuthenticationError` with `statusCode` and `errorResponse.error`.
 */
export function refusedCredentialError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  let oauthError: string | undefined;
  if (error.name === 'AuthenticationError') {
    const { statusCode, errorResponse } = error as { statusCode?: unknown; errorResponse?: { error?: unknown } };
    if (statusCode === 400 || statusCode === 401) oauthError = typeof errorResponse?.error === 'string' ? errorResponse.error : undefined;
  } else if (error.name === 'AuthenticationRequiredError') {
    oauthError = /^([a-z_]+): Error\(s\):/.exec(error.message)?.[1];
  }
  return oauthError !== undefined && REFUSED_CREDENTIAL_ERRORS.includes(oauthError) ? oauthError : undefined;
}

/** Which API a token provider gets tokens for: its Entra scope, how messages name it, its static-token variable. */
export interface TokenAudience {
  scope: string;
  tokenName: string;
  staticTokenVariable: string;
  /** The error when no credential is set. */
  noCredentials(): CppConfigError;
}

/** The CPP API's audience: `https://cloudpartner.azure.com`. */
const CPP_AUDIENCE: TokenAudience = { scope: CPP_SCOPE, tokenName: 'CPP token', staticTokenVariable: 'CPP_ACCESS_TOKEN', noCredentials: () => noCredentials() };

/**
 * The token provider for `credentials`. Nothing is fetched here: the first token is requested by the
 * worker's start-up check, or by the first API call.
 *
 * @throws {@link CppConfigError} naming the variables to set when `credentials` is `undefined`, or
 * what the credential refused (an authority host that is not https, a malformed tenant id).
 */
export function createTokenProvider(credentials: CppCredentials | undefined, api: TokenAudience = CPP_AUDIENCE, onTokenRequest?: TokenRequestListener): TokenProvider {
  if (credentials === undefined) throw api.noCredentials();
  const description = credentials.kind === 'staticToken' ? `static token (${api.staticTokenVariable})` : describeCredentials(credentials);
  if (credentials.kind === 'staticToken') return new StaticTokenProvider(credentials.token, description);
  const secrets = credentialSecrets(credentials);
  const { tenantId, clientId, authorityHost } = credentials;
  const credentialOptions = entraCredentialOptions(authorityHost);
  const build = (): TokenCredential =>
    credentials.kind === 'clientSecret'
      ? new ClientSecretCredential(tenantId, clientId, credentials.clientSecret, credentialOptions)
      : new ClientCertificateCredential(
          tenantId,
          clientId,
          { certificatePath: credentials.certificatePath, certificatePassword: credentials.certificatePassword },
          credentialOptions,
        );
  try {
    return new EntraTokenProvider(build(), { description, secrets, renewCredential: build, credentialKind: credentials.kind, scope: api.scope, tokenName: api.tokenName, onTokenRequest });
  } catch (error) {
    // The credential constructors check the tenant id's characters; redact anyway, to be sure.
    throw new CppConfigError('env', redactText(describeValue(error), secrets));
  }
}

/**
 * The `@azure/identity` options for `authorityHost` (`AZURE_AUTHORITY_HOST`): the host itself, and
 * instance discovery turned off when it is not one of {@link MICROSOFT_AUTHORITY_HOSTS}. Instance
 * discovery asks login.microsoftonline.com whether the host is a Microsoft authority; for any
 * other host the answer is no (or nothing, offline), and the sign-in fails. Turning it off is safe
 * because the operator named the host explicitly, and it is still reached over https with its
 * certificate checked: the credentials go where the configuration says, as the CPP token goes to
 * `CPP_BASE_URL`.
 */
export function entraCredentialOptions(authorityHost: string | undefined): { authorityHost?: string; disableInstanceDiscovery?: boolean } {
  if (authorityHost === undefined) return {};
  let host: string | undefined;
  try {
    host = new URL(authorityHost).hostname.toLowerCase();
  } catch {
    // Not a URL: the credential's constructor says what is wrong with it.
    return { authorityHost };
  }
  return MICROSOFT_AUTHORITY_HOSTS.includes(host) ? { authorityHost } : { authorityHost, disableInstanceDiscovery: true };
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
