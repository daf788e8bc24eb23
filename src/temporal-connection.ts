/** Connection options for Temporal (local, self-hosted TLS, or Temporal Cloud), shared by worker and clients. */
import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from './config';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Reads TLS files once and returns options both `Connection` and `NativeConnection` accept. */
export async function temporalConnectionOptions(config: TemporalConfig): Promise<TemporalConnectionOptions> {
  const options: TemporalConnectionOptions = { address: config.address };
  if (config.apiKey) options.apiKey = config.apiKey;
  if (config.tls) {
    const { clientCertPath, clientKeyPath, caPath, serverName } = config.tls;
    options.tls = {
      serverNameOverride: serverName,
      serverRootCACertificate: caPath ? await readFile(caPath) : undefined,
      clientCertPair: clientCertPath && clientKeyPath ? { crt: await readFile(clientCertPath), key: await readFile(clientKeyPath) } : undefined,
    };
  }
  return options;
}
