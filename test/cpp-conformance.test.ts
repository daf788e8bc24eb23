/**
 * The simulator against the reference's example bodies (test/fixtures/cpp/): every answer it gives
 * must have a shape that some fixture of the same endpoint shows. The client is tested against the
 * same fixtures, so the two can never agree on a layout the reference does not have.
 *
 * Plain `fetch` on purpose: the CPP client is what these fixtures check, not a tool to check with.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OfferScenario } from '../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { CPP_FIXTURE_NAMES, loadCppFixture, type CppFixture } from './helpers/cpp-fixtures';

const TOKEN = 'conformance-token';
// The fixtures' Location examples name this offer: using it lets their Locations compare segment by segment.
const PUBLISHER = 'contoso';
const OFFER = 'contoso-offer';
const CANCEL_BODY = { metadata: { 'notification-emails': 'jondoe@contoso.com' } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCALARS = new Set(['string', 'number', 'boolean', 'null']);

/** `path:type` for every value in `json`: keys joined by `.`, array items as `[]`, the root as `(root)`. */
function shapeOf(json: unknown): Set<string> {
  const shape = new Set<string>();
  const walk = (value: unknown, at: string): void => {
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    shape.add(`${at || '(root)'}:${type}`);
    if (Array.isArray(value)) {
      for (const item of value) walk(item, `${at}[]`);
    } else if (type === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) walk(child, at ? `${at}.${key}` : key);
    }
  };
  walk(json, '');
  return shape;
}

/**
 * The entries of `actual` that `allowed` does not show (empty: `actual` ⊆ `allowed`). A `null` in an
 * example shows that the field exists, not its type, so it admits any scalar there: `error` is null
 * in the example and, per the properties table, a message once an operation has failed.
 */
function notShownBy(actual: Set<string>, allowed: Set<string>): string[] {
  return [...actual]
    .filter((entry) => {
      if (allowed.has(entry)) return false;
      const colon = entry.lastIndexOf(':');
      return !(SCALARS.has(entry.slice(colon + 1)) && allowed.has(`${entry.slice(0, colon)}:null`));
    })
    .sort();
}

const fixture = (name: string): CppFixture => loadCppFixture(name);
const fixtureShape = (...names: string[]): Set<string> => new Set(names.flatMap((name) => [...shapeOf(fixture(name).response.body)]));
const fixtureHeader = (name: string, header: string): string | undefined =>
  Object.entries(fixture(name).response.headers).find(([key]) => key.toLowerCase() === header)?.[1];

