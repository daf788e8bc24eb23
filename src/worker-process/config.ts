/**
 * The worker's configuration from the environment, read once at start-up and validated with one
 * clear line per bad variable: its whole environment (Temporal, CPP and its credentials, tracing,
 * logs) is read here and nowhere else. Secrets are kept out of `describeCredentials` and every
 * error message.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { booleanFlag, optionalText, parseEnv, setVariables, temporalConfigOf, temporalSchema, temporalSecrets, type AddressFallback, type TemporalConfig } from '../client/temporal-config';
import { CREDENTIAL_SECRET_VARIABLES, cppCredentialsFromEnv, type CppCredentials } from '../cpp/credentials';
import { CppConfigError } from '../cpp/errors';
import type { TracingConfig } from './observability/tracing';
import { versioningOf, versioningSchema, type VersioningConfig } from './versioning';
import { DEFAULT_API_VERSION, valueSchemas } from '../workflow-safe/value-rules';
import { DEFAULT_INGESTION_VERSION } from '../contract';
import { DEFAULT_INGESTION_BASE_URL } from '../ingestion/client';

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be positive' }).default(fallback);

/** `host:port` to listen on: a name, an IPv4 address or a bracketed IPv6 address, and a port. */
const listenAddress = z
  .string()
  .trim()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/, { error: 'must be host:port, e.g. 0.0.0.0:9464', abort: true })
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, { error: 'port must be at most 65535' });

/** `ip:port`: the SDK's Prometheus exporter binds a socket address, it does not resolve host names. */
const ipListenAddress = listenAddress.refine((v) => isIP(v.slice(0, v.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')) !== 0, {
  error: 'must be an IP address and port, e.g. 0.0.0.0:9464 (not a host name)',
});

const workerSchema = temporalSchema.extend({
  ...versioningSchema.shape,
  CPP_BASE_URL: z.url({ error: 'must be a URL like https://cloudpartner.azure.com' }).default('https://cloudpartner.azure.com'),
  CPP_API_VERSION: valueSchemas().apiVersion.default(DEFAULT_API_VERSION),
  INGESTION_BASE_URL: z.url({ error: `must be a URL like ${DEFAULT_INGESTION_BASE_URL}` }).default(DEFAULT_INGESTION_BASE_URL),
  INGESTION_VERSION: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}(-preview\d*)?$/, { error: 'must be a schema version like 2022-03-01-preview2' }).default(DEFAULT_INGESTION_VERSION),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(200),
  // A cached run is small (validation is shared by all runs, see workflow-bundle); beyond the cache a
  // poll replays its short, bounded history.
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt(100),
  WORKER_SHUTDOWN_GRACE_SECONDS: positiveInt(30),
  WORKFLOW_BUNDLE_PATH: optionalText,
  METRICS_ADDRESS: ipListenAddress.optional(),
  HEALTH_ADDRESS: listenAddress.optional(),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).default('json'),
  LOG_LEVEL: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be TRACE, DEBUG, INFO, WARN or ERROR' }))
    .default('INFO'),
  // The standard OpenTelemetry variables that choose whether and where traces go (see tracingOf).
  OTEL_SDK_DISABLED: booleanFlag.optional(),
  OTEL_TRACES_EXPORTER: optionalText,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_PROTOCOL: optionalText,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optionalText,
});

/** Variables whose values must never reach a log line; the CPP credentials' plus Temporal's API key. */
const SECRET_VARIABLES = [...CREDENTIAL_SECRET_VARIABLES, 'INGESTION_ACCESS_TOKEN', 'TEMPORAL_API_KEY'] as const;

export interface WorkerConfig {
  temporal: TemporalConfig;
  cpp: {
    baseUrl: string;
    apiVersion: string;
    /**
     * The credential of the CPP token (holds secrets: name it with `describeCredentials`);
     * absent when no credential variable is set, which `createTokenProvider` refuses.
     */
    credentials?: CppCredentials;
  };
  /** The Product Ingestion API: its base URL, `$version`, and the credential of its (Graph) tokens. */
  ingestion: {
    baseUrl: string;
    version: string;
    /** `INGESTION_ACCESS_TOKEN`, else the `AZURE_*` set; absent when neither is set (its calls then fail, typed). */
    credentials?: CppCredentials;
  };
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  shutdownGraceSeconds: number;
  workflowBundlePath?: string;
  /** Worker Deployment Versioning (`TEMPORAL_DEPLOYMENT_NAME`); unversioned when absent. */
  versioning?: VersioningConfig;
  observability: ObservabilityConfig;
  /** Values that must never appear in a log line (tokens, client secrets, API keys), for the logger. */
  secrets: string[];
}

