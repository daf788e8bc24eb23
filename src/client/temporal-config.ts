/**
 * The Temporal settings every process of ours reads from the environment (the worker, the CLI,
 * `npm run setup`, `npm run dev`), validated with one line per bad variable. The connection itself
 * (address, namespace, API key, TLS) is read as the Temporal CLI reads it, through
 * `@temporalio/envconfig`: a temporal.toml profile with the `TEMPORAL_*` variables over it
 * (temporal-profile.ts). The worker's own settings build on these (src/worker-process/config.ts).
 * Secrets stay out of `describeTemporal` and every error message.
 */
import type { ConfigDataSource } from '@temporalio/envconfig';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE, NEXUS_ENDPOINT } from '../contract';
import { runningDevStack } from './dev-stack-address';
import { loadTemporalProfile, type TemporalProfile } from './temporal-profile';
import { envconfigVariablesOf } from './temporal-variables';

/** The one boolean parser: `true`/`false`/`1`/`0` in any case; anything else is a bad value. */
export const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1');

export const optionalText = z.string().trim().min(1).optional().catch(undefined);
const HOST_PORT = /^[^\s:/]+:\d+$/;
const HOST_PORT_PROBLEM = 'must be host:port, e.g. localhost:7233';
export const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().trim().regex(HOST_PORT, { error: HOST_PORT_PROBLEM }).optional(),
  // No default here: a profile's namespace comes before `default`.
  TEMPORAL_NAMESPACE: z.string().trim().min(1, { error: 'must not be empty' }).optional(),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1, { error: 'must not be empty' }).default(DEFAULT_TASK_QUEUE),
  // Endpoint names are cluster-wide: two deployments on one cluster need two names.
  NEXUS_ENDPOINT: z
    .string()
    .trim()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/, { error: 'must be a Nexus endpoint name: letters, digits and -, e.g. offer-cancellation' })
    .default(NEXUS_ENDPOINT),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: booleanFlag.optional(),
  // The TLS files by the SDK's and CLI's names, by ours (aliases: temporal-variables.ts), or inline.
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalText,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalText,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalText,
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_CLIENT_CERT_DATA: optionalText,
  TEMPORAL_TLS_CLIENT_KEY_DATA: optionalText,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  // The Temporal CLI's config file and the profile in it.
  TEMPORAL_PROFILE: optionalText,
  TEMPORAL_CONFIG_FILE: optionalText,
});

/** Raised when the environment is unusable; lists every bad variable, never a value. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'ConfigError';
  }
}

/** Empty variables count as unset, as shells and compose files often leave them empty. */
export function setVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** `env` through `schema`, with one problem line per bad variable (and any `more` problems found beside). */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string>, more: string[] = []): z.output<S> {
  const result = schema.safeParse(env);
  const problems = [...(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)), ...more];
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

export interface TemporalConfig {
  address: string;
  /**
   * Where `address` came from, as messages name it: `TEMPORAL_ADDRESS`, a profile
   * (`profile "staging" in /path/temporal.toml`), a running `npm run dev`, or the default.
   */
  addressSource: string;
  namespace: string;
  taskQueue: string;
  /** The Nexus endpoint routed to this namespace and task queue. @default 'offer-cancellation' */
  nexusEndpoint: string;
  apiKey?: string;
  /** On when set. Each file is a path or, from `TEMPORAL_TLS_*_DATA` or a profile's `*_data`, its PEM text. */
  tls?: {
    clientCertPath?: string;
    clientKeyPath?: string;
    caPath?: string;
    serverName?: string;
    clientCertData?: string;
    clientKeyData?: string;
    caData?: string;
  };
  /** gRPC headers from a profile's `grpc_meta` or `TEMPORAL_GRPC_META_*`; may carry credentials, never described. */
  grpcMeta?: Record<string, string>;
}

const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/**
 * How a command finds Temporal without `TEMPORAL_ADDRESS`: `devStack` lets it use the ports of the
 * `npm run dev` running in this checkout (`cwd`); otherwise, and when none runs, the default.
 */
