/**
 * One HTTP exchange with the API: the request with its headers, the answer's body read within its
 * cap, any thrown error turned into a typed one, and the exchange reported to `onRequest`.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { ClientSettings } from './client-options';
import { exchangeFailure, tooLarge, type Answer, type CallIdentity } from './exchange-errors';
import { describeValue } from './redact';
import type { CppRequestEvent } from './types';

// Error bodies are only shown (MAX_ERROR_BODY_CHARS); reading more than this would just hold the socket.
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** One HTTP exchange to make. */
export interface Call extends CallIdentity {
  url: string;
  body?: string;
  /** Whether a 2xx body is needed (parsed, within the size cap), only glanced at (its start), or drained. */
  successBody: 'read' | 'peek' | 'discard';
}

export type ExchangeSettings = Pick<ClientSettings, 'dispatcher' | 'userAgent' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxResponseBytes' | 'onRequest'>;

/**
 * Sends `call` with `token` and reads its complete answer; reports it to `onRequest` either way.
 * @throws {@link CppError}: aborted, network fault or timeout, response too large.
 */
export async function exchange(
  settings: ExchangeSettings,
  call: Call,
  token: string,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
): Promise<Answer> {
  const started = performance.now();
  let outcome: number | string = 'Unknown';
  try {
    const { statusCode: status, headers, body } = await request(call.url, {
      dispatcher: settings.dispatcher,
      method: call.method,
      headers: {
        accept: 'application/json',
        // The API wants it on every request, GETs included.
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'user-agent': settings.userAgent,
        'x-ms-client-request-id': randomUUID(),
      },
      body: call.body ?? null,
      signal,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      // No redirect interceptor on purpose: a 3xx comes back as an answer, never followed, so the
      // token cannot travel to wherever it points.
    });
    const text = await readAnswerBody(settings.maxResponseBytes, call, status, headers['content-length'], body);
    outcome = status;
    return { status, headers, text };
  } catch (error) {
    const failure = exchangeFailure(call, error, signal, secrets);
    outcome = failure.code;
    throw failure;
  } finally {
    report(settings.onRequest, { endpoint: call.endpoint, method: call.method, outcome, durationMs: performance.now() - started });
  }
}

interface Body extends AsyncIterable<Buffer> {
  destroy(): unknown;
  dump(options: { limit: number }): Promise<void>;
}

/** The body as far as the call needs it: all of a 2xx it reads (else an error), the start of any other. */
async function readAnswerBody(maxResponseBytes: number, call: Call, status: number, contentLength: string | string[] | undefined, body: Body): Promise<string> {
  const success = status >= 200 && status <= 299;
  if (success && call.successBody === 'discard') {
    await body.dump({ limit: MAX_ERROR_BODY_BYTES });
    return '';
  }
  if (success && call.successBody === 'read') {
    const declared = Number(contentLength);
    if (Number.isFinite(declared) && declared > maxResponseBytes) {
      // dump() destroys a body declared larger than its limit, without reading it.
      await body.dump({ limit: maxResponseBytes });
      throw tooLarge(call, status, `declares ${declared} bytes, more than`, maxResponseBytes);
    }
    const read = await readCapped(body, maxResponseBytes);
    if (read.truncated) throw tooLarge(call, status, 'goes past', maxResponseBytes);
    return read.text;
  }
  // A peeked 2xx, or an error body: only its start is kept; the rest is dropped with the socket.
  return (await readCapped(body, Math.min(MAX_ERROR_BODY_BYTES, maxResponseBytes))).text;
}

async function readCapped(body: Body, limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      truncated = true;
      // Leaving the loop destroys the body: the socket is closed instead of draining a huge answer.
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

function report(onRequest: ((event: CppRequestEvent) => void) | undefined, event: CppRequestEvent): void {
  if (!onRequest) return;
  try {
    onRequest(event);
  } catch (error) {
    // A metrics hook must not fail a cancellation; make the bug visible instead.
    process.emitWarning(`CppHttpClient onRequest hook threw: ${describeValue(error)}`);
  }
}
