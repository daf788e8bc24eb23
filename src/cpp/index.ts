/**
 * The Cloud Partner Portal API client: plain TypeScript, no Temporal. What a caller of the API needs:
 * the HTTP client, the cancel made safe to repeat, the typed errors, and the token providers.
 */
export * from './types';
export * from './errors';
export { CppHttpClient, type CppHttpClientOptions } from './client';
export { resolveLocation } from './location';
export { parseOperation } from './operation';
export { LOOKUP_HOLDS_POST_UNTIL_ATTEMPT, cancelAtMostOnce, type CancelRequest } from './cancel-at-most-once';
export { parseRetryAfter } from './retry-after';
export { redactText } from './redact';
export { describeCredentials } from './credentials';
export { CPP_SCOPE, EntraTokenProvider, StaticTokenProvider, createTokenProvider, createTokenProviderFromEnv, type TokenProvider } from './token-provider';
