/**
 * Which credential the CPP bearer token comes from, as the environment names it. Parsing only:
 * nothing is built or fetched here (see {@link createTokenProvider}).
 */
import { CppConfigError } from './errors';

/**
 * The credential to get CPP tokens with. Holds secrets: show it only through
 * {@link describeCredentials}.
 */
export type CppCredentials =
  | { kind: 'staticToken'; token: string }
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { kind: 'clientCertificate'; tenantId: string; clientId: string; certificatePath: string; certificatePassword?: string; authorityHost?: string };

/** The variables whose values are secrets, whichever credential they end up in. */
export const CREDENTIAL_SECRET_VARIABLES = ['CPP_ACCESS_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'] as const;

// Any of these set means credentials were meant; the others only refine them.
const CHOOSING_VARIABLES = ['CPP_ACCESS_TOKEN', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH'] as const;

/**
 * The credential the variables ask for; blank values count as unset.
 *
 * - `CPP_ACCESS_TOKEN` → a static token (it wins over the rest);
 * - else `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET` → client secret;
 * - else `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_CERTIFICATE_PATH` (optional
 *   `AZURE_CLIENT_CERTIFICATE_PASSWORD`) → client certificate.
 *
 * `AZURE_AUTHORITY_HOST` selects a sovereign cloud, or another authority (instance discovery is
 * then off: see `entraCredentialOptions` and docs/entra.md).
 *
 * @returns `undefined` when none of them is set (a caller may supply its own token provider).
 * @throws {@link CppConfigError} `env` naming what is missing when a set is incomplete.
 */
export function cppCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): CppCredentials | undefined {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (CHOOSING_VARIABLES.every((name) => value(name) === undefined)) return undefined;
  const token = value('CPP_ACCESS_TOKEN');
  if (token !== undefined) return { kind: 'staticToken', token };

  const tenantId = value('AZURE_TENANT_ID');
  const clientId = value('AZURE_CLIENT_ID');
  const clientSecret = value('AZURE_CLIENT_SECRET');
  const certificatePath = value('AZURE_CLIENT_CERTIFICATE_PATH');
  if (tenantId === undefined || clientId === undefined || (clientSecret === undefined && certificatePath === undefined)) {
    throw noCredentials({ tenantId, clientId, secretOrCertificate: clientSecret ?? certificatePath });
  }
  const authorityHost = value('AZURE_AUTHORITY_HOST');
  const entra = { tenantId, clientId, ...(authorityHost === undefined ? {} : { authorityHost }) };
  if (clientSecret !== undefined) return { kind: 'clientSecret', ...entra, clientSecret };
  const certificatePassword = value('AZURE_CLIENT_CERTIFICATE_PASSWORD');
  return { kind: 'clientCertificate', ...entra, certificatePath: certificatePath!, ...(certificatePassword === undefined ? {} : { certificatePassword }) };
}

/** The error for credentials that are absent (`undefined`) or incomplete, naming what to set. */
export function noCredentials(set: { tenantId?: string; clientId?: string; secretOrCertificate?: string } = {}): CppConfigError {
  const missing = [
    ...(set.tenantId === undefined ? ['AZURE_TENANT_ID'] : []),
    ...(set.clientId === undefined ? ['AZURE_CLIENT_ID'] : []),
    ...(set.secretOrCertificate === undefined ? ['AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH'] : []),
  ];
  return new CppConfigError(
    'env',
    'no CPP credentials: set CPP_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET ' +
      `(or AZURE_CLIENT_CERTIFICATE_PATH); missing: ${missing.join(', ')}`,
  );
}

/** The secrets `credentials` holds, to keep out of any text shown. */
export function credentialSecrets(credentials: CppCredentials): string[] {
  switch (credentials.kind) {
    case 'staticToken':
      return [credentials.token];
    case 'clientSecret':
      return [credentials.clientSecret];
    case 'clientCertificate':
      return credentials.certificatePassword === undefined ? [] : [credentials.certificatePassword];
  }
}

/** How to name `credentials` in logs: the kind, the tenant and client ids, the certificate path; never a secret. */
export function describeCredentials(credentials: CppCredentials): string {
  switch (credentials.kind) {
    case 'staticToken':
      return 'static token (CPP_ACCESS_TOKEN)';
    case 'clientSecret':
      return `Entra client credentials (tenant ${credentials.tenantId}, client ${credentials.clientId}, client secret)`;
    case 'clientCertificate':
      return `Entra client credentials (tenant ${credentials.tenantId}, client ${credentials.clientId}, certificate ${credentials.certificatePath})`;
  }
}
