/**
 * The Product Ingestion client against the reference's own example answers (test/fixtures/ingestion/),
 * served verbatim by a scripted `node:http` server: what the client reads must be what the reference
 * shows, not what our simulator happens to send. Plus the readings the reference leaves open, and the
 * errors a caller gets, each with its stable code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CppHttpError, CppInvalidRequestError, CppProtocolError, StaticTokenProvider } from '../src/cpp';
import { IngestionHttpClient, parseJobStatus } from '../src/ingestion';
import { loadIngestionFixture } from './helpers/ingestion-fixtures';
import { answer, reply, ScriptedServer, type Handler } from './helpers/scripted-server';

const JOB = 'd4261631-c583-4949-a612-5150882632e9';
const TOKEN = 'graph-token-SECRET-for-the-client-test';
const server = new ScriptedServer();
const clients: IngestionHttpClient[] = [];

beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function makeClient(): IngestionHttpClient {
  const client = new IngestionHttpClient({ baseUrl: `${server.origin}/rp/product-ingestion`, tokenProvider: new StaticTokenProvider(TOKEN) });
  clients.push(client);
  return client;
}

/** Answers with the fixture's status, headers and body. */
function fixtureAnswer(name: string): Handler {
  const { response } = loadIngestionFixture(name);
  return (_req, res) => reply(res, response.status, response.body === null ? undefined : response.body, response.headers);
}

/** The fixture's request path with its job id filled in. */
const requestPath = (name: string) => loadIngestionFixture(name).request.path.replace('<jobID>', JOB);

