/**
 * The simulator's Product Ingestion answers against the reference's example bodies
 * (test/fixtures/ingestion/): every JSON body it emits, through every job scenario and fault, must
 * have keys, value types and enum values that fixtures of the same kind show — a configure-status
 * (status GET, cancel 200), a configure-detail (summary 200) or an error (any 4xx/5xx). The
 * configure-detail object is the status fields plus `resources` (see the fixtures' README), so the
 * status fixtures show its status fields, and its own fixture its `$schema` and `resources`. The
 * client's tests are meant to read the same fixtures, so that the two can never agree on a layout
 * the reference does not have.
 *
 * Plain `fetch` on purpose: the client is what these fixtures check, not a tool to check with.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobScenario } from '../simulator/job-scenario';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { INGESTION_FIXTURE_NAMES, loadIngestionFixture } from './helpers/ingestion-fixtures';

const TOKEN = 'ingestion-token';
/** A token the simulator's CPP routes accept and its Product Ingestion routes do not: another audience. */
const CPP_TOKEN = 'cpp-token';
const SCALARS = new Set(['string', 'number', 'boolean', 'null']);
/** Keys whose values are compared, not only their types: the values the reference lists, and the `$schema` that names each object. */
const VALUE_KEYS = new Set(['jobStatus', 'jobResult', '$schema']);

type Kind = 'status' | 'detail' | 'error';
/** The fixtures that show each kind of body. */
const FIXTURES_OF: Record<Kind, string[]> = {
  status: ['configure-status-running', 'configure-status-not-started', 'configure-status-succeeded', 'configure-status-failed', 'cancel-200-cancelled'],
  detail: ['configure-detail'],
  error: ['cancel-400-completed'],
};

/**
 * The layout of `json`: `path:type` for every value (keys joined by `.`, array items as `[]`, the
 * root as `(root)`), and `path=value` for the values of {@link VALUE_KEYS}.
 */
function shapeOf(json: unknown): Set<string> {
  const shape = new Set<string>();
  const walk = (value: unknown, at: string, key: string): void => {
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    shape.add(`${at || '(root)'}:${type}`);
    if (VALUE_KEYS.has(key)) shape.add(`${at}=${String(value)}`);
    if (Array.isArray(value)) {
      for (const item of value) walk(item, `${at}[]`, '');
    } else if (type === 'object') {
      for (const [child, childValue] of Object.entries(value as Record<string, unknown>)) walk(childValue, at ? `${at}.${child}` : child, child);
    }
  };
  walk(json, '', '');
  return shape;
}

/**
 * The entries of `actual` that `allowed` does not show (empty: `actual` ⊆ `allowed`). A `null` in an
 * example shows that the field exists, not its type, so it admits any scalar there.
 */
function notShownBy(actual: Set<string>, allowed: Set<string>): string[] {
  return [...actual]
    .filter((entry) => {
      if (allowed.has(entry)) return false;
      const colon = entry.lastIndexOf(':');
      return colon < 0 || !(SCALARS.has(entry.slice(colon + 1)) && allowed.has(`${entry.slice(0, colon)}:null`));
    })
    .sort();
}

const fixtureBody = (name: string): unknown => loadIngestionFixture(name).response.body;
const fixtureShape = (...names: string[]): Set<string> => new Set(names.flatMap((name) => [...shapeOf(fixtureBody(name))]));
/** What a body of `kind` may show: its fixtures' layouts (for a configure-detail, also the status fields but their `$schema`). */
function allowed(kind: Kind): Set<string> {
  const statusFields = kind === 'detail' ? [...fixtureShape(...FIXTURES_OF.status)].filter((entry) => !entry.startsWith('$schema=')) : [];
  return new Set([...fixtureShape(...FIXTURES_OF[kind]), ...statusFields]);
}

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokens: [CPP_TOKEN, TOKEN], ingestionTokens: [TOKEN] });
});
afterAll(async () => {
  await sim.close();
});

/** A job scripted by `scenario` (a fresh GUID, so tests never share one). */
function scriptedJob(scenario: JobScenario): string {
  const jobId = randomUUID();
  sim.setJobScenario(jobId, scenario);
  return jobId;
}

type Action = 'cancel' | 'status' | 'summary';
const ROUTES: Record<Action, { method: string; suffix: string }> = {
  cancel: { method: 'POST', suffix: '/cancel' },
  status: { method: 'GET', suffix: '/status' },
  summary: { method: 'GET', suffix: '' },
};

