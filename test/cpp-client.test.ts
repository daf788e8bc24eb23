/**
 * CppHttpClient against scripted `node:http` servers on port 0: the exact request it sends, and the
 * exact classification of each answer.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CppAbortedError,
  CppConfigError,
  CppError,
  CppHttpClient,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
  type CppHttpClientOptions,
  type CppRequestEvent,
  StaticTokenProvider,
  type TokenProvider,
} from '../src/cpp';
import { answer, reply, ScriptedServer, type Handler } from './helpers/scripted-server';

const TOKEN_1 = 'SECRET-TOKEN-one-4f1c9a';
const TOKEN_2 = 'SECRET-TOKEN-two-88b2e0';
const EMAILS = ['jondoe@contoso.com', 'ops@contoso.com'];
const MIGRATED_PATH = '/api/publishers/contoso/offers/contoso-offer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8?api-version=2017-10-31';
const LEGACY_PATH = '/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31';

const OPERATION = {
  id: 'b3f49dff-0000-4000-8000-000000000001',
  submissionType: 'Cancel',
  createdDateTime: '2018-12-20T19:25:07Z',
  lastActionDateTime: '2018-12-20T19:27:14Z',
  status: 'running',
  error: null,
  cancellationRequestState: 'canCancel',
  steps: [
    { id: 'a', stepName: 'Validation', status: 'complete', progressPercentage: 100, messages: [] },
    {
      id: 'b',
      stepName: 'Certification',
      status: 'inProgress',
      progressPercentage: 25,
      messages: [{ messageHtml: '<b>waiting</b>', level: 'info', timestamp: '2017-03-28T19:50:39Z' }],
    },
  ],
  previewLinks: [],
  liveLinks: [],
  notificationEmails: 'jondoe@contoso.com',
};

/** A token provider that hands out TOKEN_1, then TOKEN_2 on a forced refresh, and records calls. */
class FakeTokens implements TokenProvider {
  readonly description = 'fake tokens';
  readonly calls: { forceRefresh?: boolean }[] = [];
  #current = TOKEN_1;

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    this.calls.push({ forceRefresh: options.forceRefresh });
    if (options.forceRefresh) this.#current = TOKEN_2;
    return this.#current;
  }
}

const server = new ScriptedServer();
const foreign = new ScriptedServer();
const clients: CppHttpClient[] = [];
let tokens: FakeTokens;
let events: CppRequestEvent[];

beforeAll(async () => {
  await Promise.all([server.start(), foreign.start()]);
});

afterAll(async () => {
  await Promise.all([server.close(), foreign.close()]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function makeClient(options: Partial<CppHttpClientOptions> = {}): CppHttpClient {
  tokens = new FakeTokens();
  events = [];
  const client = new CppHttpClient({
    baseUrl: server.origin,
    tokenProvider: tokens,
    userAgent: 'cpp-test/1.0',
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 2_000,
    onRequest: (e) => events.push(e),
    ...options,
  });
  clients.push(client);
  return client;
}

const cancelRequest = { publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: EMAILS };
/** When a slow scripted answer comes: far past the 200 ms timeouts below, whose timer fires up to ~1 s late and more under load. */
const SLOW_ANSWER_MS = 5_000;

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<CppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CppError);
    return error as CppError;
  }
  throw new Error('expected a rejection');
}

