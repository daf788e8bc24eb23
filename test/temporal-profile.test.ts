/**
 * The Temporal connection settings through `@temporalio/envconfig`: a temporal.toml profile (the
 * Temporal CLI's file) with the `TEMPORAL_*` variables over it, our TLS variable names as aliases
 * of the SDK's, and one line per problem that names the variable, file or profile, never a secret.
 * Real files in a temporary directory; the last test reaches the suite's dev server with nothing
 * but `TEMPORAL_CONFIG_FILE` and `TEMPORAL_PROFILE`, from our CLI and from the Temporal CLI.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, describeTemporal, loadTemporalConfig } from '../src/client/temporal-config';
import { defaultConfigFilePath } from '../src/client/temporal-config-file';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../src/client/temporal-connection';
import { loadWorkerConfig } from '../src/worker-process/config';
import { PROJECT_ROOT, resolveTemporalCli } from '../temporal-cli/resolve';

const run = promisify(execFile);
const API_KEY = `profile-api-key-${randomUUID()}`;
const KEY_PEM = `-----BEGIN PRIVATE KEY-----\nprofile-key-${randomUUID()}\n-----END PRIVATE KEY-----\n`;

let dir: string;
/** Writes `text` to `name` in the test's directory and returns the path. */
async function file(name: string, text: string): Promise<string> {
  const at = path.join(dir, name);
  await mkdir(path.dirname(at), { recursive: true });
  await writeFile(at, text);
  return at;
}

