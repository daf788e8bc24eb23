/**
 * Token providers: the static one, the Entra one over a fake TokenCredential, and the choice the
 * environment makes. Nothing here reaches the network: the real `@azure/identity` credentials
 * against a fake Entra authority are tested in test/entra-signin.test.ts, and the errors scripted
 * here have the shapes seen there.
 */
import { inspect } from 'node:util';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  CPP_SCOPE,
  CppAbortedError,
  CppAuthenticationError,
  CppConfigError,
  EntraTokenProvider,
  StaticTokenProvider,
  createTokenProviderFromEnv,
} from '../src/cpp';
import { entraCredentialOptions, refusedCredentialError } from '../src/cpp/token-provider';

const MINUTE = 60_000;
const CLIENT_SECRET = 'client-secret-Zq8~do-not-leak';

/** A TokenCredential scripted per call: each call takes the next step (a token or an error). */
class FakeCredential implements TokenCredential {
  readonly scopes: (string | string[])[] = [];
  readonly #steps: (() => Promise<AccessToken | null>)[];

  constructor(...steps: (() => Promise<AccessToken | null>)[]) {
    this.#steps = steps;
  }

  get calls(): number {
    return this.scopes.length;
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
    this.scopes.push(scopes);
    const step = this.#steps.shift();
    if (!step) throw new Error('unscripted getToken call');
    return step();
  }
}

const token =
  (value: string, expiresOnTimestamp: number): (() => Promise<AccessToken>) =>
  async () => ({ token: value, expiresOnTimestamp });