/**
 * One Product Ingestion request, whose JSON body is checked against the fixtures of its kind before
 * the test sees it. `query` replaces `$version=2022-03-01-preview2`.
 */
async function call(action: Action, jobId: string, init: { token?: string | null; query?: string } = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const { method, suffix } = ROUTES[action];
  const token = init.token === undefined ? TOKEN : init.token;
  const res = await fetch(`${sim.url}/rp/product-ingestion/configure/${jobId}${suffix}?${init.query ?? '$version=2022-03-01-preview2'}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as Record<string, unknown>;
  const kind: Kind = res.status >= 400 ? 'error' : action === 'summary' ? 'detail' : 'status';
  expect(notShownBy(shapeOf(body), allowed(kind)), `${method} …${suffix} → ${res.status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
  return { status: res.status, headers: res.headers, body };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Product Ingestion reference fixtures', () => {
  it('INGESTION_FIXTURE_NAMES names every file, and each fixture says in one line what it restates', () => {
    const files = readdirSync(path.join(__dirname, 'fixtures', 'ingestion')).filter((f) => f.endsWith('.json'));
    expect([...INGESTION_FIXTURE_NAMES].sort()).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
    for (const name of INGESTION_FIXTURE_NAMES) expect(loadIngestionFixture(name).restates, name).not.toMatch(/\n/);
    expect(Object.values(FIXTURES_OF).flat().every((name) => INGESTION_FIXTURE_NAMES.includes(name))).toBe(true);
  });

  it('the documented values: every jobStatus and jobResult the reference lists is shown by a status fixture', () => {
    const shown = fixtureShape(...FIXTURES_OF.status);
    for (const value of ['notStarted', 'running', 'completed']) expect(shown).toContain(`jobStatus=${value}`);
    for (const value of ['pending', 'succeeded', 'failed', 'cancelled']) expect(shown).toContain(`jobResult=${value}`);
  });

  it('shapeOf gives path:type and value entries, and a key or value the fixtures do not show is never a subset', () => {
    expect(shapeOf({ $schema: 's', jobStatus: 'running', a: [{ b: null }] })).toEqual(
      new Set(['(root):object', '$schema:string', '$schema=s', 'jobStatus:string', 'jobStatus=running', 'a:array', 'a[]:object', 'a[].b:null']),
    );
    // Proof that the checks below can fail: an extra key at the top or nested, a value not listed, another object's $schema.
    const running = fixtureBody('configure-status-running') as Record<string, unknown>;
    expect(notShownBy(shapeOf({ ...running, invented: 'x' }), allowed('status'))).toEqual(['invented:string']);
    expect(notShownBy(shapeOf({ ...running, errors: [{ code: 'c', message: 'm', invented: 1 }] }), allowed('status'))).toEqual(['errors[].invented:number']);
    expect(notShownBy(shapeOf({ ...running, jobResult: 'canceled' }), allowed('status'))).toEqual(['jobResult=canceled']);
    expect(notShownBy(shapeOf({ ...running, jobStatus: 'Running' }), allowed('status'))).toEqual(['jobStatus=Running']);
    expect(notShownBy(shapeOf(running), allowed('detail'))).toEqual([`$schema=${String(running.$schema)}`]);
    const detail = fixtureBody('configure-detail') as { resources: Record<string, unknown>[] };
    expect(notShownBy(shapeOf({ ...detail, resources: [{ ...detail.resources[0], invented: true }] }), allowed('detail'))).toEqual(['resources[].invented:boolean']);
    expect(notShownBy(shapeOf({ error: { code: 'badRequest', message: 'm', details: [], invented: 1 } }), allowed('error'))).toEqual(['error.invented:number']);
  });
});

describe('simulator answers ⊆ the reference fixtures: job scenarios', () => {
  it('running (the default): status running, summary refused; cancel 200 completed/cancelled; summary lists what was processed; a second cancel gets the documented 400', async () => {
    const jobId = randomUUID();
    expect((await call('status', jobId)).body).toMatchObject({ jobID: jobId, jobStatus: 'running', jobResult: 'pending', jobEnd: '0001-01-01T00:00:00', errors: [] });
    expect((await call('summary', jobId)).status).toBe(400);
    expect(await call('cancel', jobId)).toMatchObject({ status: 200, body: { jobStatus: 'completed', jobResult: 'cancelled' } });
    expect((await call('summary', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled', resources: [] });
    const again = await call('cancel', jobId);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(fixtureBody('cancel-400-completed'));
  });

  it('notStarted, then running on its own; resources named or counted; the summary of a half-run job', async () => {
    const queued = scriptedJob({ startsAs: 'notStarted', startsAfterMs: 150, runsForMs: 10_000 });
    expect((await call('status', queued)).body).toMatchObject({ jobStatus: 'notStarted', jobResult: 'pending' });
    await sleep(200);
    expect((await call('status', queued)).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending' });
    for (const resources of [['Basic plan', 'Premium plan'], 2]) {
      const half = scriptedJob({ startedAgoMs: 30_000, runsForMs: 60_000, resources });
      expect((await call('cancel', half)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
      expect(((await call('summary', half)).body.resources as unknown[]).length).toBe(1);
    }
  });

  it.each<[NonNullable<JobScenario['jobResult']>, JobScenario]>([
    ['succeeded', {}],
    ['failed', { errors: [{ code: 'internalError', message: 'Plan pricing is invalid.', resource: 'plan/x' }] }],
    ['failed', {}],
    ['cancelled', {}],
  ])('completed (%s) before anyone looked: status, summary, and the documented 400 to a cancel', async (jobResult, extra) => {
    const jobId = scriptedJob({ startsAs: 'completed', jobResult, ...extra });
    const status = await call('status', jobId);
    expect(status.body).toMatchObject({ jobStatus: 'completed', jobResult });
    expect((status.body.errors as unknown[]).length).toBe(jobResult === 'failed' ? 1 : 0);
    expect((await call('summary', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult });
    const cancel = await call('cancel', jobId);
    expect(cancel.status).toBe(400);
    expect(cancel.body).toEqual(fixtureBody('cancel-400-completed'));
  });

  it.each([
    ['after polls', { mode: 'accepted', completesAfterPolls: 2 }, 0],
    ['after time', { mode: 'accepted', completesAfterMs: 100 }, 150],
  ] as const)('accepted (%s): 200 running/pending, a second cancel answers the same, then completed/cancelled', async (_, cancel, waitMs) => {
    const jobId = scriptedJob({ startedAgoMs: 30_000, runsForMs: 60_000, cancel });
    expect((await call('cancel', jobId)).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending', jobEnd: '0001-01-01T00:00:00' });
    expect((await call('cancel', jobId)).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending' });
    expect((await call('summary', jobId)).status).toBe(400);
    await sleep(waitMs);
    let status = await call('status', jobId);
    if (status.body.jobStatus === 'running') status = await call('status', jobId);
    expect(status.body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
    expect(((await call('summary', jobId)).body.resources as unknown[]).length).toBe(2);
  });

  it('refused: 400 "too far along" while the job runs, which then ends on its own', async () => {
    const jobId = scriptedJob({ runsForMs: 150, cancel: { mode: 'refused' } });
    const refused = await call('cancel', jobId);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'badRequest', message: 'Cannot cancel job, the job is too far along to be cancelled.', details: [] } });
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'running' });
    await sleep(200);
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'succeeded' });
    expect((await call('cancel', jobId)).body).toEqual(fixtureBody('cancel-400-completed'));
  });

  it.each(['succeeded', 'failed'] as const)('racesEnd (%s): the documented 400, and the job shows the end it reached', async (endsWith) => {
    const jobId = scriptedJob({ endsWith, cancel: { mode: 'racesEnd' } });
    const cancel = await call('cancel', jobId);
    expect(cancel.status).toBe(400);
    expect(cancel.body).toEqual(fixtureBody('cancel-400-completed'));
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: endsWith });
    expect((await call('summary', jobId)).body).toMatchObject({ jobResult: endsWith });
  });

  it('a job that ends failed on its own carries its errors in the status and the summary', async () => {
    const jobId = scriptedJob({ runsForMs: 0, endsWith: 'failed' });
    expect((await call('status', jobId)).body).toMatchObject({ jobResult: 'failed', errors: [{ code: 'internalError' }] });
    expect((await call('summary', jobId)).body).toMatchObject({ jobResult: 'failed', errors: [{ code: 'internalError' }] });
  });
});

describe('simulator answers ⊆ the reference fixtures: faults', () => {
  it.each(['cancel', 'status', 'summary'] as const)('status faults on %s: 429 with Retry-After, 500 and 503 in the error layout; then the normal answer', async (action) => {
    const on = action === 'cancel' ? 'jobCancel' : action === 'status' ? 'jobStatus' : 'jobSummary';
    const jobId = scriptedJob({
      faults: [
        { on, fault: { kind: 'status', status: 429, retryAfter: '2' } },
        { on, fault: { kind: 'status', status: 500 } },
        { on, fault: { kind: 'status', status: 503, retryAfter: '1' } },
      ],
    });
    const throttled = await call(action, jobId);
    expect(throttled).toMatchObject({ status: 429, body: { error: { code: 'tooManyRequests', message: 'Rate limit is exceeded. Try again in 2 seconds.', details: [] } } });
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect((await call(action, jobId)).status).toBe(500);
    expect((await call(action, jobId)).status).toBe(503);
    expect((await call(action, jobId)).status).toBe(action === 'summary' ? 400 : 200);
  });

  it.each([
    ['slowHeaders', { kind: 'slowHeaders', delayMs: 50 }],
    ['slowBody', { kind: 'slowBody', delayMs: 50 }],
  ] as const)('%s: the normal answers, late', async (_, fault) => {
    const jobId = scriptedJob({ faults: (['jobStatus', 'jobCancel', 'jobSummary'] as const).map((on) => ({ on, fault })) });
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'running' });
    expect((await call('cancel', jobId)).body).toMatchObject({ jobResult: 'cancelled' });
    expect((await call('summary', jobId)).body).toMatchObject({ jobResult: 'cancelled' });
  });

  it.each(['cancel', 'status', 'summary'] as const)('oversizedBody on %s: the route\'s own layout, padded to the size asked', async (action) => {
    const on = action === 'cancel' ? 'jobCancel' : action === 'status' ? 'jobStatus' : 'jobSummary';
    const jobId = scriptedJob({ faults: [{ on, fault: { kind: 'oversizedBody', bytes: 200_000 } }] });
    const res = await fetch(`${sim.url}/rp/product-ingestion/configure/${jobId}${ROUTES[action].suffix}?$version=2022-03-01-preview2`, {
      method: ROUTES[action].method,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = await res.text();
    expect([res.status, text.length]).toEqual([200, 200_000]);
    expect(notShownBy(shapeOf(JSON.parse(text)), allowed(action === 'summary' ? 'detail' : 'status'))).toEqual([]);
    // It replaced the answer: a cancel did not happen.
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'running' });
  });

  it('malformedJson and reset: no JSON body at all, and the job untouched', async () => {
    const jobId = scriptedJob({ faults: [{ on: 'jobStatus', fault: { kind: 'malformedJson' } }, { on: 'jobCancel', fault: { kind: 'reset' } }] });
    const url = `${sim.url}/rp/product-ingestion/configure/${jobId}`;
    const malformed = await fetch(`${url}/status?$version=2022-03-01-preview2`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(malformed.headers.get('content-type')).toMatch(/application\/json/);
    await expect(malformed.json()).rejects.toThrow();
    await expect(fetch(`${url}/cancel?$version=2022-03-01-preview2`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).rejects.toThrow();
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'running' });
  });
});