/** The client certificate pair of connection options, as text (the SDK hands bytes). */
function certPairOf(options: TemporalConnectionOptions): { crt: string; key: string } | undefined {
  const pair = typeof options.tls === 'object' ? options.tls.clientCertPair : undefined;
  return pair && { crt: Buffer.from(pair.crt).toString(), key: Buffer.from(pair.key).toString() };
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadTemporalConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

let toml: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpp-temporal-profile-'));
  toml = await file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "default.example:7233"',
      '[profile.staging]',
      'address = "staging.example:7233"',
      'namespace = "staging-ns"',
      `api_key = "${API_KEY}"`,
      '[profile.mtls]',
      'address = "mtls.example:7233"',
      '[profile.mtls.tls]',
      'client_cert_data = "CERT"',
      `client_key_data = """${KEY_PEM}"""`,
      '[profile.broken]',
      'address = "no-port"',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TLS variables: our names are aliases of the SDK and CLI names', () => {
  it('either spelling sets the same file, both with the same value too', () => {
    const ours = loadTemporalConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/c.key', TEMPORAL_TLS_CA_PATH: '/ca.pem' }).tls;
    const theirs = loadTemporalConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/c.key', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }).tls;
    expect(ours).toEqual({ clientCertPath: '/c.pem', clientKeyPath: '/c.key', caPath: '/ca.pem' });
    expect(theirs).toEqual(ours);
    expect(loadTemporalConfig({ TEMPORAL_TLS_CA_PATH: '/ca.pem', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }).tls).toEqual({ caPath: '/ca.pem' });
  });

  it('both set to different files: one line naming both, never the values', () => {
    const problems = problemsOf({
      TEMPORAL_TLS_CERT_PATH: '/secret-a.pem',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/secret-b.pem',
      TEMPORAL_TLS_KEY_PATH: '/c.key',
      TEMPORAL_TLS_CA_PATH: '/ca-a.pem',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca-b.pem',
    });
    expect(problems).toEqual([
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_PATH: both set, to different files; they are the same setting, set one',
      'TEMPORAL_TLS_CA_PATH and TEMPORAL_TLS_SERVER_CA_CERT_PATH: both set, to different files; they are the same setting, set one',
    ]);
    expect(problems.join('\n')).not.toMatch(/secret|ca-a|ca-b/);
  });

  it('a file as a path and as data at once, or a certificate without its key, is refused', () => {
    expect(problemsOf({ TEMPORAL_TLS_KEY_PATH: '/c.key', TEMPORAL_TLS_CLIENT_KEY_DATA: KEY_PEM, TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toEqual([
      "TEMPORAL_TLS_KEY_PATH and TEMPORAL_TLS_CLIENT_KEY_DATA: set the file's path or its contents, not both",
    ]);
    expect(problemsOf({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or the _DATA forms): set both or neither',
    ]);
  });

  it('bad values of the other variables still get a line each', () => {
    expect(problemsOf({ TEMPORAL_TLS: 'yes', TEMPORAL_ADDRESS: 'no-port' })).toEqual(['TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233', 'TEMPORAL_TLS: must be true or false']);
  });
});

describe('a temporal.toml profile', () => {
  it('gives the address and namespace, and the address names the profile and file', () => {
    const config = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' });
    expect(config).toMatchObject({ address: 'staging.example:7233', addressSource: `profile "staging" in ${toml}`, namespace: 'staging-ns', apiKey: API_KEY, tls: {} });
    expect(describeTemporal(config)).toBe('staging.example:7233 namespace=staging-ns taskQueue=cpp-offer-cancellation, TLS, API key');
  });

  it('without TEMPORAL_PROFILE, the profile "default"', () => {
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml })).toMatchObject({ address: 'default.example:7233', addressSource: `profile "default" in ${toml}`, namespace: 'default' });
  });

  it('the variables win over the profile, one by one', () => {
    const config = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging', TEMPORAL_ADDRESS: 'env.example:7233', TEMPORAL_TLS: 'false' });
    expect(config).toMatchObject({ address: 'env.example:7233', addressSource: 'TEMPORAL_ADDRESS', namespace: 'staging-ns', apiKey: API_KEY });
    expect(config.tls).toBeUndefined();
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging', TEMPORAL_NAMESPACE: 'env-ns' }).namespace).toBe('env-ns');
  });

  it("is found at the Temporal CLI's default path, as the CLI finds it", async () => {
    const xdg = path.join(dir, 'xdg');
    const atDefault = await file('xdg/temporalio/temporal.toml', '[profile.default]\naddress = "xdg.example:7233"\n');
    expect(loadTemporalConfig({ XDG_CONFIG_HOME: xdg })).toMatchObject({ address: 'xdg.example:7233', addressSource: `profile "default" in ${atDefault}` });
    // Only the variables' environment counts: no HOME, no file.
    expect(loadTemporalConfig({}).addressSource).toBe('the default; TEMPORAL_ADDRESS is not set');
    expect(defaultConfigFilePath({ HOME: '/home/me' }, 'linux')).toBe('/home/me/.config/temporalio/temporal.toml');
    expect(defaultConfigFilePath({ HOME: '/Users/me' }, 'darwin')).toBe('/Users/me/Library/Application Support/temporalio/temporal.toml');
    expect(defaultConfigFilePath({ XDG_CONFIG_HOME: 'relative' }, 'linux')).toBeUndefined();
  });

  it("wins over a running npm run dev, which is used only when neither gives an address", async () => {
    const cwd = await mkdtemp(path.join(dir, 'checkout-'));
    await mkdir(path.join(cwd, '.data'));
    await writeFile(path.join(cwd, '.data', 'dev-stack.json'), JSON.stringify({ pid: process.pid, temporalAddress: '127.0.0.1:17233', taskQueue: 'q' }));
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' }, { devStack: true, cwd }).address).toBe('staging.example:7233');
    const noAddress = await file('no-address.toml', '[profile.ns-only]\nnamespace = "only-ns"\n');
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: noAddress, TEMPORAL_PROFILE: 'ns-only' }, { devStack: true, cwd })).toMatchObject({
      address: '127.0.0.1:17233',
      addressSource: 'the running npm run dev, .data/dev-stack.json',
      namespace: 'only-ns',
    });
  });

  it('gives TLS data inline; the connection options carry it, descriptions and logs never do', async () => {
    const config = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'mtls' });
    expect(config.tls).toMatchObject({ clientCertData: 'CERT', clientKeyData: KEY_PEM });
    expect(describeTemporal(config)).toBe('mtls.example:7233 namespace=default taskQueue=cpp-offer-cancellation, TLS, mTLS');
    const options = await temporalConnectionOptions(config);
    expect(certPairOf(options)).toEqual({ crt: 'CERT', key: KEY_PEM });
    // The worker's log redaction gets what no variable names: the profile's key and API key.
    expect(loadWorkerConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'mtls' }).secrets).toContain(KEY_PEM);
    expect(loadWorkerConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' }).secrets).toEqual([API_KEY]);
  });
});

