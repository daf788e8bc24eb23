/**
 * The simulator's token checks: the fixed set (default) and the JWTs of one issuer, over HTTP, with
 * an expired token answered 401 and logged `expired`; the CPP routes and the Product Ingestion
 * routes as two audiences, each refusing the other's tokens; and the fake Entra authority issuing
 * a token for either.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestionJwtTokenCheck, jwtTokenCheck, staticTokenCheck } from '../simulator/bearer-auth';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { CPP_TEST_SCOPE, INGESTION_TEST_SCOPE, startEntraAuthority, type RunningEntraAuthority } from './helpers/entra-authority';
import { makeTestPki, type TestPki } from './helpers/test-pki';

const ISSUER = 'https://127.0.0.1:1/tenant/v2.0';
const AUDIENCE = 'https://cloudpartner.azure.com';
const GRAPH = 'https://graph.microsoft.com';
const JOB = 'd4261631-c583-4949-a612-5150882632e9';
const GRAPH_INVALID_AUDIENCE = { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } };
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();

function jwt(claims: Record<string, unknown>, options: { key?: typeof keys.privateKey; alg?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: options.alg ?? 'RS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, iat: now, nbf: now, exp: now + 3600, ...claims })).toString('base64url');
  return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), options.key ?? keys.privateKey).toString('base64url')}`;
}

describe('jwtTokenCheck', () => {
  const check = jwtTokenCheck({ issuer: ISSUER, audience: AUDIENCE, publicKeyPem });

  it('accepts a token the issuer signed for the audience', () => {
    expect(check(jwt({}))).toBe('valid');
  });

  it('refuses other signers, issuers, audiences, algorithms and non-JWTs as invalid', () => {
    expect(check(jwt({}, { key: stranger.privateKey }))).toBe('invalid');
    expect(check(jwt({ iss: 'https://elsewhere/v2.0' }))).toBe('invalid');
    expect(check(jwt({ aud: 'https://management.azure.com' }))).toBe('invalid');
    expect(check(jwt({}, { alg: 'none' }))).toBe('invalid');
    expect(check('sim-token')).toBe('invalid');
    const [h, p] = jwt({}).split('.');
    expect(check(`${h}.${p}.`)).toBe('invalid');
  });

  it('says expired past exp, or past maxTokenAgeMs since iat', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(check(jwt({ iat: now - 10, exp: now - 1 }))).toBe('expired');
    const strict = jwtTokenCheck({ issuer: ISSUER, audience: AUDIENCE, publicKeyPem, maxTokenAgeMs: 5_000 });
    expect(strict(jwt({ iat: now - 4 }))).toBe('valid');
    expect(strict(jwt({ iat: now - 5 }))).toBe('expired');
  });
});

describe('ingestionJwtTokenCheck', () => {
  it("accepts the issuer's tokens for Graph (or the given ingestionAudience); one for the CPP is wrongAudience", () => {
    const check = ingestionJwtTokenCheck({ issuer: ISSUER, audience: AUDIENCE, publicKeyPem });
    expect(check(jwt({ aud: GRAPH }))).toBe('valid');
    expect(check(jwt({}))).toBe('wrongAudience');
    expect(check(jwt({ aud: GRAPH }, { key: stranger.privateKey }))).toBe('invalid');
    const now = Math.floor(Date.now() / 1000);
    expect(check(jwt({ aud: GRAPH, iat: now - 10, exp: now - 1 }))).toBe('expired');
    const own = ingestionJwtTokenCheck({ issuer: ISSUER, audience: AUDIENCE, publicKeyPem, ingestionAudience: 'https://ingestion.example' });
    expect([own(jwt({ aud: 'https://ingestion.example' })), own(jwt({ aud: GRAPH }))]).toEqual(['valid', 'wrongAudience']);
  });
});

describe('staticTokenCheck', () => {
  it('accepts exactly its tokens and refuses an empty set', () => {
    const check = staticTokenCheck(['a', 'b']);
    expect([check('a'), check('b'), check('c')]).toEqual(['valid', 'valid', 'invalid']);
    expect(() => staticTokenCheck([])).toThrow(/non-empty/);
    expect(() => staticTokenCheck(['with space'])).toThrow(/white space/);
  });

  it("says wrongAudience for a token of the other API's set", () => {
    const check = staticTokenCheck(['graph'], ['cpp', 'graph']);
    expect([check('graph'), check('cpp'), check('other')]).toEqual(['valid', 'wrongAudience', 'invalid']);
  });
});

/** A cancel of a configure job with `token`: the status and the JSON body. */
async function ingestionCancel(url: string, token: string): Promise<{ status: number; wwwAuthenticate: string | null; body: unknown }> {
  const res = await fetch(`${url}/rp/product-ingestion/configure/${JOB}/cancel?$version=2022-03-01-preview2`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: await res.json() };
}

