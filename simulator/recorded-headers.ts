/** What the request log keeps of a request's headers: never the token. */
import type { IncomingHttpHeaders } from 'node:http';

/** Request headers for the log, minus `authorization` (the token must never be stored). */
export function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' || name === 'proxy-authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
