/**
 * Tokens for the Product Ingestion API: Microsoft Graph's audience, from `INGESTION_ACCESS_TOKEN` or
 * the same Entra app as the CPP tokens. A worker without either still serves the CPP API; a job's
 * cancellation then fails at once, typed, naming what to set.
 */
import { CppConfigError } from '../cpp/errors';
import { createTokenProvider, type TokenAudience, type TokenProvider, type TokenRequestListener } from '../cpp/token-provider';
import type { CppCredentials } from '../cpp/credentials';
import { GRAPH_SCOPE } from './client';

const noCredentials = () =>
  new CppConfigError(
    'env',
    'no Product Ingestion credentials: set INGESTION_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH); a CPP_ACCESS_TOKEN is for another audience',
  );

/** Microsoft Graph's audience (`https://graph.microsoft.com`), for {@link createTokenProvider}. */
const INGESTION_AUDIENCE: TokenAudience = { scope: GRAPH_SCOPE, tokenName: 'Microsoft Graph token', staticTokenVariable: 'INGESTION_ACCESS_TOKEN', noCredentials };

/** The Graph token provider for `credentials`; without any, one whose every call fails, typed and final. */
export function ingestionTokenProvider(credentials: CppCredentials | undefined, onTokenRequest?: TokenRequestListener): TokenProvider {
  if (credentials) return createTokenProvider(credentials, INGESTION_AUDIENCE, onTokenRequest);
  return {
    description: 'no Product Ingestion credentials',
    refreshable: false,
    getToken: () => Promise.reject(noCredentials()),
  };
}
