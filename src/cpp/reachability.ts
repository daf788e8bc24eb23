/**
 * Whether the API's host answers at all: a TCP connection (a TLS handshake for `https`, so a
 * certificate the machine does not trust shows too). Sends no request and no token, so it costs the
 * API nothing; a worker asks it once at start-up, to say at once what would otherwise show only as
 * retried cancellations.
 */
import net from 'node:net';
import tls from 'node:tls';

export type Reachability = { reachable: true } | { reachable: false; reason: string };

/** Connects to `baseUrl`'s host and port and hangs up; `reason` names why it could not (`ECONNREFUSED`, …). */
export function probeReachability(baseUrl: string, timeoutMs = 5_000): Promise<Reachability> {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    const done = (result: Reachability) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ reachable: false, reason: `no answer within ${timeoutMs / 1000} s` }));
    socket.once(secure ? 'secureConnect' : 'connect', () => done({ reachable: true }));
    socket.once('error', (e: NodeJS.ErrnoException) => done({ reachable: false, reason: describe(e) }));
  });
}

function describe(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens there';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name not found (${e.code})`;
    default:
      return e.code ? `${e.code}: ${e.message}` : e.message;
  }
}
