/**
 * A fake Microsoft Entra authority for tests: HTTPS on 127.0.0.1 with a certificate the test made
 * (test/helpers/test-pki.ts), serving what `@azure/identity`'s `ClientSecretCredential` and
 * `ClientCertificateCredential` (MSAL node) ask for:
 *
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the tenant's metadata (the token
 *   endpoint above all); another tenant gets Entra's 400 `invalid_tenant` (AADSTS90002);
 * - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant. It checks the grant type,
 *   the client id, the scope (one of `https://cloudpartner.azure.com/.default`, for the CPP API,
 *   and `https://graph.microsoft.com/.default`, for the Product Ingestion API) and the credential: the client secret, or a client assertion (a JWT signed with the
 *   certificate's key, `RS256` + `x5t` or `PS256` + `x5t#S256`, whose thumbprint is the
 *   registered certificate's, `aud` the token endpoint, `iss` = `sub` = the client id, not
 *   expired). Refusals are Entra's answers: 401 `invalid_client` AADSTS7000215 (wrong secret) or
 *   AADSTS700027 (assertion), 400 `unauthorized_client` AADSTS700016 (unknown client), 400
 *   `invalid_scope` AADSTS1002012, 400 `unsupported_grant_type` AADSTS70003.
 *
 * Issued tokens are RS256 JWTs for the audience of the scope requested (the scope without
 * `/.default`), valid for `tokenLifetimeSeconds` (`expires_in` says the same);
 * {@link RunningEntraAuthority.tokenIssuer} is what the simulator needs to accept exactly them, each
 * on the routes of its API. Instance discovery is not served: the
 * worker disables it for an authority host that is not a Microsoft cloud (see
 * src/cpp/token-provider.ts), and a request for it would be logged as `other` and answered 404.
 *
 * On demand it fails token requests with a given status ({@link RunningEntraAuthority.failTokenRequests})
 * or goes down altogether: stops listening, so connections are refused, and comes back on the
 * same port ({@link RunningEntraAuthority.goDown} / {@link RunningEntraAuthority.comeBack}).
 *
 * It logs no secret: the request log holds the grant, client id, scope and credential kind only;
 * the tokens it issued are kept apart ({@link RunningEntraAuthority.issuedTokens}) for leak scans.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, constants as cryptoConstants, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { thumbprints } from './test-pki';

/** The scope the CPP client asks for. */
export const CPP_TEST_SCOPE = 'https://cloudpartner.azure.com/.default';
/** The scope a Product Ingestion client asks for (Microsoft Graph's). */
export const INGESTION_TEST_SCOPE = 'https://graph.microsoft.com/.default';
/** The scopes a token request may carry, one at a time. */
const ALLOWED_SCOPES = [CPP_TEST_SCOPE, INGESTION_TEST_SCOPE];

/** One app registration: its client id and what it signs in with. */
interface RegisteredClient {
  clientId: string;
  secret?: string;
  /** The certificate (PEM) whose key signs the client assertion. */
  certificatePem?: string;
}

/** Options of {@link startEntraAuthority}. */
export interface EntraAuthorityOptions {
  /** TLS key and certificate for 127.0.0.1 (PEM), from a CA the client trusts. */
  tls: { key: string; cert: string };
  tenantId: string;
  clients: RegisteredClient[];
  /** Lifetime of issued tokens, as `expires_in` and as the JWT's `exp` - `iat`. @default 3600 */
  tokenLifetimeSeconds?: number;
  /** @default 0 (a free port) */
  port?: number;
}

/** What the authority saw of one request (never a secret, an assertion or a token). */
interface AuthorityRequest {
  /** ms since the epoch. */
  at: number;
  method: string;
  path: string;
  kind: 'openid-configuration' | 'token' | 'other';
  grantType?: string;
  clientId?: string;
  scope?: string;
  credential?: 'secret' | 'assertion' | 'none';
  /** The assertion's algorithm, for certificate sign-ins. */
  assertionAlg?: string;
  status: number;
  /** The OAuth error answered, e.g. `invalid_client`. */
  error?: string;
  /** The AADSTS number of a refusal. */
  errorCode?: number;
}

/** How {@link RunningEntraAuthority.tokenIssuer} describes the issued tokens to a resource server. */
interface TokenIssuer {
  issuer: string;
  /** The CPP API's audience, `https://cloudpartner.azure.com`. */
  audience: string;
  /** The Product Ingestion API's audience, `https://graph.microsoft.com`. */
  ingestionAudience: string;
  /** The signing key's public half (PEM, SPKI). */
  publicKeyPem: string;
}

