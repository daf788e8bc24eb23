/**
 * The Cloud Partner Portal API client: plain TypeScript, no Temporal.
 */
export * from './types';
export * from './errors';
export { CppHttpClient, DEFAULT_CPP_BASE_URL, type CppHttpClientOptions } from './client';
export { resolveLocation } from './location';
export { normaliseOperationStatus, parseListedOperations, parseOperation, parseOperationObject } from './operation';
export { isCancelOperation, LOOKUP_HOLDS_POST_UNTIL_ATTEMPT, cancelAtMostOnce, type CancelRequest, type CancelRequestContext, type CancelRequestOutcome } from './cancel-at-most-once';
export { parseRetryAfter, MAX_RETRY_AFTER_MS } from './retry-after';
export { redactText, REDACTED } from './redact';
export { cppCredentialsFromEnv, describeCredentials, type CppCredentials } from './credentials';
export {
  CPP_SCOPE,
  DEFAULT_REFRESH_MARGIN_MS,
  EntraTokenProvider,
  StaticTokenProvider,
  createTokenProvider,
  createTokenProviderFromEnv,
  type EntraTokenProviderOptions,
  type TokenProvider,
} from './token-provider';
