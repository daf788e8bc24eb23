/**
 * The worker's configuration, read once from the environment: one line per bad variable, the CPP
 * credentials, tracing, and the secrets the logger redacts. Nothing here starts anything.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/worker-process/config';
import { ConfigError, loadTemporalConfig } from '../src/client/temporal-config';
import { CppConfigError, createTokenProvider, describeCredentials, EntraTokenProvider, StaticTokenProvider } from '../src/cpp';
import { createLogger } from '../src/worker-process/observability/logging';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '00000000-0000-0000-0000-000000000001';
const CLIENT_SECRET = 'client-secret-Zq8~do-not-leak';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadWorkerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadWorkerConfig', () => {
  it('has defaults for everything but the credentials', () => {
    const config = loadWorkerConfig({});
    expect(config.temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
    expect(config.cpp).toEqual({ baseUrl: 'https://cloudpartner.azure.com', apiVersion: '2017-10-31' });
    expect(config.observability).toEqual({ logFormat: 'json', logLevel: 'INFO' });
    expect(config.secrets).toEqual([]);
  });

  it('lists every bad variable at once, one line each, without their values', () => {
    const problems = problemsOf({
      WORKER_MAX_CONCURRENT_ACTIVITIES: 'many',
      LOG_FORMAT: 'xml',
      TEMPORAL_TLS: 'yes',
      OTEL_SDK_DISABLED: 'maybe',
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['LOG_FORMAT', 'OTEL_SDK_DISABLED', 'TEMPORAL_TLS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'no CPP credentials'].sort(),
    );
    expect(problems).toContain('TEMPORAL_TLS: must be true or false');
    expect(problems).toContain('OTEL_SDK_DISABLED: must be true or false');
    expect(problems.find((p) => p.startsWith('no CPP credentials'))).toMatch(/missing: AZURE_CLIENT_ID$/);
    expect(problems.join('\n')).not.toContain(CLIENT_SECRET);
  });

  it('an API key or a client certificate turns TLS on (Temporal Cloud)', () => {
    expect(loadTemporalConfig({ TEMPORAL_API_KEY: 'key-123456789' }).tls).toEqual({});
    expect(loadTemporalConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/c.key' }).tls).toEqual({ clientCertPath: '/c.pem', clientKeyPath: '/c.key' });
  });

  it('says where the address came from: TEMPORAL_ADDRESS, a running npm run dev of this checkout, or the default', async () => {
    expect(loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233' })).toMatchObject({ address: 'temporal:7233', addressSource: 'TEMPORAL_ADDRESS' });
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'cpp-config-'));
    try {
      expect(loadTemporalConfig({}, { devStack: true, cwd })).toMatchObject({ address: 'localhost:7233', addressSource: 'the default; TEMPORAL_ADDRESS is not set' });
      await mkdir(path.join(cwd, '.data'));
      await writeFile(path.join(cwd, '.data', 'dev-stack.json'), JSON.stringify({ pid: process.pid, temporalAddress: '127.0.0.1:17233', taskQueue: 'q' }));
      expect(loadTemporalConfig({}, { devStack: true, cwd })).toMatchObject({ address: '127.0.0.1:17233', addressSource: 'the running npm run dev, .data/dev-stack.json' });
      // Only when asked (the project's commands ask; a library caller decides), and never over TEMPORAL_ADDRESS.
      expect(loadTemporalConfig({}, { cwd }).address).toBe('localhost:7233');
      expect(loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }, { devStack: true, cwd }).address).toBe('temporal:7233');
      // A stack that is gone (no such process) is not used.
      await writeFile(path.join(cwd, '.data', 'dev-stack.json'), JSON.stringify({ pid: 2 ** 22 + 12345, temporalAddress: '127.0.0.1:17233', taskQueue: 'q' }));
      expect(loadTemporalConfig({}, { devStack: true, cwd }).address).toBe('localhost:7233');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('reads booleans in any case, as 1/0 too', () => {
    // TLS on, with the system's CAs and no client certificate: nothing else set.
    expect(loadWorkerConfig({ TEMPORAL_TLS: 'TRUE' }).temporal.tls).toStrictEqual({ clientCertPath: undefined, clientKeyPath: undefined, caPath: undefined, serverName: undefined });
    expect(loadWorkerConfig({ TEMPORAL_API_KEY: 'key-123456789', TEMPORAL_TLS: '0' }).temporal.tls).toBeUndefined();
    expect(loadWorkerConfig({ OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'True' }).observability.tracing).toBeUndefined();
  });

  describe('CPP credentials', () => {
    it('none set: absent, and createTokenProvider names what to set', () => {
      const { cpp } = loadWorkerConfig({ AZURE_AUTHORITY_HOST: 'https://login.example' });
      expect(cpp.credentials).toBeUndefined();
      expect(() => createTokenProvider(cpp.credentials)).toThrow(CppConfigError);
      expect(() => createTokenProvider(cpp.credentials)).toThrow('missing: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH');
    });

    it('a static token wins over Entra credentials', () => {
      const { cpp } = loadWorkerConfig({ CPP_ACCESS_TOKEN: ' static-token ', AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: CLIENT_SECRET });
      expect(cpp.credentials).toEqual({ kind: 'staticToken', token: 'static-token' });
      expect(createTokenProvider(cpp.credentials)).toBeInstanceOf(StaticTokenProvider);
    });

    it('a client secret, described and logged without it', () => {
      const config = loadWorkerConfig({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: CLIENT_SECRET, AZURE_AUTHORITY_HOST: 'https://login.example' });
      expect(config.cpp.credentials).toEqual({ kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: CLIENT_SECRET, authorityHost: 'https://login.example' });
      const provider = createTokenProvider(config.cpp.credentials);
      expect(provider).toBeInstanceOf(EntraTokenProvider);
      expect(describeCredentials(config.cpp.credentials!)).toBe(provider.description);
      expect(provider.description).toContain(TENANT);
      expect(provider.description).not.toContain(CLIENT_SECRET);
    });

    it('a certificate, with its optional password', () => {
      const { cpp } = loadWorkerConfig({
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent/cert.pem',
        AZURE_CLIENT_CERTIFICATE_PASSWORD: 'cert-password-123',
      });
      expect(cpp.credentials).toMatchObject({ kind: 'clientCertificate', certificatePath: '/nonexistent/cert.pem', certificatePassword: 'cert-password-123' });
      expect(createTokenProvider(cpp.credentials).description).toContain('certificate /nonexistent/cert.pem');
    });

    it('an http authority is refused when the provider is made, without the secret', () => {
      const { cpp } = loadWorkerConfig({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: CLIENT_SECRET, AZURE_AUTHORITY_HOST: 'http://127.0.0.1:1' });
      let thrown: unknown;
      try {
        createTokenProvider(cpp.credentials);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CppConfigError);
      expect(inspect(thrown, { depth: 10 })).not.toContain(CLIENT_SECRET);
    });
  });

  it('collects every secret variable that is set, used or not, for the logger', () => {
    const config = loadWorkerConfig({ CPP_ACCESS_TOKEN: 'static-token-1', AZURE_CLIENT_SECRET: ` ${CLIENT_SECRET} `, TEMPORAL_API_KEY: 'temporal-key-1', AZURE_CLIENT_CERTIFICATE_PASSWORD: '' });
    expect(config.secrets.sort()).toEqual([CLIENT_SECRET, 'static-token-1', 'temporal-key-1'].sort());
  });

  describe('tracing (standard OTEL_* variables)', () => {
    const tracing = (env: NodeJS.ProcessEnv) => loadWorkerConfig(env).observability.tracing;

    it('is off by default, on with an OTLP endpoint, off again with none or OTEL_SDK_DISABLED', () => {
      expect(tracing({})).toBeUndefined();
      expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({ exporters: ['otlp'], warnings: [] });
      expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
      expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: '1' })).toBeUndefined();
    });

    it('warns about what it cannot do, and keeps the rest', () => {
      expect(tracing({ OTEL_TRACES_EXPORTER: 'Console, zipkin, otlp, console', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({
        exporters: ['console', 'otlp'],
        warnings: [
          'OTEL_TRACES_EXPORTER: "zipkin" is not supported (otlp, console, none); ignored',
          'OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported; traces are sent as http/json',
        ],
      });
    });
  });
});

describe('the logger redacts', () => {
  it("the configuration's secrets (not short ones), bearer tokens and form secrets, and JSON lines stay JSON", () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', level: 'INFO', secrets: [CLIENT_SECRET, 'short'], write: (line) => lines.push(line) });
    logger.info(`quoted ${CLIENT_SECRET}, a short word`, { error: 'Authorization: Bearer abc.def-ghi', body: 'grant_type=x&client_secret=s3cr3t"' });
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as Record<string, string>;
    expect(parsed.msg).toBe('quoted [REDACTED], a short word');
    expect(parsed.error).toBe('Authorization: Bearer [REDACTED]');
    expect(parsed.body).toBe('grant_type=x&client_secret=[REDACTED]"');
  });
});
