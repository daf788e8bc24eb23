/** Reading request bodies, bounded so a runaway client cannot exhaust the simulator's memory. */
import type { IncomingMessage } from 'node:http';

/** Largest request body the simulator keeps: 1 MiB (a cancel body is a few hundred bytes). */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** The body, or `tooLarge` when it exceeded the limit (the rest is drained so keep-alive still works). */
export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer | 'tooLarge'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? 'tooLarge' : Buffer.concat(chunks);
}

/** The body parsed as JSON, its text when it is not JSON, `undefined` when empty. */
export function parseBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