describe('the cancel on the reference examples', () => {
  it('cancel-200-cancelled: the job completed, cancelled, sent as documented with the Graph token', async () => {
    server.script(fixtureAnswer('cancel-200-cancelled'));
    const answered = await makeClient().cancelJob(JOB);
    expect(answered).toEqual({ job: { jobId: JOB, status: 'completed', result: 'cancelled', start: '2022-03-01T13:32:43.123456Z', end: '2022-03-01T13:35:02.987654Z', errors: [] } });
    const [request] = server.requests;
    expect(request?.method).toBe(loadIngestionFixture('cancel-200-cancelled').request.method);
    expect(request?.url).toBe(requestPath('cancel-200-cancelled'));
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('cancel-400-completed: the refusal, with the code and message of its body', async () => {
    server.script(fixtureAnswer('cancel-400-completed'));
    const answered = await makeClient().cancelJob(JOB);
    expect(answered).toMatchObject({ kind: 'refused', code: 'badRequest', message: 'Cannot cancel job, job has already completed.' });
    expect((answered as { body?: string }).body).toContain('Cannot cancel job');
  });

  it('a cancel answered with the job still running (the reference leaves it open): running, pending, no end', async () => {
    server.script(fixtureAnswer('configure-status-running'));
    expect(await makeClient().cancelJob(JOB)).toEqual({ job: { jobId: JOB, status: 'running', result: 'pending', start: '2022-03-01T13:32:43.123456Z', errors: [] } });
  });
});

describe('the status and the summary on the reference examples', () => {
  it.each([
    ['configure-status-running', 'running', 'pending'],
    ['configure-status-not-started', 'notStarted', 'pending'],
    ['configure-status-succeeded', 'completed', 'succeeded'],
    ['configure-status-failed', 'completed', 'failed'],
  ])('%s: %s, %s, at the documented path', async (name, status, result) => {
    server.script(fixtureAnswer(name));
    const { job } = await makeClient().getJobStatus(JOB);
    expect(job).toMatchObject({ jobId: JOB, status, result });
    expect(job.rawStatus).toBeUndefined();
    expect(server.requests[0]?.url).toBe(`/rp/product-ingestion/configure/${JOB}/status?$version=2022-03-01-preview2`);
  });

  it('configure-status-failed: its errors, in the layout other pages show', async () => {
    server.script(fixtureAnswer('configure-status-failed'));
    const { job } = await makeClient().getJobStatus(JOB);
    const fixtureErrors = (loadIngestionFixture('configure-status-failed').response.body as { errors: { code: string; message: string; resource?: string }[] }).errors;
    expect(job.errors).toEqual(fixtureErrors.map((e) => ({ code: e.code, message: e.message, ...(e.resource ? { resource: e.resource } : {}) })));
  });

  it('configure-detail: the resources processed, by id, schema and name', async () => {
    server.script(fixtureAnswer('configure-detail'));
    const summary = await makeClient().getJobSummary(JOB);
    expect(summary.resources).toEqual([{ id: 'plan/6b4a4a1e-9d52-4c87-b1a3-0d2f5a7c9e41', schema: 'https://schema.mp.microsoft.com/schema/plan/2022-03-01-preview2', name: 'Basic plan' }]);
    expect(server.requests[0]?.url).toBe(requestPath('configure-detail'));
  });
});

describe('readings the reference leaves open', () => {
  const status = (over: Record<string, unknown>) => ({ ...(loadIngestionFixture('configure-status-running').response.body as object), ...over });

  it('spellings: "Completed", "canceled", "not_started" read as the listed values', () => {
    expect(parseJobStatus(status({ jobStatus: 'Completed', jobResult: 'canceled' }))).toMatchObject({ status: 'completed', result: 'cancelled' });
    expect(parseJobStatus(status({ jobStatus: 'not_started' })).status).toBe('notStarted');
  });

  it('an unknown status keeps the job polled (running), kept as sent', () => {
    expect(parseJobStatus(status({ jobStatus: 'validating', jobResult: 'unknown' }))).toMatchObject({ status: 'running', rawStatus: 'validating', result: 'pending', rawResult: 'unknown' });
  });

  it('errors as plain strings', () => {
    expect(parseJobStatus(status({ errors: ['the plan has no price'] })).errors).toEqual([{ message: 'the plan has no price' }]);
  });

  it('a body that is no configure-status is a protocol error naming the field', () => {
    expect(() => parseJobStatus(status({ jobStatus: 3 }))).toThrow(new CppProtocolError('UnexpectedBody', 'jobStatus must be a string'));
    expect(() => parseJobStatus([])).toThrow(new CppProtocolError('UnexpectedBody', 'expected a configure-status object'));
    expect(() => parseJobStatus([])).toThrow(expect.objectContaining({ code: 'UnexpectedBody', retryable: false }));
  });
});

describe('errors', () => {
  it('a job id that is not a GUID is refused before anything is sent', async () => {
    server.script();
    await expect(makeClient().cancelJob('../../me')).rejects.toThrow(CppInvalidRequestError);
    await expect(makeClient().cancelJob('../../me')).rejects.toMatchObject({ code: 'InvalidRequest', field: 'jobId', retryable: false });
    expect(server.requests).toHaveLength(0);
  });

  it('401 names the Graph audience to check; the token is in no message', async () => {
    server.script(answer(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } }));
    const err = await makeClient().cancelJob(JOB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CppHttpError);
    expect((err as CppHttpError).code).toBe('Unauthorized');
    expect((err as Error).message).toContain('https://graph.microsoft.com');
    expect((err as Error).message).toMatch(/^Product Ingestion job cancel POST answered HTTP 401 Unauthorized/);
    expect(JSON.stringify(err)).not.toContain(TOKEN);
  });

  it('429 carries its Retry-After; a 302 is never followed', async () => {
    server.script(answer(429, { error: { code: 'tooManyRequests', message: 'slow down' } }, { 'retry-after': '7' }), answer(302, '', { location: 'http://elsewhere.invalid/' }));
    const client = makeClient();
    const throttled = (await client.getJobStatus(JOB).catch((e: unknown) => e)) as CppHttpError;
    expect([throttled.code, throttled.retryAfterMs, throttled.retryable]).toEqual(['Throttled', 7000, true]);
    const redirected = (await client.getJobStatus(JOB).catch((e: unknown) => e)) as CppHttpError;
    expect([redirected.code, redirected.status]).toEqual(['UnexpectedStatus', 302]);
    expect(server.requests).toHaveLength(2);
  });
});
