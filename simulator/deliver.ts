/**
 * Writes a decided {@link Reply} to the socket, optionally slowly (the `slowHeaders`/`slowBody`
 * faults), and streams the `oversizedBody` fault with back-pressure.
 */
import type { ServerResponse } from 'node:http';
import { oversizedChunks, type PaddedJson } from './faults';
import type { Reply } from './reply';

/** Waits `ms`; resolves `false` instead when the simulator closes meanwhile. */
export type Sleep = (ms: number) => Promise<boolean>;

/** How to pace an answer. */
export interface Pacing {
  /** Wait this long before the status line and headers. */
  headersDelayMs?: number;
  /** Send headers and the first half of the body, then the rest after this long. */
  bodyDelayMs?: number;
}

/** Sends `reply`, paced as asked. Content-Length is always exact, so a cut-off body is detectable. */
export async function deliver(res: ServerResponse, reply: Reply, sleep: Sleep, pacing: Pacing = {}): Promise<void> {
  if (pacing.headersDelayMs !== undefined && !(await sleep(pacing.headersDelayMs))) return;
  if (res.destroyed) return;
  if (pacing.bodyDelayMs === undefined) {
    sendNow(res, reply);
    return;
  }
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  // At least one byte up front (when there is one), so the client sees the body start and then stall.
  const split = Math.max(reply.body.length > 0 ? 1 : 0, Math.floor(reply.body.length / 2));
  res.flushHeaders();
  if (split > 0) res.write(reply.body.subarray(0, split));
  if (!(await sleep(pacing.bodyDelayMs)) || res.destroyed) return;
  res.end(reply.body.subarray(split));
}

/** Sends `reply` at once. */
export function sendNow(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  res.end(reply.body);
}

/**
 * Streams a valid-looking JSON body of `bytes` bytes (`frame` around the padding; see
 * {@link oversizedChunks}), chunked (no Content-Length), honouring back-pressure.
 */
export async function deliverOversized(res: ServerResponse, bytes: number, frame?: PaddedJson): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  for (const chunk of oversizedChunks(bytes, frame)) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      const drained = await waitForDrain(res);
      if (!drained) return;
    }
  }
  res.end();
}

/** Resolves `true` on 'drain', `false` when the response closes first (client gave up, or close()). */
function waitForDrain(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
