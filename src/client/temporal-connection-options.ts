/**
 * Connection options for Temporal (local, self-hosted TLS, or Temporal Cloud), shared by the worker
 * and clients: `@temporalio/envconfig` reads the TLS files and builds them, as for the Temporal CLI.
 */
import type { TLSConfig } from '@temporalio/client';
import { toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { ConfigError, type TemporalConfig } from './temporal-config';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** Reads TLS files once and returns options both `Connection` and `NativeConnection` accept. */
export async function temporalConnectionOptions(config: TemporalConfig): Promise<TemporalConnectionOptions> {
  let built: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    built = toClientOptions(clientProfileOf(config)).connectionOptions;
  } catch (error) {
    throw unreadableFile(config, error);
  }
  const options: TemporalConnectionOptions = { address: config.address };
  if (built.apiKey) options.apiKey = built.apiKey;
  if (built.tls) options.tls = built.tls;
  if (config.grpcMeta) options.metadata = config.grpcMeta;
  return options;
}

/** Our settings in the SDK's terms. */
function clientProfileOf(config: TemporalConfig): ClientConfigProfile {
  const tls = config.tls;
  return {
    address: config.address,
    apiKey: config.apiKey,
    grpcMeta: config.grpcMeta,
    // Off means off: given no TLS settings, the SDK would turn TLS on for an API key.
    tls: tls
      ? {
          serverName: tls.serverName,
          clientCert: sourceOf(tls.clientCertPath, tls.clientCertData),
          clientKey: sourceOf(tls.clientKeyPath, tls.clientKeyData),
          serverCACert: sourceOf(tls.caPath, tls.caData),
        }
      : { disabled: true },
  };
}

function sourceOf(path: string | undefined, data: string | undefined): ConfigDataSource | undefined {
  return path !== undefined ? { path } : data !== undefined ? { data } : undefined;
}

/** A TLS file that cannot be read, as a config line naming its variables and path (never its contents). */
function unreadableFile(config: TemporalConfig, error: unknown): unknown {
  const { code, path } = error as NodeJS.ErrnoException;
  if (typeof path !== 'string') return error;
  const tls = config.tls ?? {};
  const variables =
    path === tls.clientCertPath
      ? 'TEMPORAL_TLS_CLIENT_CERT_PATH (TEMPORAL_TLS_CERT_PATH, a profile\'s client_cert_path)'
      : path === tls.clientKeyPath
        ? 'TEMPORAL_TLS_CLIENT_KEY_PATH (TEMPORAL_TLS_KEY_PATH, a profile\'s client_key_path)'
        : 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (TEMPORAL_TLS_CA_PATH, a profile\'s server_ca_cert_path)';
  return new ConfigError([`${variables} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'unknown error'})`}`], { cause: error });
}
