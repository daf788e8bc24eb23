/**
 * The Temporal settings every process of ours reads from the environment (the worker, the CLI,
 * `npm run setup`, `npm run dev`), validated with one line per bad variable. The worker's own
 * settings build on these (src/worker-process/config.ts). Secrets stay out of `describeTemporal`
 * and every error message.
 */
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE, NEXUS_ENDPOINT } from '../contract';
import { runningDevStack } from './dev-stack-address';

/** The one boolean parser: `true`/`false`/`1`/`0` in any case; anything else is a bad value. */
export const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1');

export const optionalText = z.string().trim().min(1).optional().catch(undefined);
export const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().trim().regex(/^[^\s:/]+:\d+$/, { error: 'must be host:port, e.g. localhost:7233' }).optional(),
  TEMPORAL_NAMESPACE: z.string().trim().min(1, { error: 'must not be empty' }).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1, { error: 'must not be empty' }).default(DEFAULT_TASK_QUEUE),
  // Endpoint names are cluster-wide: two deployments on one cluster need two names.
  NEXUS_ENDPOINT: z
    .string()
    .trim()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/, { error: 'must be a Nexus endpoint name: letters, digits and -, e.g. offer-cancellation' })
    .default(NEXUS_ENDPOINT),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: booleanFlag.optional(),
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
});

/** Raised when the environment is unusable; lists every bad variable, never a value. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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
  /** Where `address` came from, as messages name it: `TEMPORAL_ADDRESS`, a running `npm run dev`, or the default. */
  addressSource: string;
  namespace: string;
  taskQueue: string;
  /** The Nexus endpoint routed to this namespace and task queue. @default 'offer-cancellation' */
  nexusEndpoint: string;
  apiKey?: string;
  tls?: { clientCertPath?: string; clientKeyPath?: string; caPath?: string; serverName?: string };
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

function addressOf(set: string | undefined, fallback: AddressFallback): Pick<TemporalConfig, 'address' | 'addressSource'> {
  if (set) return { address: set, addressSource: 'TEMPORAL_ADDRESS' };
  const running = fallback.devStack ? runningDevStack(fallback.env ?? process.env, fallback.cwd) : undefined;
  if (running) return { address: running.stack.temporalAddress, addressSource: `the running npm run dev, ${running.file}` };
  return { address: DEFAULT_TEMPORAL_ADDRESS, addressSource: 'the default; TEMPORAL_ADDRESS is not set' };
}

export function temporalConfigOf(raw: z.output<typeof temporalSchema>, fallback: AddressFallback = {}): TemporalConfig {
  const mtls = raw.TEMPORAL_TLS_CERT_PATH || raw.TEMPORAL_TLS_KEY_PATH;
  if (mtls && !(raw.TEMPORAL_TLS_CERT_PATH && raw.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError(['TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both or neither']);
  }
  // An API key (Temporal Cloud) implies TLS unless explicitly turned off.
  const tls = raw.TEMPORAL_TLS ?? Boolean(raw.TEMPORAL_API_KEY || mtls || raw.TEMPORAL_TLS_CA_PATH);
  return {
    ...addressOf(raw.TEMPORAL_ADDRESS, fallback),
    namespace: raw.TEMPORAL_NAMESPACE,
    taskQueue: raw.TEMPORAL_TASK_QUEUE,
    nexusEndpoint: raw.NEXUS_ENDPOINT,
    apiKey: raw.TEMPORAL_API_KEY,
    tls: tls
      ? { clientCertPath: raw.TEMPORAL_TLS_CERT_PATH, clientKeyPath: raw.TEMPORAL_TLS_KEY_PATH, caPath: raw.TEMPORAL_TLS_CA_PATH, serverName: raw.TEMPORAL_TLS_SERVER_NAME }
      : undefined,
  };
}

/**
 * What a client (the starter CLI, setup script) needs. `fallback.devStack`: without `TEMPORAL_ADDRESS`,
 * use the running `npm run dev`'s address (the project's own commands do; a library caller decides).
 */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env, fallback: Omit<AddressFallback, 'env'> = {}): TemporalConfig {
  return temporalConfigOf(parseEnv(temporalSchema, setVariables(env)), { ...fallback, env });
}

/** A loggable summary: no key, no token, no file contents. */
export function describeTemporal(config: TemporalConfig): string {
  const auth = config.apiKey ? ', API key' : config.tls?.clientCertPath ? ', mTLS' : '';
  return `${config.address} namespace=${config.namespace} taskQueue=${config.taskQueue}${config.tls ? ', TLS' : ''}${auth}`;
}
