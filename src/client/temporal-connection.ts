/** Connection options for Temporal (local, self-hosted TLS, or Temporal Cloud), shared by worker and clients. */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { Connection, type TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from './temporal-config';

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

/**
 * A connection to Temporal that failed, in one line: the address, why, and what to check. The
 * worker, the starter CLI and `npm run dev` print it instead of the transport's own text
 * (`tonic::transport::Error(…)`, `Failed to connect before the deadline`).
 */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  constructor(
    readonly address: string,
    /** Where the address came from: `TEMPORAL_ADDRESS`, a running `npm run dev`, or the default. */
    readonly addressSource: string,
    readonly reason: string,
    readonly check: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach Temporal at ${address} (${addressSource}): ${reason} — ${check}`, options);
  }
}

/** The server a command meant to reach, and how it came to that address. */
type Target = Pick<TemporalConfig, 'address' | 'addressSource'>;

const LOCAL_HINT = 'npm run dev starts one on 127.0.0.1:7233';

/** What to try when nothing listens at `target`: depends on where its address came from. */
function refusedCheck(target: Target): string {
  if (target.addressSource.startsWith('the running npm run dev')) return `the npm run dev that wrote it does not answer there; restart it, or set TEMPORAL_ADDRESS`;
  if (target.addressSource === 'TEMPORAL_ADDRESS') return `nothing listens there; start the server (${LOCAL_HINT}) or set TEMPORAL_ADDRESS to where it runs`;
  return `nothing listens there; start one (${LOCAL_HINT}), or set TEMPORAL_ADDRESS to where yours runs`;
}

/** Why a connection failed and what to check, from the error text (Core's, or a TCP probe's code). */
function classify(target: Target, text: string, timeoutMs?: number): { reason: string; check: string } {
  if (/ConnectionRefused|Connection refused|ECONNREFUSED/i.test(text)) return { reason: 'connection refused', check: refusedCheck(target) };
  if (/dns error|lookup address|ENOTFOUND|EAI_AGAIN|Name or service not known/i.test(text)) {
    return { reason: 'host name not found', check: 'check the host name in TEMPORAL_ADDRESS' };
  }
  if (/tls|certificate|handshake|ssl/i.test(text)) {
    return { reason: 'TLS handshake failed', check: 'check TEMPORAL_TLS, TEMPORAL_TLS_CA_PATH, TEMPORAL_TLS_SERVER_NAME and the client certificate or TEMPORAL_API_KEY' };
  }
  if (/deadline|timed out|timeout|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(text)) {
    return {
      reason: timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'no answer',
      check: `is a Temporal server running there (${LOCAL_HINT})? For a remote cluster check the address, the firewall and TLS (TEMPORAL_TLS, TEMPORAL_API_KEY)`,
    };
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return { reason: flat.length > 200 ? `${flat.slice(0, 199)}…` : flat, check: `check TEMPORAL_ADDRESS and the server there (${LOCAL_HINT})` };
}

/** The one-line error for a failed connection to `target`; `detail` refines a vague cause (a TCP probe's error code). */
export function temporalConnectionError(target: Target, err: unknown, options: { timeoutMs?: number; detail?: string } = {}): TemporalConnectionError {
  const text = `${options.detail ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  const { reason, check } = classify(target, text, options.timeoutMs);
  return new TemporalConnectionError(target.address, target.addressSource, reason, check, { cause: err });
}

/** The variables grpc-js reads a proxy from. */
const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy', 'GRPC_PROXY', 'HTTPS_PROXY', 'HTTP_PROXY'];

/** Tries a plain TCP connection to `address`, to say why gRPC could not connect: the error code, or undefined when it connects. */
function probeTcp(address: string, timeoutMs = 2_000): Promise<string | undefined> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string | undefined) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/**
 * A client connection (the starter CLI, scripts): gives up after `timeoutMs` with a
 * {@link TemporalConnectionError} naming the address and the reason.
 */
export async function connectTemporalClient(config: TemporalConfig, timeoutMs = 5_000): Promise<Connection> {
  const options = await temporalConnectionOptions(config);
  // Nothing listening, or no such host: say so at once rather than after the whole timeout (not
  // through a proxy, where a direct probe proves nothing).
  if (!PROXY_VARIABLES.some((name) => process.env[name])) {
    const code = await probeTcp(config.address);
    if (code && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(code)) throw temporalConnectionError(config, new Error(code));
  }
  try {
    return await Connection.connect({ ...options, connectTimeout: timeoutMs });
  } catch (err) {
    // The client only says "Failed to connect before the deadline"; a TCP probe tells refused from unknown host.
    throw temporalConnectionError(config, err, { timeoutMs, detail: await probeTcp(config.address) });
  }
}