/** A cancel POST of an offer with `token`: the status. */
async function cppCancel(url: string, offerId: string, token: string): Promise<number> {
  const res = await fetch(`${url}/api/publishers/pub/offers/${offerId}/cancel?api-version=2017-10-31`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ metadata: { 'notification-emails': 'ops@contoso.com' } }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('startSimulator({ tokens, ingestionTokens })', () => {
  it('one token serves both APIs by default', async () => {
    const sim = await startSimulator({ tokens: ['dev-token'] });
    try {
      expect((await ingestionCancel(sim.url, 'dev-token')).status).toBe(200);
      expect(await cppCancel(sim.url, 'both', 'dev-token')).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('a CPP token the ingestion set lacks is refused there with Graph\'s "Invalid audience", and the reverse is a plain 401', async () => {
    const sim = await startSimulator({ tokens: ['cpp-token'], ingestionTokens: ['graph-token'] });
    try {
      const refused = await ingestionCancel(sim.url, 'cpp-token');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(GRAPH_INVALID_AUDIENCE);
      expect((await ingestionCancel(sim.url, 'graph-token')).status).toBe(200);
      expect(await cppCancel(sim.url, 'split', 'graph-token')).toBe(401);
      expect(await cppCancel(sim.url, 'split', 'cpp-token')).toBe(200);
      expect(sim.requests({ jobId: JOB }).map((r) => r.auth)).toEqual(['wrongAudience', 'valid']);
      expect(JSON.stringify(sim.requests())).not.toMatch(/cpp-token|graph-token/);
    } finally {
      await sim.close();
    }
  });
});

describe('startSimulator({ tokenIssuer })', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ tokenIssuer: { issuer: ISSUER, audience: AUDIENCE, publicKeyPem, maxTokenAgeMs: 60_000 } });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const post = (offerId: string, token: string) =>
    fetch(`${sim.url}/api/publishers/pub/offers/${offerId}/cancel?api-version=2017-10-31`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ metadata: { 'notification-emails': 'ops@contoso.com' } }),
    });

  it("Product Ingestion routes: the issuer's Graph tokens only; a CPP token is 401 Invalid audience; an expired one 401 invalid_token", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await ingestionCancel(sim.url, jwt({ aud: GRAPH }))).status).toBe(200);
    const cppToken = await ingestionCancel(sim.url, jwt({}));
    expect(cppToken).toMatchObject({ status: 401, body: GRAPH_INVALID_AUDIENCE });
    const expired = await ingestionCancel(sim.url, jwt({ aud: GRAPH, iat: now - 120 }));
    expect(expired.status).toBe(401);
    expect(expired.wwwAuthenticate).toContain('error="invalid_token", error_description="The token is expired"');
    expect(expired.body).toEqual({ error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } });
    expect(sim.requests({ jobId: JOB }).map((r) => r.auth)).toEqual(['valid', 'wrongAudience', 'expired']);
    // The CPP routes keep requiring their own audience.
    expect(await cppCancel(sim.url, 'jwt-graph', jwt({ aud: GRAPH }))).toBe(401);
  });

  it("accepts the issuer's tokens only; an expired one is 401 invalid_token, logged as expired", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await post('jwt-1', jwt({ iat: now - 120 }));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="The token is expired"');
    expect(((await expired.json()) as { error: { message: string } }).error.message).toBe('The access token is expired.');
    expect((await post('jwt-1', 'sim-token')).status).toBe(401);
    expect((await post('jwt-1', jwt({}))).status).toBe(200);
    expect(sim.requests({ offerId: 'jwt-1' }).map((r) => r.auth)).toEqual(['expired', 'invalid', 'valid']);
  });

  it('refuses to be given both fixed tokens and an issuer', async () => {
    await expect(startSimulator({ tokens: ['x'], tokenIssuer: { issuer: ISSUER, audience: AUDIENCE, publicKeyPem } })).rejects.toThrow(/not both/);
    await expect(startSimulator({ ingestionTokens: ['x'], tokenIssuer: { issuer: ISSUER, audience: AUDIENCE, publicKeyPem } })).rejects.toThrow(/not both/);
  });
});