describe('cancelOperation: the request', () => {
  it('POSTs the documented path, headers and body', async () => {
    const client = makeClient();
    server.script(answer(200));
    await expect(client.cancelOperation(cancelRequest)).resolves.toEqual({ kind: 'synchronous' });
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/publishers/contoso/offers/contoso-offer/cancel?api-version=2017-10-31');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN_1}`);
    expect(req?.headers['user-agent']).toBe('cpp-test/1.0');
    expect(req?.body).toBe('{"metadata":{"notification-emails":"jondoe@contoso.com,ops@contoso.com"}}');
    expect(tokens.calls).toEqual([{ forceRefresh: false }]);
  });

  it('percent-encodes ids holding ?, #, spaces and non-ASCII characters into one segment each, trims e-mails', async () => {
    const client = makeClient();
    server.script(answer(200));
    await client.cancelOperation({ publisherId: 'con toso?#', offerId: 'offre-été€$', notificationEmails: ['a@x.com', ' b@y.com '] });
    expect(server.requests[0]?.url).toBe(
      '/api/publishers/con%20toso%3F%23/offers/offre-%C3%A9t%C3%A9%E2%82%AC%24/cancel?api-version=2017-10-31',
    );
    expect(server.requests[0]?.body).toBe('{"metadata":{"notification-emails":"a@x.com,b@y.com"}}');
  });

  it('sends the api-version the call names', async () => {
    const client = makeClient({ apiVersion: '2017-10-31' });
    server.script(answer(200));
    await client.cancelOperation({ ...cancelRequest, apiVersion: '2019-01-01-preview' });
    expect(server.requests[0]?.url).toBe('/api/publishers/contoso/offers/contoso-offer/cancel?api-version=2019-01-01-preview');
  });

  it.each([
    ['publisherId', { ...cancelRequest, publisherId: '' }],
    ['publisherId', { ...cancelRequest, publisherId: '..' }],
    ['publisherId', { ...cancelRequest, publisherId: 'a/b' }],
    ['offerId', { ...cancelRequest, offerId: 'offer\nX-Injected: 1' }],
    ['offerId', { ...cancelRequest, offerId: ' padded' }],
    ['offerId', { ...cancelRequest, offerId: 'lone\ud800surrogate' }],
    ['notificationEmails', { ...cancelRequest, notificationEmails: [] }],
    ['notificationEmails', { ...cancelRequest, notificationEmails: ['not-an-email'] }],
    ['notificationEmails', { ...cancelRequest, notificationEmails: ['a@x.com,b@y.com'] }],
    ['apiVersion', { ...cancelRequest, apiVersion: '2017-10-31&x=1' }],
  ])('rejects a bad %s before sending anything', async (field, request) => {
    const client = makeClient();
    server.script();
    const error = await failure(client.cancelOperation(request));
    expect(error).toBeInstanceOf(CppInvalidRequestError);
    expect(error).toMatchObject({ code: 'InvalidRequest', field, retryable: false });
    expect(server.requests).toHaveLength(0);
    expect(tokens.calls).toHaveLength(0);
  });
});

