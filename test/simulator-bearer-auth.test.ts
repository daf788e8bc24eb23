/**
 * The simulator's token checks: the fixed set (default) and the JWTs of one issuer, over HTTP, with
 * an expired token answered 401 and logged `expired`.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtTokenCheck, staticTokenCheck } from '../simulator/bearer-auth';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const ISSUER = 'https://127.0.0.1:1/tenant/v2.0';
const AUDIENCE = 'https://cloudpartner.azure.com';
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

describe('staticTokenCheck', () => {
  it('accepts exactly its tokens and refuses an empty set', () => {
    const check = staticTokenCheck(['a', 'b']);
    expect([check('a'), check('b'), check('c')]).toEqual(['valid', 'valid', 'invalid']);
    expect(() => staticTokenCheck([])).toThrow(/non-empty/);
    expect(() => staticTokenCheck(['with space'])).toThrow(/white space/);
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
  });
});