describe('the fake Entra authority, for either API', () => {
  const tenantId = 'b0d3b0d3-0000-4000-8000-00000000000a';
  const clientId = 'c1d3c1d3-0000-4000-8000-00000000000b';
  const secret = 'authority-test-secret';
  let pki: TestPki;
  let authority: RunningEntraAuthority;
  let sim: RunningSimulator;
  beforeAll(async () => {
    pki = makeTestPki();
    authority = await startEntraAuthority({ tls: pki.server, tenantId, clients: [{ clientId, secret }] });
    sim = await startSimulator({ tokenIssuer: authority.tokenIssuer });
  });
  afterAll(async () => {
    await Promise.all([sim?.close(), authority?.close()]);
    pki?.dispose();
  });

  /** A client-credentials token request for `scope`, over HTTPS trusting the test CA. */
  function requestToken(scope: string): Promise<{ status: number; body: { access_token?: string; error?: string } }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope }).toString();
    return new Promise((resolve, reject) => {
      const req = request(authority.tokenEndpoint, { method: 'POST', ca: readFileSync(pki.caPath), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { access_token?: string; error?: string } }));
      });
      req.on('error', reject);
      req.end(form);
    });
  }

  const audienceOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown }).aud;

  it('issues a token for whichever allowed scope was asked, for the audience of that scope, and each works on its own routes only', async () => {
    const cpp = await requestToken(CPP_TEST_SCOPE);
    const graph = await requestToken(INGESTION_TEST_SCOPE);
    expect([cpp.status, graph.status]).toEqual([200, 200]);
    const cppToken = cpp.body.access_token ?? '';
    const graphToken = graph.body.access_token ?? '';
    expect([audienceOf(cppToken), audienceOf(graphToken)]).toEqual([AUDIENCE, GRAPH]);
    expect(authority.tokenIssuer).toMatchObject({ audience: AUDIENCE, ingestionAudience: GRAPH });

    expect(await cppCancel(sim.url, 'entra', cppToken)).toBe(200);
    expect(await cppCancel(sim.url, 'entra', graphToken)).toBe(401);
    expect((await ingestionCancel(sim.url, graphToken)).status).toBe(200);
    expect(await ingestionCancel(sim.url, cppToken)).toMatchObject({ status: 401, body: GRAPH_INVALID_AUDIENCE });
  });

  it('refuses another scope, or both at once, as invalid_scope', async () => {
    for (const scope of ['https://management.azure.com/.default', `${CPP_TEST_SCOPE} ${INGESTION_TEST_SCOPE}`, GRAPH]) {
      expect(await requestToken(scope)).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    }
    expect(authority.tokenRequests().map((r) => r.scope)).toEqual([CPP_TEST_SCOPE, INGESTION_TEST_SCOPE, 'https://management.azure.com/.default', `${CPP_TEST_SCOPE} ${INGESTION_TEST_SCOPE}`, GRAPH]);
  });
});