describe('cancelOperation: the answers', () => {
  it('202 with a migrated-offer Location: absolute URL, Retry-After, and the poll hits that path', async () => {
    const client = makeClient();
    server.script(answer(202, undefined, { location: MIGRATED_PATH, 'retry-after': '5' }), answer(200, [OPERATION]));
    const accepted = await client.cancelOperation(cancelRequest);
    expect(accepted).toEqual({ kind: 'asynchronous', location: `${server.origin}${MIGRATED_PATH}`, retryAfterMs: 5000 });
    if (accepted.kind !== 'asynchronous') throw new Error('unreachable');
    const poll = await client.getOperation(accepted.location);
    expect(server.requests[1]?.method).toBe('GET');
    expect(server.requests[1]?.url).toBe(MIGRATED_PATH);
    expect(poll.operation.status).toBe('running');
  });

  it('202 with a legacy Location keeps every $ byte-exact up to the server', async () => {
    const client = makeClient();
    server.script(answer(202, undefined, { location: LEGACY_PATH }), answer(200, [OPERATION]));
    const accepted = await client.cancelOperation(cancelRequest);
    expect(accepted).toEqual({ kind: 'asynchronous', location: `${server.origin}${LEGACY_PATH}` });
    if (accepted.kind !== 'asynchronous') throw new Error('unreachable');
    await client.getOperation(accepted.location);
    expect(server.requests[1]?.url).toBe(LEGACY_PATH);
    expect(server.requests[1]?.url).not.toContain('%24');
  });

  it('202 with an absolute Location on the same origin is accepted', async () => {
    const client = makeClient();
    server.script(answer(202, undefined, { location: `${server.origin}${LEGACY_PATH}` }));
    await expect(client.cancelOperation(cancelRequest)).resolves.toEqual({
      kind: 'asynchronous',
      location: `${server.origin}${LEGACY_PATH}`,
    });
  });

  it('202 without Location is a final MissingLocation protocol error', async () => {
    const client = makeClient();
    server.script(answer(202));
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toBeInstanceOf(CppProtocolError);
    expect(error).toMatchObject({ code: 'MissingLocation', status: 202, retryable: false });
  });

  // The reference says the 202's body holds the location, then documents a header: both are read.
  it.each([
    ['a bare path', LEGACY_PATH],
    ['a JSON string', JSON.stringify(MIGRATED_PATH)],
    ['a JSON object with location', { location: MIGRATED_PATH }],
    ['a JSON object with Location', { Location: LEGACY_PATH }],
  ])('202 without the header but with the location in the body as %s is accepted', async (_form, body) => {
    const client = makeClient();
    server.script(answer(202, body));
    const accepted = await client.cancelOperation(cancelRequest);
    const path = typeof body === 'string' ? (body.startsWith('"') ? (JSON.parse(body) as string) : body) : Object.values(body)[0];
    expect(accepted).toEqual({ kind: 'asynchronous', location: `${server.origin}${path}` });
  });

  it('202 whose body names a foreign location is refused like a foreign header', async () => {
    const client = makeClient();
    server.script(answer(202, { location: `${foreign.origin}${MIGRATED_PATH}` }));
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'ForeignLocation', status: 202 });
  });

  it.each([
    ['absolute', (): string => `${foreign.origin}${MIGRATED_PATH}`],
    ['scheme-relative', (): string => `//${new URL(foreign.origin).host}${MIGRATED_PATH}`],
    ['backslash', (): string => `/\\${new URL(foreign.origin).host}${MIGRATED_PATH}`],
  ])('202 with a foreign %s Location is refused and the foreign origin receives nothing', async (_form, location) => {
    const client = makeClient();
    server.script(answer(202, undefined, { location: location() }));
    foreign.script();
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toBeInstanceOf(CppProtocolError);
    expect(error).toMatchObject({ code: 'ForeignLocation', status: 202, retryable: false });
    expect(error.message).toContain(foreign.origin);
    expect(foreign.requests).toHaveLength(0);
  });

  it.each([
    [400, 'BadRequest', { error: { code: 'InvalidRequest', message: 'notification-emails is required' } }],
    [403, 'Forbidden', { error: { code: 'Forbidden', message: 'no access to namespace contoso' } }],
    [404, 'NotFound', { error: { code: 'NotFound', message: 'offer contoso-offer not found' } }],
  ])('%i is a final %s with the error body', async (status, code, body) => {
    const client = makeClient();
    server.script(answer(status, body, { 'x-ms-request-id': 'req-123' }));
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toBeInstanceOf(CppHttpError);
    expect(error).toMatchObject({
      code,
      status,
      retryable: false,
      endpoint: 'cancel',
      method: 'POST',
      body: JSON.stringify(body),
      requestId: 'req-123',
    });
    expect(error.name).toBe('CppHttpError');
    expect(error.message).toContain(body.error.message);
    expect(server.requests).toHaveLength(1);
  });

  it('truncates a long error body to at most 2048 characters', async () => {
    const client = makeClient();
    server.script(answer(400, 'x'.repeat(100_000)));
    const error = (await failure(client.cancelOperation(cancelRequest))) as CppHttpError;
    expect(error).toMatchObject({ code: 'BadRequest', status: 400, body: 'x'.repeat(2048) });
  });

  it('401 once: refreshes the token (forceRefresh) and retries with the new one', async () => {
    const client = makeClient();
    server.script(answer(401, { error: 'expired' }), answer(200));
    await expect(client.cancelOperation(cancelRequest)).resolves.toEqual({ kind: 'synchronous' });
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN_1}`, `Bearer ${TOKEN_2}`]);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(events.map((e) => e.outcome)).toEqual([401, 200]);
  });

  it('401 twice is a final Unauthorized after exactly two requests, saying what to check', async () => {
    const client = makeClient();
    server.script(answer(401), answer(401, 'still no'));
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'Unauthorized', status: 401, retryable: false, body: 'still no' });
    expect(error.message).toContain('cancel POST answered HTTP 401');
    expect(error.message).toContain('a fresh token was refused too');
    expect(error.message).toContain('https://cloudpartner.azure.com/.default');
    expect(error.message).toContain('service principal');
    expect(server.requests).toHaveLength(2);
  });

  it('401 with a static token is final after one request: it cannot be refreshed', async () => {
    const client = new CppHttpClient({ baseUrl: server.origin, tokenProvider: new StaticTokenProvider(TOKEN_1, 'static token (CPP_ACCESS_TOKEN)') });
    try {
      server.script(answer(401));
      const error = await failure(client.cancelOperation(cancelRequest));
      expect(error).toMatchObject({ code: 'Unauthorized', status: 401, retryable: false });
      expect(error.message).toContain('static token (CPP_ACCESS_TOKEN) cannot be refreshed');
      expect(error.message).not.toContain(TOKEN_1);
      expect(server.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it.each([
    [408, 'RequestTimeout'],
    [409, 'Conflict'],
    [429, 'Throttled'],
    [500, 'ServerError'],
    [502, 'ServerError'],
    [503, 'ServerError'],
    [504, 'ServerError'],
  ])('%i is a retryable %s carrying Retry-After seconds', async (status, code) => {
    const client = makeClient();
    server.script(answer(status, { error: 'busy' }, { 'retry-after': '7' }));
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toBeInstanceOf(CppHttpError);
    expect(error).toMatchObject({ code, status, retryable: true, retryAfterMs: 7000, body: '{"error":"busy"}' });
  });

  it('Retry-After as an HTTP-date becomes the delay until then', async () => {
    const client = makeClient();
    const date = new Date(Date.now() + 30_000).toUTCString();
    server.script(answer(503, undefined, { 'retry-after': date }));
    const before = Date.now();
    const error = await failure(client.cancelOperation(cancelRequest));
    const after = Date.now();
    // The date (whole seconds) less the moment the answer was read, somewhere between before and after.
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(Date.parse(date) - after);
    expect(error.retryAfterMs).toBeLessThanOrEqual(Date.parse(date) - before);
  });

  it('Retry-After 0 means retry at once, and garbage means no hint', async () => {
    const client = makeClient();
    server.script(answer(429, undefined, { 'retry-after': '0' }), answer(429, undefined, { 'retry-after': 'soon' }));
    expect((await failure(client.cancelOperation(cancelRequest))).retryAfterMs).toBe(0);
    const second = await failure(client.cancelOperation(cancelRequest));
    expect(second.retryAfterMs).toBeUndefined();
    expect(second).not.toHaveProperty('retryAfterMs');
  });

  it('a 3xx is not followed: final UnexpectedStatus, and its target receives nothing', async () => {
    const client = makeClient();
    server.script(answer(307, undefined, { location: `${foreign.origin}/steal` }));
    foreign.script();
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'UnexpectedStatus', status: 307, retryable: false });
    expect(foreign.requests).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('an undocumented 2xx (204) is a final UnexpectedStatus', async () => {
    const client = makeClient();
    server.script((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'UnexpectedStatus', status: 204, retryable: false });
  });
});

describe('network faults', () => {
  it('a connection reset is a retryable ConnectionReset', async () => {
    const client = makeClient();
    server.script((req) => req.socket.destroy());
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toBeInstanceOf(CppNetworkError);
    expect(error).toMatchObject({ code: 'ConnectionReset', retryable: true, name: 'CppNetworkError' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ endpoint: 'cancel', method: 'POST', outcome: 'ConnectionReset' });
  });

  it('headers that never come are a retryable HeadersTimeout', async () => {
    const client = makeClient({ headersTimeoutMs: 200 });
    // undici checks header timeouts on its coarse (~1 s) timer wheel: answer well after that, even late by load.
    server.script((_req, res) => setTimeout(() => reply(res, 200), SLOW_ANSWER_MS));
    const started = Date.now();
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'HeadersTimeout', retryable: true });
    // Given up before the answer came, not on it.
    expect(Date.now() - started).toBeLessThan(SLOW_ANSWER_MS);
  });

  it('a body that stalls is a retryable BodyTimeout', async () => {
    const client = makeClient({ bodyTimeoutMs: 200 });
    server.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"status":');
      setTimeout(() => res.end('"running"}]'), SLOW_ANSWER_MS);
    });
    const error = await failure(client.getOperation(MIGRATED_PATH));
    expect(error).toMatchObject({ code: 'BodyTimeout', retryable: true });
  });

  it('a refused connection is a retryable ConnectionFailed', async () => {
    const closed = await new ScriptedServer().start();
    await closed.close();
    const client = makeClient({ baseUrl: closed.origin });
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'ConnectionFailed', retryable: true, causeCode: 'ECONNREFUSED' });
  });

  it("the caller's AbortSignal gives a non-retryable Aborted", async () => {
    const client = makeClient();
    server.script((_req, res) => setTimeout(() => reply(res, 200), 1_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(client.cancelOperation(cancelRequest, { signal: controller.signal }));
    expect(error).toBeInstanceOf(CppAbortedError);
    expect(error).toMatchObject({ code: 'Aborted', retryable: false });
  });

  it('a closed client refuses to send (retryable, another worker may)', async () => {
    const client = makeClient();
    await client.close();
    await client.close();
    server.script();
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ code: 'ConnectionFailed', retryable: true });
    expect(server.requests).toHaveLength(0);
  });
});

describe('getOperation', () => {
  it('GETs the location with Accept and Authorization, and reads Retry-After', async () => {
    const client = makeClient();
    server.script(answer(200, [OPERATION], { 'retry-after': '12' }));
    const poll = await client.getOperation(`${server.origin}${MIGRATED_PATH}`);
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'GET', url: MIGRATED_PATH, body: '' });
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN_1}`);
    expect(poll).toEqual({
      retryAfterMs: 12_000,
      operation: {
        id: OPERATION.id,
        status: 'running',
        rawStatus: 'running',
        submissionType: 'Cancel',
        createdDateTime: '2018-12-20T19:25:07Z',
        lastActionDateTime: '2018-12-20T19:27:14Z',
        cancellationRequestState: 'canCancel',
        progressPercentage: 63,
        steps: [
          { id: 'a', name: 'Validation', status: 'complete', progressPercentage: 100, messages: [] },
          {
            id: 'b',
            name: 'Certification',
            status: 'inProgress',
            progressPercentage: 25,
            messages: [{ messageHtml: '<b>waiting</b>', level: 'info', timestamp: '2017-03-28T19:50:39Z' }],
          },
        ],
      },
    });
  });

  it('accepts a bare object as well as the documented array of one', async () => {
    const client = makeClient();
    server.script(answer(200, [OPERATION]), answer(200, OPERATION));
    const fromArray = await client.getOperation(MIGRATED_PATH);
    const fromObject = await client.getOperation(MIGRATED_PATH);
    expect(fromObject).toEqual(fromArray);
  });

  it.each([
    ['Completed', 'completed'],
    ['not started', 'notStarted'],
    ['Cancelled', 'canceled'],
    ['pendingReview', 'unknown'],
  ])('status %j reads as %s and rawStatus keeps it', async (raw, status) => {
    const client = makeClient();
    server.script(answer(200, [{ ...OPERATION, status: raw }]));
    const { operation } = await client.getOperation(MIGRATED_PATH);
    expect(operation).toMatchObject({ status, rawStatus: raw });
  });

  it('a failed operation carries its error message', async () => {
    const client = makeClient();
    server.script(answer(200, [{ ...OPERATION, status: 'failed', error: 'Certification failed' }]));
    const { operation } = await client.getOperation(MIGRATED_PATH);
    expect(operation).toMatchObject({ status: 'failed', error: 'Certification failed' });
  });

  it('a body that is not JSON is a final MalformedBody', async () => {
    const client = makeClient();
    server.script(answer(200, '[{"status": "running"'));
    const error = await failure(client.getOperation(MIGRATED_PATH));
    expect(error).toBeInstanceOf(CppProtocolError);
    expect(error).toMatchObject({ code: 'MalformedBody', status: 200, retryable: false, body: '[{"status": "running"' });
  });

  it.each([
    ['an empty array', []],
    ['two operations', [OPERATION, OPERATION]],
    ['a JSON string', '"running"'],
    ['null', null],
    ['no status', [{ id: 'x' }]],
    ['a numeric status', [{ status: 3 }]],
    ['steps that are not an array', [{ status: 'running', steps: 'many' }]],
    ['a textual progress', [{ status: 'running', steps: [{ stepName: 's', progressPercentage: 'half' }] }]],
  ])('%s is a final UnexpectedBody', async (_what, body) => {
    const client = makeClient();
    server.script(answer(200, body));
    const error = await failure(client.getOperation(MIGRATED_PATH));
    expect(error).toMatchObject({ code: 'UnexpectedBody', status: 200, retryable: false });
  });

  it('a body over maxResponseBytes (declared) is a final ResponseTooLarge; the client keeps working', async () => {
    const client = makeClient({ maxResponseBytes: 1024 });
    server.script(answer(200, 'x'.repeat(10_000)), answer(200, [OPERATION]));
    const error = await failure(client.getOperation(MIGRATED_PATH));
    expect(error).toMatchObject({ code: 'ResponseTooLarge', status: 200, retryable: false });
    await expect(client.getOperation(MIGRATED_PATH)).resolves.toMatchObject({ operation: { status: 'running' } });
  });

  it('a streamed body over maxResponseBytes (no content-length) is a final ResponseTooLarge', async () => {
    const client = makeClient({ maxResponseBytes: 64 * 1024 });
    server.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = `[${'"padding",'.repeat(1000)}`;
      let sent = 0;
      const pump = (): void => {
        // Stop once the client hung up; 8 MiB at most.
        while (!res.destroyed && sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const error = await failure(client.getOperation(MIGRATED_PATH));
    expect(error).toMatchObject({ code: 'ResponseTooLarge', status: 200 });
    expect(events[0]).toMatchObject({ outcome: 'ResponseTooLarge' });
  });

  it('a 404 while polling is a final NotFound for getOperation', async () => {
    const client = makeClient();
    server.script(answer(404, { error: 'no such operation' }));
    const error = await failure(client.getOperation(LEGACY_PATH));
    expect(error).toMatchObject({ code: 'NotFound', endpoint: 'getOperation', method: 'GET', retryable: false });
  });

  it.each([
    ['on another origin', (): string => `${foreign.origin}${MIGRATED_PATH}`],
    ['empty', (): string => ''],
    ['not a URL', (): string => 'http://[::1'],
  ])('a location %s is refused before sending anything', async (_what, location) => {
    const client = makeClient();
    server.script();
    foreign.script();
    const error = await failure(client.getOperation(location()));
    expect(error).toBeInstanceOf(CppInvalidRequestError);
    expect(error).toMatchObject({ code: 'InvalidRequest', field: 'location', retryable: false });
    expect(server.requests).toHaveLength(0);
    expect(foreign.requests).toHaveLength(0);
    expect(tokens.calls).toHaveLength(0);
  });
});