/** Where the worker reports on itself. */
interface ObservabilityConfig {
  /** Prometheus `/metrics` listen address; off when absent. */
  metricsAddress?: string;
  /** `/livez` and `/readyz` listen address; off when absent. */
  healthAddress?: string;
  /** @default 'json' */
  logFormat: 'json' | 'pretty';
  /** @default 'INFO' */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Trace exporters, from the standard `OTEL_*` variables; off when absent. */
  tracing?: TracingConfig;
}

/**
 * Everything the worker reads from the environment, checked at once: a bad value fails here with
 * one line per variable.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, fallback: Omit<AddressFallback, 'env'> = {}): WorkerConfig {
  const set = setVariables(env);
  const credentials = credentialsOf(set);
  const versioning = versioningOf(versioningSchema.catch({}).parse(set));
  const problems = [...('problem' in credentials ? [credentials.problem] : []), ...('problem' in versioning ? [versioning.problem] : [])];
  const raw = parseEnv(workerSchema, set, problems);
  const temporal = temporalConfigOf(raw, { ...fallback, env });
  return {
    temporal,
    cpp: { baseUrl: raw.CPP_BASE_URL, apiVersion: raw.CPP_API_VERSION, ...('credentials' in credentials ? { credentials: credentials.credentials } : {}) },
    ingestion: { baseUrl: raw.INGESTION_BASE_URL, version: raw.INGESTION_VERSION, ...ingestionCredentialsOf(set) },
    maxConcurrentActivities: raw.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: raw.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceSeconds: raw.WORKER_SHUTDOWN_GRACE_SECONDS,
    workflowBundlePath: raw.WORKFLOW_BUNDLE_PATH,
    ...('versioning' in versioning ? { versioning: versioning.versioning } : {}),
    observability: {
      metricsAddress: raw.METRICS_ADDRESS,
      healthAddress: raw.HEALTH_ADDRESS,
      logFormat: raw.LOG_FORMAT,
      logLevel: raw.LOG_LEVEL,
      ...tracingOf(raw),
    },
    // A profile's API key is named by no variable: its value is added as such.
    secrets: [...new Set([...SECRET_VARIABLES.flatMap((name) => set[name]?.trim() || []), ...temporalSecrets(temporal)])],
  };
}

/** The Graph token's credential: a static token of its own, else the Entra app of the `AZURE_*` set (not `CPP_ACCESS_TOKEN`: another audience). */
function ingestionCredentialsOf(env: Record<string, string>): { credentials?: CppCredentials } {
  const token = env.INGESTION_ACCESS_TOKEN?.trim();
  if (token) return { credentials: { kind: 'staticToken', token } };
  try {
    const credentials = cppCredentialsFromEnv({ ...env, CPP_ACCESS_TOKEN: undefined });
    return credentials === undefined ? {} : { credentials };
  } catch {
    // An incomplete AZURE_* set is named by the CPP credentials' own problem line.
    return {};
  }
}

function credentialsOf(env: Record<string, string>): { credentials?: CppCredentials } | { problem: string } {
  try {
    const credentials = cppCredentialsFromEnv(env);
    return credentials === undefined ? {} : { credentials };
  } catch (error) {
    // Its problem reads as a line of its own: `no CPP credentials: set …; missing: …`.
    if (error instanceof CppConfigError) return { problem: error.problem };
    throw error;
  }
}

/**
 * Tracing as the standard variables ask: `OTEL_TRACES_EXPORTER=otlp` (or `console`), or an
 * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` with `OTEL_TRACES_EXPORTER`
 * unset. `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` turn it off. Unsupported values
 * are ignored with a warning.
 */
function tracingOf(raw: z.output<typeof workerSchema>): { tracing?: TracingConfig } {
  if (raw.OTEL_SDK_DISABLED === true) return {};
  const warnings: string[] = [];
  const requested = (raw.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const endpointSet = Boolean(raw.OTEL_EXPORTER_OTLP_ENDPOINT || raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const names = requested.length > 0 ? requested : endpointSet ? ['otlp'] : [];
  const exporters: TracingConfig['exporters'] = [];
  for (const name of names) {
    if (name === 'none') return {};
    if (name === 'otlp' || name === 'console') exporters.push(name);
    else warnings.push(`OTEL_TRACES_EXPORTER: "${name}" is not supported (otlp, console, none); ignored`);
  }
  const protocol = raw.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? raw.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (exporters.includes('otlp') && protocol && protocol !== 'http/json') {
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; traces are sent as http/json`);
  }
  return exporters.length > 0 ? { tracing: { exporters: [...new Set(exporters)], warnings } } : {};
}