/** A manual clock. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('StaticTokenProvider', () => {
  it('returns its token, forced refresh or not, and describes itself without it', async () => {
    const provider = new StaticTokenProvider('static-abc', 'static token (CPP_ACCESS_TOKEN)');
    await expect(provider.getToken()).resolves.toBe('static-abc');
    await expect(provider.getToken({ forceRefresh: true })).resolves.toBe('static-abc');
    expect(provider.description).toBe('static token (CPP_ACCESS_TOKEN)');
    expect(inspect(provider, { showHidden: true, depth: 5 })).not.toContain('static-abc');
  });

  it('refuses an empty token', () => {
    expect(() => new StaticTokenProvider('  ')).toThrow(CppConfigError);
    expect(() => new StaticTokenProvider('  ')).toThrow(expect.objectContaining({ code: 'InvalidConfig', field: 'token', retryable: false }));
  });

  it('honours an aborted signal', async () => {
    const provider = new StaticTokenProvider('static-abc');
    await expect(provider.getToken({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CppAbortedError);
  });
});

describe('EntraTokenProvider', () => {
  it('asks for the CPP scope and caches the token until 5 minutes before it expires', async () => {
    const c = clock();
    const credential = new FakeCredential(token('t1', c.now() + 60 * MINUTE), token('t2', c.now() + 120 * MINUTE));
    const provider = new EntraTokenProvider(credential, { description: 'fake', now: c.now });
    await expect(provider.getToken()).resolves.toBe('t1');
    c.advance(54 * MINUTE);
    await expect(provider.getToken()).resolves.toBe('t1');
    expect(credential.calls).toBe(1);
    c.advance(1 * MINUTE); // now 5 minutes before expiry
    await expect(provider.getToken()).resolves.toBe('t2');
    expect(credential.calls).toBe(2);
    expect(credential.scopes).toEqual([CPP_SCOPE, CPP_SCOPE]);
    expect(CPP_SCOPE).toBe('https://cloudpartner.azure.com/.default');
  });

  it('refreshes earlier when the credential says so (refreshAfterTimestamp)', async () => {
    const c = clock();
    const credential = new FakeCredential(
      async () => ({ token: 't1', expiresOnTimestamp: c.now() + 60 * MINUTE, refreshAfterTimestamp: c.now() + 30 * MINUTE }),
      token('t2', c.now() + 120 * MINUTE),
    );
    const provider = new EntraTokenProvider(credential, { description: 'fake', now: c.now });
    await provider.getToken();
    c.advance(31 * MINUTE);
    await expect(provider.getToken()).resolves.toBe('t2');
  });

  it('forceRefresh skips the cache', async () => {
    const c = clock();
    const credential = new FakeCredential(token('t1', c.now() + 60 * MINUTE), token('t2', c.now() + 60 * MINUTE));
    const provider = new EntraTokenProvider(credential, { description: 'fake', now: c.now });
    await provider.getToken();
    await expect(provider.getToken({ forceRefresh: true })).resolves.toBe('t2');
    await expect(provider.getToken()).resolves.toBe('t2');
    expect(credential.calls).toBe(2);
  });

  it('concurrent callers share one in-flight request', async () => {
    let release!: (t: AccessToken) => void;
    const credential = new FakeCredential(() => new Promise<AccessToken>((resolve) => (release = resolve)));
    const provider = new EntraTokenProvider(credential, { description: 'fake' });
    const all = Promise.all([provider.getToken(), provider.getToken(), provider.getToken({ forceRefresh: true })]);
    await Promise.resolve();
    release({ token: 'shared', expiresOnTimestamp: Date.now() + 60 * MINUTE });
    await expect(all).resolves.toEqual(['shared', 'shared', 'shared']);
    expect(credential.calls).toBe(1);
  });

  it('an aborted caller stops waiting while the shared request serves the others', async () => {
    let release!: (t: AccessToken) => void;
    const credential = new FakeCredential(() => new Promise<AccessToken>((resolve) => (release = resolve)));
    const provider = new EntraTokenProvider(credential, { description: 'fake' });
    const controller = new AbortController();
    const aborted = provider.getToken({ signal: controller.signal });
    const patient = provider.getToken();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'Aborted', retryable: false });
    release({ token: 'late', expiresOnTimestamp: Date.now() + 60 * MINUTE });
    await expect(patient).resolves.toBe('late');
  });

  /** What @azure/identity 4.13.1 throws when the token endpoint answers an OAuth error (MSAL's ServerError, rewrapped). */
  function entraRefusal(oauthError: string, code: number, description: string): Error {
    const message =
      `${oauthError}: Error(s): ${code} - Timestamp: 2026-01-01 00:00:00Z - Description: ${description} ` +
      `Request body: client_secret=${CLIENT_SECRET}&grant_type=client_credentials - Correlation ID: c0ffee - Trace ID: 7ace`;
    return Object.assign(new Error(message), { name: 'AuthenticationRequiredError', scopes: [CPP_SCOPE] });
  }

  it('wraps a transient credential failure as a retryable TokenUnavailable without the secret, then tries again', async () => {
    const failure = entraRefusal('temporarily_unavailable', 90033, 'AADSTS90033: A transient error has occurred. Please try again.');
    const credential = new FakeCredential(async () => {
      throw failure;
    }, token('t-after', Date.now() + 60 * MINUTE));
    const provider = new EntraTokenProvider(credential, { description: 'Entra client credentials (tenant t, client c)', secrets: [CLIENT_SECRET] });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CppAuthenticationError);
    expect(error).toMatchObject({ name: 'CppAuthenticationError', code: 'TokenUnavailable', retryable: true, errorName: 'AuthenticationRequiredError' });
    expect((error as Error).message).toContain('AADSTS90033');
    for (const view of [JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), (error as Error).stack ?? '']) {
      expect(view).not.toContain(CLIENT_SECRET);
    }
    await expect(provider.getToken()).resolves.toBe('t-after');
  });

  it('an authority that cannot be read says what endpoints_resolution_error means', async () => {
    const failure = Object.assign(new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details'), {
      name: 'CredentialUnavailableError',
    });
    const provider = new EntraTokenProvider(
      new FakeCredential(async () => {
        throw failure;
      }),
      { description: 'fake' },
    );
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TokenUnavailable', retryable: true });
    expect((error as Error).message).toContain('the authority is unreachable or the tenant does not exist');
  });

  it.each([
    ['invalid_client', 7000215, 'AADSTS7000215: Invalid client secret provided.', 'clientSecret', 'AZURE_CLIENT_SECRET'],
    ['invalid_client', 700027, 'AADSTS700027: Client assertion failed signature validation.', 'clientCertificate', 'AZURE_CLIENT_CERTIFICATE_PATH'],
    ['unauthorized_client', 700016, "AADSTS700016: Application with identifier 'c' was not found in the directory 't'.", 'clientSecret', 'AZURE_CLIENT_ID'],
    ['invalid_resource', 500011, 'AADSTS500011: The resource principal named https://cloudpartner.azure.com was not found.', 'clientSecret', 'credentials'],
  ] as const)('Entra refusing the credentials (%s %i) is a final CppConfigError naming tenant, client and %s', async (oauthError, code, description, kind, field) => {
    const credential = new FakeCredential(async () => {
      throw entraRefusal(oauthError, code, description);
    });
    const provider = new EntraTokenProvider(credential, {
      description: 'Entra client credentials (tenant t-1, client c-1, client secret)',
      secrets: [CLIENT_SECRET],
      credentialKind: kind,
    });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CppConfigError);
    expect(error).toMatchObject({ code: 'InvalidConfig', retryable: false, field });
    const message = (error as Error).message;
    expect(message).toContain(`Invalid CPP client configuration, ${field}: Entra refused Entra client credentials (tenant t-1, client c-1, client secret)`);
    expect(message).toContain(`AADSTS${code}`);
    for (const view of [JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), (error as Error).stack ?? '']) {
      expect(view).not.toContain(CLIENT_SECRET);
    }
    // Refused once, refused for good: later calls, a forced refresh too, get the same error without asking Entra.
    expect(await provider.getToken().catch((e: unknown) => e)).toBe(error);
    expect(await provider.getToken({ forceRefresh: true }).catch((e: unknown) => e)).toBe(error);
    expect(credential.calls).toBe(1);
  });

  it("recognises identity's own AuthenticationError by status and OAuth error; a 5xx stays transient", () => {
    const ofStatus = (statusCode: number, error: string) =>
      Object.assign(new Error('authentication failed'), { name: 'AuthenticationError', statusCode, errorResponse: { error } });
    expect(refusedCredentialError(ofStatus(401, 'invalid_client'))).toBe('invalid_client');
    expect(refusedCredentialError(ofStatus(400, 'unauthorized_client'))).toBe('unauthorized_client');
    expect(refusedCredentialError(ofStatus(503, 'invalid_client'))).toBeUndefined();
    expect(refusedCredentialError(ofStatus(400, 'temporarily_unavailable'))).toBeUndefined();
    expect(refusedCredentialError(new Error('invalid_client: Error(s): 7000215'))).toBeUndefined();
  });

  it('a forced refresh asks a new credential (an empty library cache), when it has a way to make one', async () => {
    const c = clock();
    const first = new FakeCredential(token('t1', c.now() + 60 * MINUTE), token('t1-again', c.now() + 60 * MINUTE));
    const second = new FakeCredential(token('t2', c.now() + 60 * MINUTE));
    const provider = new EntraTokenProvider(first, { description: 'fake', now: c.now, renewCredential: () => second });
    await expect(provider.getToken()).resolves.toBe('t1');
    await expect(provider.getToken({ forceRefresh: true })).resolves.toBe('t2');
    await expect(provider.getToken()).resolves.toBe('t2');
    expect([first.calls, second.calls]).toEqual([1, 1]);
  });

  it('a token living less than twice the margin is refreshed halfway through its life', async () => {
    const c = clock();
    const credential = new FakeCredential(token('short-1', c.now() + 60_000), token('short-2', c.now() + 120_000));
    const provider = new EntraTokenProvider(credential, { description: 'fake', now: c.now });
    await expect(provider.getToken()).resolves.toBe('short-1');
    c.advance(29_999);
    await expect(provider.getToken()).resolves.toBe('short-1');
    c.advance(1);
    await expect(provider.getToken()).resolves.toBe('short-2');
    expect(credential.calls).toBe(2);
  });

  it('tells onTokenRequest how each request to Entra ended, and not the calls a cached token answers (the metrics)', async () => {
    const outcomes: string[] = [];
    const credential = new FakeCredential(
      async () => {
        throw entraRefusal('temporarily_unavailable', 90033, 'AADSTS90033: A transient error has occurred.');
      },
      token('t-1', Date.now() + 60 * MINUTE),
      async () => {
        throw entraRefusal('invalid_client', 7000215, 'AADSTS7000215: Invalid client secret provided.');
      },
    );
    const provider = new EntraTokenProvider(credential, { description: 'fake', onTokenRequest: (o) => outcomes.push(o) });
    await expect(provider.getToken()).rejects.toBeInstanceOf(CppAuthenticationError);
    await expect(provider.getToken()).resolves.toBe('t-1');
    await expect(provider.getToken()).resolves.toBe('t-1');
    await expect(provider.getToken({ forceRefresh: true })).rejects.toBeInstanceOf(CppConfigError);
    await expect(provider.getToken()).rejects.toBeInstanceOf(CppConfigError);
    expect(outcomes).toEqual(['failed', 'issued', 'refused']);
    expect(credential.calls).toBe(3);
  });

  it('a credential that returns null is TokenUnavailable', async () => {
    const provider = new EntraTokenProvider(new FakeCredential(async () => null), { description: 'fake' });
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'TokenUnavailable' });
  });
});