describe('TLS files', () => {
  it('are read by the SDK; one that cannot be read is a line naming its variables and path', async () => {
    const cert = await file('tls/client.pem', 'CLIENT CERT');
    const key = await file('tls/client.key', KEY_PEM);
    const options = await temporalConnectionOptions(loadTemporalConfig({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }));
    expect(options.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    expect(certPairOf(options)).toEqual({ crt: 'CLIENT CERT', key: KEY_PEM });

    const missing = path.join(dir, 'tls', 'missing-ca.pem');
    const error = await temporalConnectionOptions(loadTemporalConfig({ TEMPORAL_TLS_CA_PATH: missing, TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`TEMPORAL_TLS_SERVER_CA_CERT_PATH (TEMPORAL_TLS_CA_PATH, a profile's server_ca_cert_path) ${missing}: no such file`]);
  });

  it('TEMPORAL_TLS=false keeps TLS off even with an API key', async () => {
    expect(await temporalConnectionOptions(loadTemporalConfig({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }))).toEqual({ address: 'localhost:7233', apiKey: API_KEY });
    // Without it, an API key turns TLS on, with the system's CAs.
    expect((await temporalConnectionOptions(loadTemporalConfig({ TEMPORAL_API_KEY: API_KEY }))).tls).toEqual({ serverNameOverride: undefined, serverRootCACertificate: undefined, clientCertPair: undefined });
  });
});

describe('a config file or profile that cannot be used: one line naming it', () => {
  it('not valid TOML: the file and the position, not the line (it may hold a key)', async () => {
    const bad = await file('bad.toml', `[profile.cloud]\naddress = "x:1"\napi_key = "${API_KEY}\n`);
    const problems = problemsOf({ TEMPORAL_CONFIG_FILE: bad });
    expect(problems).toEqual([`TEMPORAL_CONFIG_FILE ${bad}: not valid TOML at line 3, column ${12 + API_KEY.length}: control characters are not allowed in strings`]);
    expect(problems.join('\n')).not.toContain(API_KEY);
  });

  it('a profile that is not in the file', () => {
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' })).toEqual([`TEMPORAL_PROFILE: no profile "prod" in ${toml} (it has "default", "staging", "mtls", "broken")`]);
    expect(problemsOf({ XDG_CONFIG_HOME: path.join(dir, 'nowhere'), TEMPORAL_PROFILE: 'prod' })).toEqual([
      `TEMPORAL_PROFILE: no profile "prod" in ${path.join(dir, 'nowhere', 'temporalio', 'temporal.toml')}: no such file (TEMPORAL_CONFIG_FILE can name another)`,
    ]);
  });

  it('a file named by TEMPORAL_CONFIG_FILE that is not there (the default path may be absent)', () => {
    const missing = path.join(dir, 'missing.toml');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: missing })).toEqual([`TEMPORAL_CONFIG_FILE ${missing}: no such file`]);
    expect(loadTemporalConfig({ XDG_CONFIG_HOME: path.join(dir, 'nowhere') }).address).toBe('localhost:7233');
  });

  it("a variable giving as a path a file the profile gives inline: the SDK's line, no contents", () => {
    const problems = problemsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'mtls', TEMPORAL_TLS_KEY_PATH: '/c.key' });
    expect(problems).toEqual([`the TEMPORAL_TLS_* variables over profile "mtls" in ${toml}: Cannot specify both client_key_path and client_key_data`]);
  });

  it("a profile's address that is not host:port, and a file with no profiles yet", async () => {
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'broken' })).toEqual([`profile "broken" in ${toml}: address must be host:port, e.g. localhost:7233`]);
    const empty = await file('comments-only.toml', '# profiles come later\n');
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: empty }).address).toBe('localhost:7233');
  });
});

describe('one temporal.toml for our CLI and the Temporal CLI', () => {
  it('both reach the dev server with only TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE', async () => {
    const resolved = await resolveTemporalCli({ allowPipInstall: false, allowSdkDownload: false });
    if (resolved.kind !== 'path') throw new Error('the Temporal CLI is needed (npm run temporal:resolve)');
    const shared = await file('shared/temporal.toml', `[profile.suite]\naddress = "${inject('temporalAddress')}"\nnamespace = "${inject('temporalNamespace')}"\n`);
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
    Object.assign(env, { TEMPORAL_CONFIG_FILE: shared, TEMPORAL_PROFILE: 'suite' });

    // A queue no worker polls: the cancellation is started and waits; the Temporal CLI then ends it.
    const offer = `profile-${randomUUID()}`;
    const workflowId = `cpp-cancel/contoso/${offer}`;
    const taskQueue = `profile-${randomUUID()}`;
    const ours = await run(process.execPath, ['--import', 'tsx', 'src/starter.ts', '--publisher', 'contoso', '--offer', offer, '--email', 'jondoe@contoso.com', '--task-queue', taskQueue], {
      cwd: PROJECT_ROOT,
      env,
      timeout: 60_000,
    });
    expect(ours.stdout).toContain(`cancellation ${workflowId} (run `);
    expect(ours.stdout).toContain(`on ${inject('temporalAddress')} namespace=${inject('temporalNamespace')} taskQueue=${taskQueue}`);

    const temporal = (...args: string[]) => run(resolved.path, args, { env, timeout: 30_000 });
    await expect(temporal('workflow', 'list', '--limit', '1')).resolves.toBeDefined();
    const described = JSON.parse((await temporal('workflow', 'describe', '--workflow-id', workflowId, '--output', 'json')).stdout) as { workflowExecutionInfo: { taskQueue: string } };
    expect(described.workflowExecutionInfo.taskQueue).toBe(taskQueue);
    await temporal('workflow', 'terminate', '--workflow-id', workflowId, '--reason', 'temporal-profile test');
  });
});