/** A failure to answer the next token requests with. */
interface TokenFailure {
  status: number;
  /** OAuth error. @default 'temporarily_unavailable' */
  error?: string;
  /** @default 'AADSTS90033: A transient error has occurred. Please try again.' */
  description?: string;
  retryAfterSeconds?: number;
}

export interface RunningEntraAuthority {
  /** `https://127.0.0.1:<port>`: the `AZURE_AUTHORITY_HOST` to give the worker. */
  origin: string;
  tenantId: string;
  /** The token endpoint, as the OpenID configuration names it (and client assertions must have as `aud`). */
  tokenEndpoint: string;
  /** What the simulator needs to accept exactly this authority's tokens, each on the routes of its API. */
  tokenIssuer: TokenIssuer;
  /** Every request, oldest first. */
  requests(): AuthorityRequest[];
  /** Token requests (POSTs to the token endpoint), oldest first. */
  tokenRequests(): AuthorityRequest[];
  /** Every token issued so far: secrets for leak scans. */
  issuedTokens(): string[];
  /** Answers the next `count` token requests with `failure` instead of checking them. */
  failTokenRequests(count: number, failure: TokenFailure): void;
  /** Stops listening and drops open connections: connections are refused until {@link comeBack}. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_BODY_BYTES = 64 * 1024;

/** Starts the authority and resolves once it listens. */
export async function startEntraAuthority(options: EntraAuthorityOptions): Promise<RunningEntraAuthority> {
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const clients = new Map(options.clients.map((c) => [c.clientId, { ...c, ...(c.certificatePem ? { thumbprints: thumbprints(c.certificatePem), key: createPublicKey(c.certificatePem) } : {}) }]));
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const log: AuthorityRequest[] = [];
  const issued: string[] = [];
  const failures: TokenFailure[] = [];
  let origin = '';
  const tenantBase = () => `${origin}/${options.tenantId}`;
  const issuer = () => `${tenantBase()}/v2.0`;
  const tokenEndpoint = () => `${tenantBase()}/oauth2/v2.0/token`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readBody(req);
    const entry: AuthorityRequest = { at, method, path, kind: 'other', status: 0 };
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      const error = (json as { error?: unknown }).error;
      if (typeof error === 'string') entry.error = error;
      const codes = (json as { error_codes?: unknown }).error_codes;
      if (Array.isArray(codes) && typeof codes[0] === 'number') entry.errorCode = codes[0];
      log.push(entry);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(json));
    };
    const refuse = (status: number, error: string, code: number, description: string): void =>
      answer(status, entraError(error, code, description));

    const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (method === 'GET' && openId) {
      entry.kind = 'openid-configuration';
      if (decodeURIComponent(openId[1]!) !== options.tenantId) {
        return refuse(400, 'invalid_tenant', 90002, `AADSTS90002: Tenant '${openId[1]}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      }
      return answer(200, {
        issuer: issuer(),
        authorization_endpoint: `${tenantBase()}/oauth2/v2.0/authorize`,
        token_endpoint: tokenEndpoint(),
        device_authorization_endpoint: `${tenantBase()}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${tenantBase()}/oauth2/v2.0/logout`,
        jwks_uri: `${tenantBase()}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      });
    }
    if (method === 'GET' && path === `/${options.tenantId}/discovery/v2.0/keys`) {
      return answer(200, { keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    }
    if (method !== 'POST' || path !== `/${options.tenantId}/oauth2/v2.0/token`) {
      return answer(404, entraError('invalid_request', 90000, `AADSTS90000: No such endpoint: ${method} ${path}.`));
    }

    entry.kind = 'token';
    const form = new URLSearchParams(body);
    entry.grantType = form.get('grant_type') ?? undefined;
    entry.clientId = form.get('client_id') ?? undefined;
    entry.scope = form.get('scope') ?? undefined;
    entry.credential = form.has('client_secret') ? 'secret' : form.has('client_assertion') ? 'assertion' : 'none';
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return answer(failure.status, entraError(failure.error ?? 'temporarily_unavailable', 90033, failure.description ?? 'AADSTS90033: A transient error has occurred. Please try again.'), headers);
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return refuse(400, 'invalid_request', 900144, 'AADSTS900144: The request body must contain the following parameter: grant_type.');
    }
    if (entry.grantType !== 'client_credentials') {
      return refuse(400, 'unsupported_grant_type', 70003, `AADSTS70003: The app requested an unsupported grant type '${entry.grantType ?? ''}'.`);
    }
    const client = entry.clientId === undefined ? undefined : clients.get(entry.clientId);
    if (!client) {
      return refuse(400, 'unauthorized_client', 700016,
        `AADSTS700016: Application with identifier '${entry.clientId ?? ''}' was not found in the directory '${options.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant.`);
    }
    const scopes = (entry.scope ?? '').split(' ').filter(Boolean);
    const scope = scopes.length === 1 ? ALLOWED_SCOPES.find((allowed) => allowed === scopes[0]) : undefined;
    if (scope === undefined) {
      return refuse(400, 'invalid_scope', 1002012,
        `AADSTS1002012: The provided value for scope ${entry.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    if (entry.credential === 'secret') {
      if (client.secret === undefined || form.get('client_secret') !== client.secret) {
        return refuse(401, 'invalid_client', 7000215,
          `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
      }
    } else if (entry.credential === 'assertion') {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
        return refuse(400, 'invalid_request', 70002, `AADSTS70002: The client_assertion_type must be '${ASSERTION_TYPE}'.`);
      }
      const problem = assertionProblem(form.get('client_assertion') ?? '', client, tokenEndpoint(), entry);
      if (problem !== undefined) return refuse(401, 'invalid_client', 700027, `AADSTS700027: ${problem}`);
    } else {
      return refuse(401, 'invalid_client', 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }

    const now = Math.floor(Date.now() / 1000);
    const accessToken = signJwt(
      { alg: 'RS256', typ: 'JWT', kid },
      { aud: audienceOf(scope), iss: issuer(), iat: now, nbf: now, exp: now + lifetime, appid: client.clientId, azp: client.clientId, tid: options.tenantId, sub: `sp-${client.clientId}`, idtyp: 'app', jti: randomUUID() },
      signing.privateKey,
    );
    issued.push(accessToken);
    return answer(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken });
  };

  const server: Server = createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(entraError('server_error', 50000, `AADSTS50000: ${String(error)}`)));
      else res.destroy();
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  await listen(options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;
  let up = true;

  return {
    origin,
    tenantId: options.tenantId,
    tokenEndpoint: tokenEndpoint(),
    tokenIssuer: {
      issuer: issuer(),
      audience: audienceOf(CPP_TEST_SCOPE),
      ingestionAudience: audienceOf(INGESTION_TEST_SCOPE),
      publicKeyPem: signing.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    },
    requests: () => [...log],
    tokenRequests: () => log.filter((r) => r.kind === 'token'),
    issuedTokens: () => [...issued],
    failTokenRequests(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    async goDown() {
      if (!up) return;
      up = false;
      await stop();
    },
    async comeBack() {
      if (up) return;
      await listen(port);
      up = true;
    },
    async close() {
      if (!up) return;
      up = false;
      await stop();
    },
  };
}

/** The audience a token for `scope` is issued to: the resource, the scope without `/.default`. */
function audienceOf(scope: string): string {
  return scope.replace(/\/\.default$/, '');
}

/** Entra's error body. */
function entraError(error: string, code: number, description: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/** Why a client assertion is refused, or `undefined` when it is good. Notes its algorithm in `entry`. */
function assertionProblem(
  assertion: string,
  client: RegisteredClient & { thumbprints?: { x5t: string; x5tS256: string }; key?: KeyObject },
  audience: string,
  entry: AuthorityRequest,
): string | undefined {
  if (!client.key || !client.thumbprints) return `No certificate is registered on application '${client.clientId}'.`;
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'Client assertion is not a JWT.';
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'Client assertion is not a JWT.';
  }
  entry.assertionAlg = String(header.alg);
  const byThumbprint =
    header.alg === 'RS256' ? header.x5t === client.thumbprints.x5t : header.alg === 'PS256' ? header['x5t#S256'] === client.thumbprints.x5tS256 : false;
  if (!byThumbprint) return `The certificate with identifier used to sign the client assertion is not registered on application '${client.clientId}'.`;
  const padding =
    header.alg === 'PS256'
      ? { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_AUTO }
      : { padding: cryptoConstants.RSA_PKCS1_PADDING };
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: client.key, ...padding }, Buffer.from(s, 'base64url'))) {
    return 'Client assertion failed signature validation.';
  }
  const now = Date.now() / 1000;
  if (payload.aud !== audience) return `Client assertion audience claim does not match Realm issuer; expected '${audience}'.`;
  if (payload.iss !== client.clientId || payload.sub !== client.clientId) return 'Client assertion must have iss and sub equal to the client id.';
  if (typeof payload.exp !== 'number' || payload.exp <= now) return 'Client assertion has expired.';
  if (typeof payload.nbf === 'number' && payload.nbf > now + 300) return 'Client assertion is not yet valid.';
  if (typeof payload.jti !== 'string' || payload.jti === '') return 'Client assertion has no jti.';
  return undefined;
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