export interface AddressFallback {
  devStack?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Where the address comes from: the variable, else the profile, else a running `npm run dev` (if asked), else the default. */
function addressOf(set: string | undefined, profile: TemporalProfile, fallback: AddressFallback): Pick<TemporalConfig, 'address' | 'addressSource'> {
  if (set) return { address: set, addressSource: 'TEMPORAL_ADDRESS' };
  if (profile.source && profile.settings.address) return { address: profile.settings.address.trim(), addressSource: profile.source };
  const running = fallback.devStack ? runningDevStack(fallback.env ?? process.env, fallback.cwd) : undefined;
  if (running) return { address: running.stack.temporalAddress, addressSource: `the running npm run dev, ${running.file}` };
  return { address: DEFAULT_TEMPORAL_ADDRESS, addressSource: 'the default; TEMPORAL_ADDRESS is not set' };
}

/** The profile's own values that cannot be used, one line each (never a value: the file may hold keys). */
function profileProblems({ fromProfile, source }: TemporalProfile): string[] {
  const problems: string[] = [];
  if (fromProfile.address !== undefined && !(typeof fromProfile.address === 'string' && HOST_PORT.test(fromProfile.address.trim()))) {
    problems.push(`${source}: address ${HOST_PORT_PROBLEM}`);
  }
  if (fromProfile.namespace !== undefined && !(typeof fromProfile.namespace === 'string' && fromProfile.namespace.trim())) {
    problems.push(`${source}: namespace must not be empty`);
  }
  if (fromProfile.apiKey !== undefined && typeof fromProfile.apiKey !== 'string') problems.push(`${source}: api_key must be a string`);
  return problems;
}

/** TLS as the SDK turns it on: any TLS setting, or an API key, unless `TEMPORAL_TLS=false` (or the profile's `disabled`). */
function tlsOf({ settings }: TemporalProfile): TemporalConfig['tls'] {
  const tls = settings.tls;
  if (tls === undefined) return settings.apiKey ? { clientCertPath: undefined, clientKeyPath: undefined, caPath: undefined, serverName: undefined } : undefined;
  if (tls.disabled) return undefined;
  const clientCert = fileOf(tls.clientCert);
  const clientKey = fileOf(tls.clientKey);
  const ca = fileOf(tls.serverCACert);
  return {
    clientCertPath: clientCert.path,
    clientKeyPath: clientKey.path,
    caPath: ca.path,
    serverName: tls.serverName,
    ...(clientCert.data !== undefined ? { clientCertData: clientCert.data } : {}),
    ...(clientKey.data !== undefined ? { clientKeyData: clientKey.data } : {}),
    ...(ca.data !== undefined ? { caData: ca.data } : {}),
  };
}

function fileOf(source: ConfigDataSource | undefined): { path?: string; data?: string } {
  if (source === undefined) return {};
  if ('path' in source) return { path: source.path };
  return { data: typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8') };
}

/** A client certificate without its key (or the reverse) is refused rather than silently dropped, as the SDK would. */
function keyPairProblems(tls: TemporalConfig['tls'], profile: TemporalProfile): string[] {
  const hasCert = Boolean(tls?.clientCertPath ?? tls?.clientCertData);
  const hasKey = Boolean(tls?.clientKeyPath ?? tls?.clientKeyData);
  if (hasCert === hasKey) return [];
  const inProfile = (profile.fromProfile.tls?.clientCert ?? profile.fromProfile.tls?.clientKey) ? `; ${profile.source} sets one` : '';
  return [`TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or the _DATA forms): set both or neither${inProfile}`];
}

/**
 * The connection settings from the validated variables (`raw`) and the profile they name;
 * `fallback.env` is the whole environment (where temporal.toml is found, `TEMPORAL_GRPC_META_*`).
 */
export function temporalConfigOf(raw: z.output<typeof temporalSchema>, fallback: AddressFallback = {}): TemporalConfig {
  const env = setVariables(fallback.env ?? process.env);
  const { variables, problems } = envconfigVariablesOf(raw, env);
  const profile = loadTemporalProfile(variables, env);
  if ('problems' in profile) throw new ConfigError([...problems, ...profile.problems]);
  const tls = tlsOf(profile);
  problems.push(...profileProblems(profile), ...keyPairProblems(tls, profile));
  if (problems.length > 0) throw new ConfigError(problems);
  const { settings } = profile;
  return {
    ...addressOf(raw.TEMPORAL_ADDRESS, profile, fallback),
    namespace: settings.namespace?.trim() || 'default',
    taskQueue: raw.TEMPORAL_TASK_QUEUE,
    nexusEndpoint: raw.NEXUS_ENDPOINT,
    apiKey: settings.apiKey,
    tls,
    ...(settings.grpcMeta && Object.keys(settings.grpcMeta).length > 0 ? { grpcMeta: settings.grpcMeta } : {}),
  };
}

/**
 * What a client (the starter CLI, setup script) needs. `fallback.devStack`: when neither
 * `TEMPORAL_ADDRESS` nor a profile gives the address, use the running `npm run dev`'s (the
 * project's own commands do; a library caller decides).
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env, fallback: Omit<AddressFallback, 'env'> = {}): TemporalConfig {
  return temporalConfigOf(parseEnv(temporalSchema, setVariables(env)), { ...fallback, env });
}

/**
 * The secret values among the settings, for the worker's log redaction: the API key and an inline
 * client key may come from a profile, where no variable names them.
 */
export function temporalSecrets(config: TemporalConfig): string[] {
  return [config.apiKey, config.tls?.clientKeyData].filter((secret): secret is string => Boolean(secret));
}

/** A loggable summary: no key, no token, no file contents. */
export function describeTemporal(config: TemporalConfig): string {
  const auth = config.apiKey ? ', API key' : (config.tls?.clientCertPath ?? config.tls?.clientCertData) ? ', mTLS' : '';
  return `${config.address} namespace=${config.namespace} taskQueue=${config.taskQueue}${config.tls ? ', TLS' : ''}${auth}`;
}