describe('createTokenProviderFromEnv', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const CLIENT = '00000000-0000-0000-0000-000000000001';

  it('prefers CPP_ACCESS_TOKEN', async () => {
    const provider = createTokenProviderFromEnv({
      CPP_ACCESS_TOKEN: 'env-token',
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
    });
    expect(provider).toBeInstanceOf(StaticTokenProvider);
    expect(provider.description).toBe('static token (CPP_ACCESS_TOKEN)');
    await expect(provider.getToken()).resolves.toBe('env-token');
  });

  it('uses a client secret credential for tenant + client + secret, described without the secret', () => {
    const provider = createTokenProviderFromEnv({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: CLIENT_SECRET });
    expect(provider).toBeInstanceOf(EntraTokenProvider);
    expect(provider.description).toContain(TENANT);
    expect(provider.description).toContain(CLIENT);
    expect(provider.description).not.toContain(CLIENT_SECRET);
  });

  it('uses a client certificate credential for tenant + client + certificate path', () => {
    const provider = createTokenProviderFromEnv({
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent/cert.pem',
    });
    expect(provider).toBeInstanceOf(EntraTokenProvider);
    expect(provider.description).toContain('certificate');
  });

  it.each([
    [{}, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH']],
    [{ AZURE_TENANT_ID: TENANT }, ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH']],
    [{ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, CPP_ACCESS_TOKEN: ' ' }, ['AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH']],
    [{ AZURE_CLIENT_SECRET: CLIENT_SECRET }, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID']],
  ])('without a complete set (%j) names what to set', (env, missing) => {
    let thrown: unknown;
    try {
      createTokenProviderFromEnv(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CppConfigError);
    const message = (thrown as Error).message;
    expect(message).toContain('CPP_ACCESS_TOKEN');
    expect(message).toContain(`missing: ${missing.join(', ')}`);
    expect(message).not.toContain(CLIENT_SECRET);
  });

  it('turns instance discovery off for an authority host that is not a Microsoft cloud, and only then', () => {
    expect(entraCredentialOptions(undefined)).toEqual({});
    expect(entraCredentialOptions('https://login.microsoftonline.us')).toEqual({ authorityHost: 'https://login.microsoftonline.us' });
    expect(entraCredentialOptions('https://LOGIN.chinacloudapi.cn/')).toEqual({ authorityHost: 'https://LOGIN.chinacloudapi.cn/' });
    expect(entraCredentialOptions('https://127.0.0.1:8443')).toEqual({ authorityHost: 'https://127.0.0.1:8443', disableInstanceDiscovery: true });
    expect(entraCredentialOptions('not a url')).toEqual({ authorityHost: 'not a url' });
  });

  it('an unusable tenant id is a config error without the secret', () => {
    let thrown: unknown;
    try {
      createTokenProviderFromEnv({ AZURE_TENANT_ID: 'bad tenant!', AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: CLIENT_SECRET });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CppConfigError);
    expect(inspect(thrown, { depth: 10 })).not.toContain(CLIENT_SECRET);
  });
});
