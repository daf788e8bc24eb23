/**
 * The client against the reference's own example answers (test/fixtures/cpp/), served verbatim by a
 * scripted `node:http` server: what our client reads must be what the reference shows, not what our
 * simulator happens to send. The retried-POST rule runs on the same answers.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../src/activities/cancellation';
import { cancelAtMostOnce, CppHttpError, type CancelRequest } from '../src/cpp';
import { watchOperation } from '../src/activities/watch-operation';
import { loadCppFixture } from './helpers/cpp-fixtures';
import { reply, useScriptedCppServer, type Handler } from './helpers/scripted-server';

const { server, makeClient } = useScriptedCppServer();

/** Answers with the fixture's status, headers and body, byte for byte (no body where it shows none). */
function fixtureAnswer(name: string): Handler {
  const { response } = loadCppFixture(name);
  return (_req, res) => reply(res, response.status, response.body === null ? undefined : response.body, response.headers);
}

/** The fixture's request path with its `<placeholders>` filled in. */
function requestPath(name: string, values: Record<string, string>): string {
  return loadCppFixture(name).request.path.replace(/<(\w+)>/g, (_m, key: string) => values[key] ?? `<${key}>`);
}

const REQUEST: CancelRequest = { publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'], apiVersion: '2017-10-31' };

describe('the cancel POST on the reference examples', () => {
  it('cancel-200: synchronous, sent to the documented path', async () => {
    server.script(fixtureAnswer('cancel-200'));
    await expect(makeClient().cancelOperation(REQUEST)).resolves.toEqual({ kind: 'synchronous' });
    expect(server.requests[0]?.url).toBe(requestPath('cancel-200', { publisherId: 'contoso', offerId: 'contoso-offer' }));
    expect(server.requests[0]?.method).toBe(loadCppFixture('cancel-200').request.method);
  });

  it.each(['cancel-202-migrated', 'cancel-202-legacy'])('%s: accepted, the Location resolved byte for byte', async (name) => {
    server.script(fixtureAnswer(name));
    const location = Object.entries(loadCppFixture(name).response.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
    expect(location).toMatch(/^\/api\//);
    await expect(makeClient().cancelOperation(REQUEST)).resolves.toEqual({ kind: 'asynchronous', location: `${server.origin}${location}` });
  });
});

describe('GET operation on the reference examples', () => {
  it('the reference page example: an array of one, no id, six steps, the blocked Certification step', async () => {
    server.script(fixtureAnswer('get-operation-reference-page'));
    const { operation } = await makeClient().getOperation('/api/publishers/contoso/offers/contoso-offer/operations/x?api-version=2017-10-31');
    expect(operation).toMatchObject({ status: 'running', rawStatus: 'running', cancellationRequestState: 'canCancel' });
    expect(operation.id).toBeUndefined();
    expect(operation.steps.map((s) => [s.name, s.status, s.progressPercentage])).toEqual([
      ['Validate Pre-Requisites', 'complete', 100],
      ['Certification', 'blocked', 0],
      ['Provisioning', 'notStarted', 0],
      ['Packaging and Lead Generation Registration', 'notStarted', 0],
      ['Publisher signoff', 'notStarted', 0],
      ['Live', 'notStarted', 0],
    ]);
    expect(operation.progressPercentage).toBe(17); // mean of 100 and five 0s
    expect(operation.steps[1]?.messages.map((m) => m.level)).toEqual(['error', 'information']);
  });

  it("cpp-api.md's condensed example: id, submissionType, error null, one step", async () => {
    server.script(fixtureAnswer('get-operation-cpp-api-md'));
    const { operation } = await makeClient().getOperation('/api/publishers/contoso/offers/contoso-offer/operations/x?api-version=2017-10-31');
    const body = (loadCppFixture('get-operation-cpp-api-md').response.body as { id: string }[])[0]!;
    expect(operation).toMatchObject({ id: body.id, status: 'running', submissionType: 'Publish' });
    expect(operation.error).toBeUndefined();
    expect(operation.steps[0]).toMatchObject({ name: 'Certification', status: 'blocked' });
  });
});

describe('the operations list on the reference examples (either state field)', () => {
  it.each(['list-operations-reference-example', 'list-operations-properties-table'])('%s: one running publish operation', async (name) => {
    server.script(fixtureAnswer(name));
    const list = await makeClient().listOperations('contoso', 'contoso-offer', { status: 'running' });
    expect(list).toEqual([{ id: '5a63deb5-925b-4ee0-938b-7c86fbf287c5', submissionType: 'publish', state: 'running', rawState: 'running' }]);
    expect(server.requests[0]?.url).toBe(requestPath(name, { publisherId: 'contoso', offerId: 'contoso-offer', filteredStatus: 'running' }));
  });

  it.each(['list-operations-reference-example', 'list-operations-properties-table'])(
    '%s: expectedOperationId naming the listed operation lets the POST go',
    async (name) => {
      server.script(fixtureAnswer(name), fixtureAnswer('cancel-200'));
      const outcome = await cancelAtMostOnce(makeClient(), { ...REQUEST, expectedOperationId: '5a63deb5-925b-4ee0-938b-7c86fbf287c5' }, { attempt: 1 });
      expect(outcome).toEqual({ kind: 'synchronous' });
      expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    },
  );

  it.each(['list-operations-reference-example', 'list-operations-properties-table'])(
    '%s: on a retry the publish operation still runs, so the POST is sent again',
    async (name) => {
      server.script(fixtureAnswer(name), fixtureAnswer('cancel-202-migrated'));
      const outcome = await cancelAtMostOnce(makeClient(), REQUEST, { attempt: 2 });
      const location = Object.entries(loadCppFixture('cancel-202-migrated').response.headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
      expect(outcome).toEqual({ kind: 'asynchronous', location: `${server.origin}${location}` });
      expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    },
  );
});

describe('a watch on the reference examples', () => {
  const PATH = '/api/publishers/contoso/offers/contoso-offer/operations/x?api-version=2017-10-31';
  const request = { location: PATH, firstWaitMs: 0, intervalMs: 1, polling: { backoffCoefficient: 1, maxIntervalSeconds: 0.001, watchWindowSeconds: 60 }, deadlineAt: new Date(Date.now() + 60_000).toISOString() };

  it('the reference page answer again is no change; the next, different example is one', async () => {
    const page = fixtureAnswer('get-operation-reference-page');
    server.script(page, page, page, fixtureAnswer('get-operation-cpp-api-md'));
    const client = makeClient();
    const poll = async (signal: AbortSignal | undefined) => {
      const answer = await client.getOperation(PATH, { signal });
      return { operation: viewOf(answer.operation), retryAfterMs: answer.retryAfterMs };
    };
    // Nothing seen yet: the first answer is news.
    const first = await watchOperation(request, { poll });
    expect(first.polls).toBe(1);
    // What the workflow saw comes back through Temporal's JSON payloads; the same body must still read as the same.
    const seen = JSON.parse(JSON.stringify(first.operation)) as typeof first.operation;
    const second = await watchOperation({ ...request, last: seen }, { poll });
    expect(second.polls).toBe(3);
    expect(second.operation.steps.map((s) => s.name)).not.toEqual(first.operation.steps.map((s) => s.name));
  });
});

/** The fixture's first (only) item, as the reference shows it. */
function firstItem(name: string): Record<string, unknown> {
  return (loadCppFixture(name).response.body as Record<string, unknown>[])[0]!;
}

describe('the outcomes the first examples left out: Retry-After, error bodies, terminal operations, a running cancel', () => {
  const OPERATION_PATH = '/api/publishers/contoso/offers/contoso-offer/operations/x?api-version=2017-10-31';

  it('cancel-202-retry-after: accepted, the Location resolved, Retry-After read as seconds', async () => {
    server.script(fixtureAnswer('cancel-202-retry-after'));
    await expect(makeClient().cancelOperation(REQUEST)).resolves.toEqual({
      kind: 'asynchronous',
      location: `${server.origin}/api/publishers/contoso/offers/contoso-offer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8?api-version=2017-10-31`,
      retryAfterMs: 3_000,
    });
  });

  it.each([
    ['cancel-400', 'BadRequest'],
    ['cancel-403', 'Forbidden'],
    ['cancel-404', 'NotFound'],
  ] as const)('%s: a final CppHttpError %s carrying the error body', async (name, code) => {
    server.script(fixtureAnswer(name));
    const { response } = loadCppFixture(name);
    const error: unknown = await makeClient().cancelOperation(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CppHttpError);
    const http = error as CppHttpError;
    expect({ code: http.code, status: http.status, retryable: http.retryable, endpoint: http.endpoint, retryAfterMs: http.retryAfterMs }).toEqual({
      code,
      status: response.status,
      retryable: false,
      endpoint: 'cancel',
      retryAfterMs: undefined,
    });
    expect(JSON.parse(http.body ?? '')).toEqual(response.body);
    const { message } = (response.body as { error: { message: string } }).error;
    expect(http.message).toContain(message);
  });

  it.each([
    ['get-operation-completed', 'completed', undefined],
    ['get-operation-failed', 'failed', 'The operation in progress could not be cancelled.'],
    ['get-operation-canceled', 'canceled', undefined],
    ['get-operation-cancelled', 'canceled', undefined],
  ] as const)('%s: terminal %s, the exact parsed operation', async (name, status, error) => {
    server.script(fixtureAnswer(name));
    const item = firstItem(name);
    expect(item.error ?? undefined).toBe(error);
    await expect(makeClient().getOperation(OPERATION_PATH)).resolves.toEqual({
      operation: {
        id: '56615b67-2185-49fe-80d2-c4ddf77bb2e8',
        status,
        rawStatus: item.status,
        submissionType: 'Cancel',
        createdDateTime: '2018-12-20T19:25:07Z',
        lastActionDateTime: '2018-12-20T19:27:14Z',
        steps: [],
        ...(error === undefined ? {} : { error }),
      },
    });
  });

  it('get-operation-retry-after: still running, Retry-After read as seconds', async () => {
    server.script(fixtureAnswer('get-operation-retry-after'));
    const poll = await makeClient().getOperation(OPERATION_PATH);
    expect(poll.retryAfterMs).toBe(3_000);
    expect(poll.operation).toMatchObject({ id: 'b3f49dff-6c66-4a2e-9f40-5d9b6c3a1e27', status: 'running', rawStatus: 'running', submissionType: 'Publish', progressPercentage: 0 });
  });

  const RUNNING_CANCEL = ['list-operations-cancel-running', 'list-operations-cancel-running-capitalised', 'list-operations-cancel-running-properties-table', 'list-operations-cancel-running-capitalised-properties-table'];

  it.each(RUNNING_CANCEL)('%s: one running cancel submission, its type as spelled', async (name) => {
    server.script(fixtureAnswer(name));
    const list = await makeClient().listOperations('contoso', 'contoso-offer', { status: 'running' });
    expect(list).toEqual([{ id: '7d0c9a5e-3f2b-4e1a-8c6d-9b4f2e7a1c05', submissionType: firstItem(name).submissionType, state: 'running', rawState: 'running' }]);
  });

  it.each(RUNNING_CANCEL)('%s: a retried POST adopts the running cancel submission and sends no POST', async (name) => {
    server.script(fixtureAnswer(name));
    const outcome = await cancelAtMostOnce(makeClient(), REQUEST, { attempt: 2 });
    expect(outcome).toEqual({
      kind: 'asynchronous',
      location: `${server.origin}/api/publishers/contoso/offers/contoso-offer/operations/7d0c9a5e-3f2b-4e1a-8c6d-9b4f2e7a1c05?api-version=2017-10-31`,
      confirmedBy: 'lookup',
    });
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
  });
});