describe('simulator answers ⊆ the reference fixtures: refusals', () => {
  it('a token for another audience, or none: 401 in Graph\'s layout', async () => {
    const jobId = randomUUID();
    const wrongAudience = await call('cancel', jobId, { token: CPP_TOKEN });
    expect(wrongAudience).toMatchObject({ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } } });
    expect((await call('status', jobId, { token: null })).status).toBe(401);
    expect((await call('status', jobId, { token: 'nonsense' })).status).toBe(401);
  });

  it.each([
    ['missing', ''],
    ['another', '$version=2023-01-01'],
    ['the CPP api-version instead', 'api-version=2017-10-31'],
  ])('$version %s: 400 badRequest naming $version', async (_, query) => {
    for (const action of ['cancel', 'status', 'summary'] as const) {
      const res = await call(action, randomUUID(), { query });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'badRequest', message: expect.stringContaining('$version') as unknown, details: [] } });
    }
  });

  it('a job id that is not a GUID: 400 badRequest naming it', async () => {
    for (const action of ['cancel', 'status', 'summary'] as const) {
      const res = await call(action, 'not-a-guid');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'badRequest', message: expect.stringContaining("'not-a-guid'") as unknown } });
    }
  });

  it('an unknown route under /rp/product-ingestion: 404 in the error layout', async () => {
    const res = await fetch(`${sim.url}/rp/product-ingestion/configure/${randomUUID()}/nonsense?$version=2022-03-01-preview2`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(notShownBy(shapeOf(await res.json()), allowed('error'))).toEqual([]);
  });
});