describe('listOperations', () => {
  it('GETs the documented list form, submissions/ filtered by status', async () => {
    const client = makeClient();
    server.script(answer(200, [{ id: 'a', submissionType: 'publish', submissionState: 'running' }]));
    const list = await client.listOperations('contoso', 'contoso offer', { status: 'running' });
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      url: '/api/publishers/contoso/offers/contoso%20offer/submissions/?api-version=2017-10-31&status=running',
    });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN_1}`);
    expect(list).toEqual([{ id: 'a', submissionType: 'publish', state: 'running', rawState: 'running' }]);
  });

  it('reads the state from submissionState (the example) or status (the table); an item with neither is unknown', async () => {
    const client = makeClient();
    server.script(
      answer(200, [
        { id: 'a', submissionState: 'running' },
        { id: 'b', status: 'Completed' },
        { id: 'c', submissionType: 'cancel' },
        'not an object',
        { id: 'd', submissionState: 42, status: 'not started' },
      ]),
    );
    const list = await client.listOperations('contoso', 'contoso-offer', { status: 'running' });
    expect(list.map((o) => [o.id, o.state, o.rawState])).toEqual([
      ['a', 'running', 'running'],
      ['b', 'completed', 'Completed'],
      ['c', 'unknown', undefined],
      [undefined, 'unknown', undefined],
      ['d', 'notStarted', 'not started'],
    ]);
  });

  it('accepts an object with a value array, and omits status when not asked', async () => {
    const client = makeClient();
    server.script(answer(200, { value: [OPERATION] }));
    const list = await client.listOperations('contoso', 'contoso-offer');
    expect(server.requests[0]?.url).toBe('/api/publishers/contoso/offers/contoso-offer/submissions/?api-version=2017-10-31');
    expect(list).toHaveLength(1);
  });

  it('a body that is not JSON is a final MalformedBody naming the look-up', async () => {
    const client = makeClient();
    server.script(answer(200, '<html>oops</html>'));
    const error = await failure(client.listOperations('contoso', 'contoso-offer'));
    expect(error).toMatchObject({ code: 'MalformedBody', status: 200 });
    expect(error.message).toContain('look-up of running operations');
  });

  it('an object without a value array is a final UnexpectedBody', async () => {
    const client = makeClient();
    server.script(answer(200, { items: [] }));
    const error = await failure(client.listOperations('contoso', 'contoso-offer'));
    expect(error).toMatchObject({ code: 'UnexpectedBody', status: 200 });
  });

  it('rejects a bad offer id before sending anything', async () => {
    const client = makeClient();
    server.script();
    const error = await failure(client.listOperations('contoso', '../x'));
    expect(error).toMatchObject({ code: 'InvalidRequest', field: 'offerId' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('onRequest', () => {
  it('fires once per HTTP exchange with endpoint, method, outcome and duration', async () => {
    const client = makeClient();
    server.script(answer(202, undefined, { location: LEGACY_PATH }), answer(503), answer(200, [OPERATION]));
    const started = Date.now();
    await client.cancelOperation(cancelRequest);
    await failure(client.getOperation(LEGACY_PATH));
    await client.listOperations('contoso', 'contoso-offer');
    const elapsed = Date.now() - started;
    expect(events.map(({ endpoint, method, outcome }) => ({ endpoint, method, outcome }))).toEqual([
      { endpoint: 'cancel', method: 'POST', outcome: 202 },
      { endpoint: 'getOperation', method: 'GET', outcome: 503 },
      { endpoint: 'listOperations', method: 'GET', outcome: 200 },
    ]);
    // Each within the time the three calls took (+1: a duration may count a fraction of a millisecond).
    for (const e of events) {
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      expect(e.durationMs).toBeLessThanOrEqual(elapsed + 1);
    }
    expect(JSON.stringify(events)).not.toContain(TOKEN_1);
  });
});

describe('configuration', () => {
  it.each([
    ['http on a public host', { baseUrl: 'http://cloudpartner.azure.com' }, 'baseUrl'],
    ['http on a private address', { baseUrl: 'http://10.0.0.5:8080' }, 'baseUrl'],
    ['a path', { baseUrl: 'https://cloudpartner.azure.com/api' }, 'baseUrl'],
    ['a query', { baseUrl: 'https://cloudpartner.azure.com/?x=1' }, 'baseUrl'],
    ['credentials', { baseUrl: 'https://user:pw@cloudpartner.azure.com' }, 'baseUrl'],
    ['not a URL', { baseUrl: 'cloudpartner.azure.com' }, 'baseUrl'],
    ['another scheme', { baseUrl: 'ftp://127.0.0.1' }, 'baseUrl'],
    ['a zero timeout', { headersTimeoutMs: 0 }, 'headersTimeoutMs'],
    ['a fractional size', { maxResponseBytes: 1.5 }, 'maxResponseBytes'],
    ['a bad api version', { apiVersion: 'latest' }, 'apiVersion'],
    ['a multi-line user agent', { userAgent: 'a\r\nX-Evil: 1' }, 'userAgent'],
  ])('refuses %s', (_what, options, field) => {
    let thrown: unknown;
    try {
      new CppHttpClient({ tokenProvider: new FakeTokens(), ...options });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CppConfigError);
    expect(thrown).toMatchObject({ code: 'InvalidConfig', field, retryable: false, name: 'CppConfigError' });
  });

  it.each([
    ['https://cloudpartner.azure.com', 'https://cloudpartner.azure.com'],
    ['http://localhost:7071', 'http://localhost:7071'],
    ['http://127.0.0.2:1', 'http://127.0.0.2:1'],
    ['http://[::1]:8080/', 'http://[::1]:8080'],
  ])('accepts %s, and builds its URLs on %s', async (baseUrl, origin) => {
    const client = new CppHttpClient({ baseUrl, tokenProvider: new FakeTokens() });
    try {
      expect(client.operationUrl('contoso', 'contoso-offer', 'op-1')).toBe(`${origin}/api/publishers/contoso/offers/contoso-offer/operations/op-1?api-version=2017-10-31`);
    } finally {
      await client.close();
    }
  });
});

describe('no secret in any error', () => {
  /** Every view of an error a log or Temporal failure could take. */
  function views(error: unknown): string[] {
    const out = [JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), String(error)];
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      out.push(e.message, e.stack ?? '', JSON.stringify(Object.getOwnPropertyNames(e).map((k) => (e as never)[k])));
    }
    return out;
  }

  // The server echoes the Authorization header back in each kind of answer.
  const echo =
    (status: number, headers: Record<string, string> = {}): Handler =>
    (req, res) =>
      reply(res, status, `{"echo":"${req.headers.authorization ?? ''}","again":"${req.headers.authorization?.slice(7) ?? ''}"}`, headers);

  const cases: [string, (client: CppHttpClient) => Promise<unknown>, Handler[]][] = [
    ['400 echo', (c) => c.cancelOperation(cancelRequest), [echo(400)]],
    ['403 echo', (c) => c.cancelOperation(cancelRequest), [echo(403)]],
    ['404 echo', (c) => c.getOperation(MIGRATED_PATH), [echo(404)]],
    ['401 twice echo', (c) => c.cancelOperation(cancelRequest), [echo(401), echo(401)]],
    ['503 echo', (c) => c.listOperations('contoso', 'contoso-offer'), [echo(503, { 'retry-after': '1' })]],
    ['302 echo', (c) => c.cancelOperation(cancelRequest), [echo(302, { location: '/elsewhere' })]],
    ['malformed echo', (c) => c.getOperation(MIGRATED_PATH), [(req, res) => reply(res, 200, `not json ${req.headers.authorization}`)]],
    ['unexpected echo', (c) => c.getOperation(MIGRATED_PATH), [echo(200)]],
    ['foreign location', (c) => c.cancelOperation(cancelRequest), [(_req, res) => reply(res, 202, undefined, { location: `${foreign.origin}/x?token=${TOKEN_1}` })]],
    ['no location', (c) => c.cancelOperation(cancelRequest), [answer(202)]],
    ['reset', (c) => c.cancelOperation(cancelRequest), [(req) => req.socket.destroy()]],
    ['too large', (c) => c.getOperation(MIGRATED_PATH), [(req, res) => reply(res, 200, `${req.headers.authorization}`.repeat(2000))]],
  ];

  it.each(cases)('%s', async (_name, call, handlers) => {
    const client = makeClient({ maxResponseBytes: 16 * 1024 });
    server.script(...handlers);
    const error = await failure(call(client));
    for (const view of views(error)) {
      expect(view).not.toContain(TOKEN_1);
      expect(view).not.toContain(TOKEN_2);
      expect(view).not.toMatch(/Bearer (?!\[REDACTED\])/);
    }
  });

  it('a header-timeout and an abort carry no token either', async () => {
    const client = makeClient({ headersTimeoutMs: 200 });
    server.script((_req, res) => setTimeout(() => reply(res, 200), SLOW_ANSWER_MS), (_req, res) => setTimeout(() => reply(res, 200), SLOW_ANSWER_MS));
    const timeout = await failure(client.cancelOperation(cancelRequest));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error(`aborted while sending Bearer ${TOKEN_1}`)), 50);
    const aborted = await failure(client.cancelOperation(cancelRequest, { signal: controller.signal }));
    expect(aborted.code).toBe('Aborted');
    for (const view of [...views(timeout), ...views(aborted)]) expect(view).not.toContain(TOKEN_1);
  });
});

describe('token provider failures', () => {
  it('a provider throwing a plain error becomes a retryable TokenUnavailable and nothing is sent', async () => {
    server.script();
    const client = new CppHttpClient({
      baseUrl: server.origin,
      tokenProvider: {
        description: 'broken provider',
        getToken: async () => {
          throw Object.assign(new Error(`refused: Bearer ${TOKEN_1}`), { code: 'EAUTH' });
        },
      },
    });
    clients.push(client);
    const error = await failure(client.cancelOperation(cancelRequest));
    expect(error).toMatchObject({ name: 'CppAuthenticationError', code: 'TokenUnavailable', retryable: true, errorCode: 'EAUTH' });
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(TOKEN_1);
    expect(server.requests).toHaveLength(0);
  });
});
