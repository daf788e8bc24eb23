/** Connecting to Temporal, shared by worker and clients; a failed connection in one line. */
import net from 'node:net';
import { Connection } from '@temporalio/client';
import type { TemporalConfig } from './temporal-config';
import { temporalConnectionOptions } from './temporal-connection-options';

export { temporalConnectionOptions, type TemporalConnectionOptions } from './temporal-connection-options';

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
type Target = Pick<TemporalConfig, 'address' | 'addressSource'> & Partial<Pick<TemporalConfig, 'tls'>>;

const LOCAL_HINT = 'npm run dev starts one on 127.0.0.1:7233';

/** What to try when nothing listens at `target`: depends on where its address came from. */
function refusedCheck(target: Target): string {
  if (target.addressSource.startsWith('the running npm run dev')) return `the npm run dev that wrote it does not answer there; restart it, or set TEMPORAL_ADDRESS`;
  if (target.addressSource === 'TEMPORAL_ADDRESS') return `nothing listens there; start the server (${LOCAL_HINT}) or set TEMPORAL_ADDRESS to where it runs`;
  return `nothing listens there; start one (${LOCAL_HINT}), or set TEMPORAL_ADDRESS to where yours runs`;
}

/** What to fix when the server refuses this client's certificate (or gets none): the variables of our client certificate. */
const CLIENT_CERT_CHECK = 'set TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH to a certificate its CA trusts';

/**
 * TLS alerts a server sends about the client's certificate (rustls's names in Core's errors; OpenSSL's
 * `tlsv13 alert certificate required` / `sslv3 alert bad certificate` forms too), and what each means.
 */
const CLIENT_CERT_ALERTS: Array<[RegExp, string]> = [
  [/UnknownCA|unknown ca/i, 'signed by a CA it does not trust'],
  [/BadCertificate|bad certificate/i, 'bad certificate'],
  [/UnsupportedCertificate|unsupported certificate/i, 'unsupported certificate'],
  [/CertificateExpired|certificate expired/i, 'expired'],
  [/CertificateRevoked|certificate revoked/i, 'revoked'],
  [/CertificateUnknown|certificate unknown/i, 'not accepted'],
  [/AccessDenied|access denied/i, 'access denied'],
];

/**
 * Why a connection failed and what to check, from the error text (Core's, or a TCP probe's code).
 * The TLS cases are what Temporal's frontend with `requireClientAuth` (and rustls in Core) actually
 * say, as `npm run test:cluster` provokes them (docs/cluster.md, "mTLS"); with TLS 1.3 the server
 * judges the client's certificate after the handshake, so its alert arrives with the first call
 * (Core's GetSystemInfo at connect) or, when the connection closes first, not at all.
 */
function classify(target: Target, text: string, timeoutMs?: number): { reason: string; check: string } {
  if (/ConnectionRefused|Connection refused|ECONNREFUSED/i.test(text)) return { reason: 'connection refused', check: refusedCheck(target) };
  if (/dns error|lookup address|ENOTFOUND|EAI_AGAIN|Name or service not known/i.test(text)) {
    return { reason: 'host name not found', check: 'check the host name in TEMPORAL_ADDRESS' };
  }
  // The server's side: it wants a client certificate and got none, or refuses the one it got.
  if (/CertificateRequired|certificate required/i.test(text)) return { reason: 'the server requires a client certificate and got none', check: CLIENT_CERT_CHECK };
  if (/alert/i.test(text)) {
    const alert = CLIENT_CERT_ALERTS.find(([pattern]) => pattern.test(text));
    if (alert) return { reason: `the server refused the client certificate (${alert[1]})`, check: CLIENT_CERT_CHECK };
  }
  // This client's side: the server's certificate.
  if (/UnknownIssuer|unable to (get|verify)[\w ]*(issuer|certificate)|self[- ]signed certificate/i.test(text)) {
    return { reason: "the server's certificate is signed by a CA this client does not trust", check: 'set TEMPORAL_TLS_CA_PATH to the CA certificate (PEM) that signed it' };
  }
  const wrongName = /NotValidForName[^{]*(?:\{\s*expected:\s*(?:DnsName|IpAddress)\("?([^")]+)"?\),\s*presented:\s*\[([^\]]*)\])?/.exec(text);
  if (wrongName) {
    const presented = [...(wrongName[2] ?? '').matchAll(/(?:DnsName|IpAddress)\(\\?"?([^\\")]+)/g)].map((m) => m[1]);
    return {
      reason: `the server's certificate is not valid for ${wrongName[1] ?? 'the name this client expects'}${presented.length ? ` (it names ${presented.join(', ')})` : ''}`,
      check: 'set TEMPORAL_TLS_SERVER_NAME to a name the certificate has, or TEMPORAL_ADDRESS to such a host',
    };
  }
  if (/InvalidCertificate\(Expired|CERT_HAS_EXPIRED|certificate has expired/i.test(text)) {
    return { reason: "the server's certificate has expired (or is not valid yet)", check: "renew the server's certificate, or check this machine's clock" };
  }
  if (/InvalidContentType|wrong version number|packet length too long/i.test(text)) {
    return { reason: 'the server does not speak TLS there', check: 'unset TEMPORAL_TLS and the TEMPORAL_TLS_* variables, or set TEMPORAL_ADDRESS to its TLS port' };
  }
  if (/tls|certificate|handshake|ssl/i.test(text)) {
    return { reason: 'TLS handshake failed', check: 'check TEMPORAL_TLS, TEMPORAL_TLS_CA_PATH, TEMPORAL_TLS_SERVER_NAME and the client certificate or TEMPORAL_API_KEY' };
  }
  // Connected, then closed at the first call: what a TLS 1.3 server that refuses (or misses) the client
  // certificate does when its alert is lost (the client's side of the handshake had succeeded), and
  // what a TLS server does to a plaintext client. Which one, the client's own TLS settings tell.
  if (/connection closed|broken pipe|connection reset|ConnectionReset|ECONNRESET|EPIPE/i.test(text)) {
    const closed = 'closed the connection at the first call';
    if (target.tls?.clientCertPath || target.tls?.clientCertData) return { reason: `the server refused the client certificate (it ${closed})`, check: CLIENT_CERT_CHECK };
    if (target.tls) return { reason: `the server requires a client certificate and got none (it ${closed})`, check: CLIENT_CERT_CHECK };
    return { reason: `the server ${closed}`, check: `if it serves TLS, set TEMPORAL_TLS=true (and TEMPORAL_TLS_CA_PATH for a private CA); if it also requires client certificates, ${CLIENT_CERT_CHECK}` };
  }
  if (/deadline|timed out|timeout|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(text)) {
    return {
      reason: timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'no answer',
      check: `is a Temporal server running there (${LOCAL_HINT})? For a remote cluster check the address, the firewall and TLS (TEMPORAL_TLS, TEMPORAL_TLS_CA_PATH, a client certificate in TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, TEMPORAL_API_KEY)`,
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