/** The fixture's request path with its `<placeholders>` filled in. */
function pathOf(name: string, values: Record<string, string>): string {
  return fixture(name).request.path.replace(/<(\w+)>/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for ${whole} in ${name}`);
    return encodeURIComponent(value);
  });
}

/** A Location reduced to what must match: literal segments, ids as `<uuid>` / `p$o$<n>$preview`, and the query. */
function locationForm(location: string): { segments: string[]; query: [string, string][] } {
  const [pathPart = '', query = ''] = location.split('?');
  const segments = pathPart.split('/').map((segment) => (UUID.test(segment) ? '<uuid>' : segment.replace(/^([^$]+\$[^$]+)\$\d+\$preview$/, (_, po: string) => `${po}$<n>$preview`)));
  return { segments, query: [...new URLSearchParams(query)] };
}

let sim: RunningSimulator;

function cpp(pathAndQuery: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(new URL(pathAndQuery, sim.url), {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const postCancel = (): Promise<Response> => cpp(pathOf('cancel-200', { publisherId: PUBLISHER, offerId: OFFER }), { method: 'POST', body: CANCEL_BODY });

async function json(res: Response): Promise<unknown> {
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await sim.close();
});
// Every test starts from a fresh contoso/contoso-offer with one running Publish operation.
beforeEach(() => {
  sim.reset();
});

describe('CPP reference fixtures', () => {
  it('CPP_FIXTURE_NAMES names every file, and each fixture says in one line what it restates', () => {
    const files = readdirSync(path.join(__dirname, 'fixtures', 'cpp')).filter((f) => f.endsWith('.json'));
    expect([...CPP_FIXTURE_NAMES].sort()).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
    for (const name of CPP_FIXTURE_NAMES) expect(fixture(name).restates, name).not.toMatch(/\n/);
  });

  it('shapeOf gives path:type entries, and a field the fixtures do not show is never a subset', () => {
    const page = shapeOf(fixture('get-operation-reference-page').response.body);
    expect(page).toContain('(root):array');
    expect(page).toContain('[].steps[].messages[].level:string');
    expect(page).toContain('[].previewLinks:array');
    expect(shapeOf({ a: null, b: [1] })).toEqual(new Set(['(root):object', 'a:null', 'b:array', 'b[]:number']));

    // Proof that the checks below can fail: any fixture plus one extra key, at the top or nested, is caught.
    for (const name of ['get-operation-reference-page', 'get-operation-cpp-api-md', 'list-operations-reference-example', 'list-operations-properties-table']) {
      const allowed = fixtureShape(name);
      const [item] = structuredClone(fixture(name).response.body) as Record<string, unknown>[];
      expect(notShownBy(shapeOf([{ ...item, invented: 'x' }]), allowed), name).toEqual(['[].invented:string']);
      const steps = item?.steps as Record<string, unknown>[] | undefined;
      if (steps?.[0]) steps[0].invented = 1;
      const definition = item?.definition as Record<string, unknown> | undefined;
      if (definition) definition.invented = 1;
      expect(notShownBy(shapeOf([item]), allowed).length, name).toBe(1);
    }
    // A field of one layout is not shown by the other.
    expect(notShownBy(fixtureShape('list-operations-properties-table'), fixtureShape('list-operations-reference-example'))).toEqual(['[].status:string']);
  });
});

describe('simulator answers ⊆ the reference fixtures: cancel', () => {
  it('synchronous: 200 with an empty body and no Location (cancel-200)', async () => {
    const res = await postCancel();
    expect(res.status).toBe(fixture('cancel-200').response.status);
    expect(fixture('cancel-200').response.body).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(res.headers.get('location')).toBeNull();
  });

  it.each([
    ['migrated', 'cancel-202-migrated'],
    ['legacy', 'cancel-202-legacy'],
  ] as const)('accepted (%s): 202, empty body, Location of the same form as %s', async (form, name) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'accepted', locationForm: form } });
    const res = await postCancel();
    expect(res.status).toBe(fixture(name).response.status);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const expected = locationForm(fixtureHeader(name, 'location') ?? '');
    // Guards against a vacuous match: the fixture's id must itself have been recognised.
    expect(expected.segments.some((s) => s === '<uuid>' || s.endsWith('$<n>$preview'))).toBe(true);
    expect(locationForm(res.headers.get('location') ?? '')).toEqual(expected);
  });

  it('accepted with Retry-After: in the delta-seconds form of cancel-202-retry-after', async () => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'accepted', retryAfterSeconds: 3 } });
    const res = await postCancel();
    expect(res.status).toBe(fixture('cancel-202-retry-after').response.status);
    expect(fixtureHeader('cancel-202-retry-after', 'retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it.each([
    [400, 'cancel-400'],
    [403, 'cancel-403'],
    [404, 'cancel-404'],
  ] as const)('final error %i: an error body of the layout of %s', async (status, name) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'error', status } });
    const res = await postCancel();
    expect(res.status).toBe(fixture(name).response.status);
    expect(shapeOf(await res.json())).toEqual(fixtureShape(name));
  });

  it('nothing left to cancel: 400 with an error body of the layout of cancel-400', async () => {
    expect((await postCancel()).status).toBe(200);
    const res = await postCancel();
    expect(res.status).toBe(fixture('cancel-400').response.status);
    expect(shapeOf(await res.json())).toEqual(fixtureShape('cancel-400'));
  });
});

describe('simulator answers ⊆ the reference fixtures: GET operation', () => {
  const allowed = (): Set<string> => fixtureShape('get-operation-reference-page', 'get-operation-cpp-api-md');
  const operationPath = (operationId: string): string => pathOf('get-operation-reference-page', { publisherId: PUBLISHER, offerId: OFFER, operationId });

  it('the running Publish operation, found through the list', async () => {
    const [publish] = (await json(await cpp(pathOf('list-operations-reference-example', { publisherId: PUBLISHER, offerId: OFFER, filteredStatus: 'running' })))) as { id: string }[];
    const body = await json(await cpp(operationPath(publish?.id ?? '')));
    expect(body).toMatchObject([{ status: 'running', submissionType: 'Publish' }]);
    expect(notShownBy(shapeOf(body), allowed())).toEqual([]);
  });

  const cases: [string, OfferScenario['cancel'], number, string][] = [
    ['running (migrated)', { mode: 'accepted', completeAfterPolls: 2 }, 1, 'running'],
    ['running (legacy)', { mode: 'accepted', locationForm: 'legacy', completeAfterPolls: 2 }, 1, 'running'],
    ['completed', { mode: 'accepted', completeAfterPolls: 2, steps: 5 }, 2, 'completed'],
    ['failed', { mode: 'accepted', completeAfterPolls: 1, outcome: 'failed', error: 'Certification cannot be stopped.' }, 1, 'failed'],
  ];
  it.each(cases)('the Cancel operation, %s', async (_, cancel, polls, status) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel });
    const location = (await postCancel()).headers.get('location') ?? '';
    let body: unknown;
    for (let i = 0; i < polls; i += 1) body = await json(await cpp(location));
    expect(body).toMatchObject([{ status, submissionType: 'Cancel' }]);
    expect(notShownBy(shapeOf(body), allowed())).toEqual([]);
  });

  it('Retry-After while the operation runs, in the delta-seconds form of get-operation-retry-after; none once it is terminal', async () => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'accepted', completeAfterPolls: 2, retryAfterSeconds: 3 } });
    const location = (await postCancel()).headers.get('location') ?? '';
    const running = await cpp(location);
    expect(running.status).toBe(fixture('get-operation-retry-after').response.status);
    expect(fixtureHeader('get-operation-retry-after', 'retry-after')).toMatch(/^\d+$/);
    expect(running.headers.get('retry-after')).toBe('3');
    const done = await cpp(location);
    expect(await json(done)).toMatchObject([{ status: 'completed' }]);
    expect(fixtureHeader('get-operation-completed', 'retry-after')).toBeUndefined();
    expect(done.headers.get('retry-after')).toBeNull();
  });

  it.each([
    ['get-operation-completed', { mode: 'accepted', completeAfterPolls: 1 }],
    ['get-operation-failed', { mode: 'accepted', completeAfterPolls: 1, outcome: 'failed', error: 'Certification cannot be stopped.' }],
    ['get-operation-canceled', { mode: 'accepted', completeAfterPolls: 1, outcome: 'canceled' }],
  ] as [string, OfferScenario['cancel']][])('terminal as %s: the same status spelling and submissionType, error a string only when failed', async (name, cancel) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel });
    const location = (await postCancel()).headers.get('location') ?? '';
    const [answer] = (await json(await cpp(location))) as Record<string, unknown>[];
    const [shown] = fixture(name).response.body as Record<string, unknown>[];
    expect([answer?.status, answer?.submissionType]).toEqual([shown?.status, shown?.submissionType]);
    expect(typeof answer?.error === 'string').toBe(typeof shown?.error === 'string');
    expect(notShownBy(shapeOf([answer]), new Set([...allowed(), ...fixtureShape(name)]))).toEqual([]);
  });
});

describe('simulator answers ⊆ the reference fixtures: the operations list', () => {
  const listPath = (status?: string): string => {
    const documented = pathOf('list-operations-reference-example', { publisherId: PUBLISHER, offerId: OFFER, filteredStatus: status ?? '' });
    return status === undefined ? documented.replace(/&status=$/, '') : documented;
  };

  it.each([
    ['submissionState', 'list-operations-cancel-running'],
    ['status', 'list-operations-cancel-running-properties-table'],
  ] as const)('stateField %s: the running cancel operation, alone and spelled as %s', async (stateField, name) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'accepted' }, list: { stateField } });
    expect((await postCancel()).status).toBe(202);
    const running = (await json(await cpp(listPath('running')))) as Record<string, unknown>[];
    const [shown] = fixture(name).response.body as Record<string, unknown>[];
    expect(running.map((item) => [item.submissionType, item[stateField]])).toEqual([[shown?.submissionType, shown?.[stateField]]]);
    expect(notShownBy(shapeOf(running), fixtureShape(name))).toEqual([]);
  });

  it.each([
    [undefined, 'submissionState', ['list-operations-reference-example']],
    ['submissionState', 'submissionState', ['list-operations-reference-example']],
    ['status', 'status', ['list-operations-properties-table']],
    ['none', 'no state field', ['list-operations-reference-example', 'list-operations-properties-table']],
  ] as const)('stateField %s: items carry %s, in the layout of %j', async (stateField, stateKey, names) => {
    sim.setScenario(PUBLISHER, OFFER, { cancel: { mode: 'accepted' }, ...(stateField ? { list: { stateField } } : {}) });
    expect((await postCancel()).status).toBe(202);
    const all = (await json(await cpp(listPath()))) as Record<string, unknown>[];
    const running = (await json(await cpp(listPath('running')))) as Record<string, unknown>[];
    expect(all.map((item) => item.submissionType)).toEqual(['publish', 'cancel']);
    expect(running.map((item) => item.submissionType)).toEqual(['cancel']);
    for (const item of all) {
      for (const key of ['submissionState', 'status']) expect(Object.hasOwn(item, key), key).toBe(key === stateKey);
    }
    for (const name of names) {
      expect(notShownBy(shapeOf(all), fixtureShape(name)), name).toEqual([]);
      expect(notShownBy(shapeOf(running), fixtureShape(name)), name).toEqual([]);
    }
  });
});
