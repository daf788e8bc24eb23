import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferScenario } from '../simulator/scenario';
import { loadSeedFile } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const TOKEN = 'sim-token';
const API = 'api-version=2017-10-31';
const CANCEL_BODY = { metadata: { 'notification-emails': 'a@x.com,b@y.com' } };

interface OperationJson {
  id: string;
  submissionType: string;
  status: string;
  error: string | null;
  steps: { stepName: string; status: string; progressPercentage: number }[];
}

/** A list item in the reference example's layout (`submissionState`, never `status` by default). */
interface ListedJson {
  id: string;
  offerId: string;
  publisherId: string;
  submissionType: string;
  submissionState?: string;
  status?: string;
}

let sim: RunningSimulator;
let offerCounter = 0;
/** A fresh offer id per test, so tests sharing the simulator never see each other's state. */
const freshOffer = (name: string): string => `${name}-${++offerCounter}`;

/** Request headers; `token: null` sends no Authorization header at all. */
function headers(token: string | null = TOKEN): Record<string, string> {
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

function postCancel(publisherId: string, offerId: string, init: { token?: string | null; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${sim.url}/api/publishers/${publisherId}/offers/${offerId}/cancel?${API}`, {
    method: 'POST',
    headers: headers(init.token === undefined ? TOKEN : init.token),
    body: JSON.stringify('body' in init ? init.body : CANCEL_BODY),
    signal: init.signal,
  });
}

function get(pathAndQuery: string, signal?: AbortSignal): Promise<Response> {
  return fetch(new URL(pathAndQuery, sim.url), { headers: headers(), signal });
}

async function pollOne(location: string): Promise<{ res: Response; op: OperationJson }> {
  const res = await get(location);
  expect(res.status).toBe(200);
  const body = (await res.json()) as OperationJson[] | OperationJson;
  const op = Array.isArray(body) ? body[0] : body;
  if (!op) throw new Error('empty operation array');
  return { res, op };
}

/** The documented list, `GET …/submissions/?api-version=…&status=<filteredStatus>`. */
async function list(publisherId: string, offerId: string, status?: string): Promise<ListedJson[]> {
  const res = await get(`/api/publishers/${publisherId}/offers/${offerId}/submissions/?${API}${status === undefined ? '' : `&status=${status}`}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ListedJson[];
}

const listRunning = (publisherId: string, offerId: string): Promise<ListedJson[]> => list(publisherId, offerId, 'running');

function operationsOf(publisherId: string, offerId: string): OperationJson[] {
  return sim.offerState(publisherId, offerId).operations as unknown as OperationJson[];
}

const accepted = (extra: Partial<Extract<OfferScenario['cancel'], { mode: 'accepted' }>> = {}): OfferScenario => ({ cancel: { mode: 'accepted', ...extra } });

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe('CPP simulator: authentication and routing', () => {
  it('answers 401 with a JSON error without a token or with a wrong one, and accepts the right one', async () => {
    const offer = freshOffer('auth');
    for (const token of [null, 'wrong-token']) {
      const res = await postCancel('contoso', offer, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('Unauthorized');
    }
    expect(sim.requests({ offerId: offer }).map((r) => r.auth)).toEqual(['missing', 'invalid']);
    expect((await postCancel('contoso', offer)).status).toBe(200);
  });

  it('requires api-version (400) and answers unknown routes with a 404 JSON error', async () => {
    const noVersion = await fetch(`${sim.url}/api/publishers/contoso/offers/x/cancel`, { method: 'POST', headers: headers(), body: JSON.stringify(CANCEL_BODY) });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { message: string } }).error.message).toMatch(/api-version/);
    const unknown = await get(`/api/publishers/contoso/offers/x/nonsense?${API}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NotFound');
  });

  it('rejects a cancel body that is not {"metadata":{"notification-emails":"..."}} with 400 and cancels nothing', async () => {
    const offer = freshOffer('badbody');
    const res = await postCancel('contoso', offer, { body: { emails: 'a@x.com' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BadRequest');
    expect(operationsOf('contoso', offer)[0]?.status).toBe('running');
  });

  it('decodes percent-encoded ids per segment but records the raw path', async () => {
    const res = await postCancel('contoso', 'my%20offer');
    expect(res.status).toBe(200);
    const [logged] = sim.requests({ offerId: 'my offer' });
    expect(logged?.path).toBe('/api/publishers/contoso/offers/my%20offer/cancel');
    expect(logged?.endpoint).toBe('cancel');
  });
});

describe('CPP simulator: cancel behaviours', () => {
  it('synchronous: 200 and the running operation becomes canceled', async () => {
    const offer = freshOffer('sync');
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(200);
    expect(operationsOf('contoso', offer).map((op) => op.status)).toEqual(['canceled']);
    expect(await listRunning('contoso', offer)).toEqual([]);
    expect(sim.postCount('contoso', offer)).toBe(1);
  });

  it('a second POST finds nothing in progress: 400, and postCount counts both', async () => {
    const offer = freshOffer('twice');
    expect((await postCancel('contoso', offer)).status).toBe(200);
    const second = await postCancel('contoso', offer);
    expect(second.status).toBe(400);
    const body = (await second.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/no operation in progress/) as unknown });
    expect(sim.postCount('contoso', offer)).toBe(2);
  });

  it('accepted (migrated): 202 with a relative Location and Retry-After; polling advances the steps to completion', async () => {
    const offer = freshOffer('migrated');
    sim.setScenario('contoso', offer, accepted({ completeAfterPolls: 3, retryAfterSeconds: 7, steps: 3 }));
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(202);
    expect(res.headers.get('retry-after')).toBe('7');
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^/api/publishers/contoso/offers/${offer}/operations/[0-9a-f-]{36}\\?api-version=2017-10-31$`));

    const running = await listRunning('contoso', offer);
    expect(running.map((op) => op.submissionType)).toEqual(['cancel']);

    const first = await pollOne(location);
    expect(first.op).toMatchObject({ submissionType: 'Cancel', status: 'running' });
    expect(first.res.headers.get('retry-after')).toBe('7');
    expect(first.op.steps.map((s) => s.stepName)).toEqual(['Cancellation', 'Certification', 'Cleanup']);
    expect(first.op.steps.map((s) => s.status)).toEqual(['complete', 'notStarted', 'notStarted']);

    const second = await pollOne(location);
    expect(second.op.steps.map((s) => s.progressPercentage)).toEqual([100, 100, 0]);
    expect(second.op.status).toBe('running');

    const third = await pollOne(location);
    expect(third.op.status).toBe('completed');
    expect(third.res.headers.get('retry-after')).toBeNull();
    expect(third.op.steps.every((s) => s.status === 'complete' && s.progressPercentage === 100)).toBe(true);
    expect(operationsOf('contoso', offer).map((op) => [op.submissionType, op.status])).toEqual([
      ['Publish', 'canceled'],
      ['Cancel', 'completed'],
    ]);
    expect(sim.pollCount('contoso', offer)).toBe(3);
  });

  it('accepted (legacy): Location /api/operations/p$o$n$preview, pollable with $ raw and as %24', async () => {
    const offer = freshOffer('legacy');
    sim.setScenario('contoso', offer, accepted({ locationForm: 'legacy', completeAfterPolls: 2 }));
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(202);
    const location = res.headers.get('location') ?? '';
    expect(location).toBe(`/api/operations/contoso$${offer}$2$preview?${API}`);
    const raw = await pollOne(location);
    expect(raw.op).toMatchObject({ id: `contoso$${offer}$2$preview`, status: 'running' });
    const encoded = await pollOne(location.replaceAll('$', '%24'));
    expect(encoded.op.status).toBe('completed');
    expect(sim.requests({ offerId: offer, endpoint: 'poll' }).map((r) => r.path)).toEqual([
      `/api/operations/contoso$${offer}$2$preview`,
      `/api/operations/contoso%24${offer}%242%24preview`,
    ]);
  });

  it('failed outcome: the cancel operation carries the error and the original operation keeps running', async () => {
    const offer = freshOffer('failed');
    sim.setScenario('contoso', offer, accepted({ completeAfterPolls: 1, outcome: 'failed', error: 'Certification cannot be stopped.' }));
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    const { op } = await pollOne(location);
    expect(op).toMatchObject({ status: 'failed', error: 'Certification cannot be stopped.' });
    const running = await listRunning('contoso', offer);
    expect(running.map((o) => o.submissionType)).toEqual(['publish']);
  });

  it('rawStatuses change only the text shown; bodyShape object answers a bare object', async () => {
    const offer = freshOffer('raw');
    sim.setScenario('contoso', offer, accepted({ completeAfterPolls: 3, rawStatuses: ['notStarted', 'pendingReview', 'Completed'], bodyShape: 'object' }));
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    const shown: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await get(location);
      const body = (await res.json()) as OperationJson;
      expect(Array.isArray(body)).toBe(false);
      shown.push(body.status);
    }
    expect(shown).toEqual(['notStarted', 'pendingReview', 'Completed', 'Completed']);
    expect(operationsOf('contoso', offer)[1]?.status).toBe('completed');
  });

  it('completeAfterMs completes the cancel operation by time, even without polls', async () => {
    const offer = freshOffer('timed');
    sim.setScenario('contoso', offer, accepted({ completeAfterMs: 100 }));
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    expect((await pollOne(location)).op.status).toBe('running');
    await new Promise((r) => setTimeout(r, 150));
    expect(await listRunning('contoso', offer)).toEqual([]);
    expect((await pollOne(location)).op.status).toBe('completed');
  });

  it('lists at submissions/ (slash or not) in the reference example layout, filtered by status case-insensitively', async () => {
    const offer = freshOffer('submissions');
    sim.setScenario('contoso', offer, accepted({ locationForm: 'legacy' }));
    await postCancel('contoso', offer);
    const all = await list('contoso', offer);
    const [publish, cancel] = all;
    expect(all).toHaveLength(2);
    expect(Object.keys(publish ?? {})).toEqual([
      'id', 'offerId', 'offerVersion', 'offerTypeId', 'publisherId', 'submissionType', 'submissionState',
      'publishingVersion', 'slot', 'version', 'definition', 'changedTime',
    ]);
    expect(cancel).toMatchObject({
      id: `contoso$${offer}$2$preview`,
      offerId: offer,
      offerVersion: 1,
      offerTypeId: 'microsoft-azure-virtualmachines',
      publisherId: 'contoso',
      submissionType: 'cancel',
      submissionState: 'running',
      publishingVersion: 2,
      slot: 'staging',
      version: expect.any(Number) as unknown,
      definition: { metadata: { emails: CANCEL_BODY.metadata['notification-emails'] } },
      changedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) as unknown,
    });
    expect(publish).toMatchObject({ submissionType: 'publish', submissionState: 'canceling' });
    expect(publish).not.toHaveProperty('status');
    expect(publish).not.toHaveProperty('steps');

    const noSlash = await get(`/api/publishers/contoso/offers/${offer}/submissions?${API}&status=RUNNING`);
    expect(((await noSlash.json()) as ListedJson[]).map((op) => op.submissionType)).toEqual(['cancel']);
  });

  it('list.stateField serves the properties table reading (status) or no state at all; the filter still applies', async () => {
    const table = freshOffer('statefield-status');
    sim.setScenario('contoso', table, { cancel: { mode: 'synchronous' }, list: { stateField: 'status' } });
    const [item] = await listRunning('contoso', table);
    expect(item).toMatchObject({ submissionType: 'publish', status: 'running' });
    expect(item).not.toHaveProperty('submissionState');

    const none = freshOffer('statefield-none');
    sim.setScenario('contoso', none, { cancel: { mode: 'synchronous' }, list: { stateField: 'none' } });
    const [bare] = await listRunning('contoso', none);
    expect(bare).toMatchObject({ submissionType: 'publish' });
    expect(bare).not.toHaveProperty('status');
    expect(bare).not.toHaveProperty('submissionState');
    expect(await list('contoso', none, 'completed')).toEqual([]);

    expect(() => sim.setScenario('contoso', none, { cancel: { mode: 'synchronous' }, list: { stateField: 'state' } } as unknown as OfferScenario)).toThrow(
      /scenario\.list\.stateField: must be one of submissionState, status, none/,
    );
    expect(() => sim.setScenario('contoso', none, { cancel: { mode: 'synchronous' }, list: 'status' } as unknown as OfferScenario)).toThrow(/scenario\.list: must be an object/);
  });

  it('does not serve the undocumented list route …/operations (no id): 404 like any unknown route', async () => {
    const offer = freshOffer('nolist');
    for (const route of [`/api/publishers/contoso/offers/${offer}/operations?${API}&filteredStatus=running`, `/api/publishers/contoso/offers/${offer}/operations/?${API}`]) {
      const res = await get(route);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NotFound');
    }
    const logged = sim.requests().filter((r) => r.path.includes(`/offers/${offer}/`));
    expect(logged.map((r) => r.endpoint)).toEqual(['unknown', 'unknown']);
  });

  it('error mode answers the status with a realistic CPP body; unknown operation ids are 404', async () => {
    const offer = freshOffer('missing');
    sim.setScenario('contoso', offer, { cancel: { mode: 'error', status: 404 } });
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NotFound', message: `Offer ${offer} of publisher contoso was not found.` } });
    expect((await get(`/api/publishers/contoso/offers/${offer}/operations/nope?${API}`)).status).toBe(404);
    expect((await get(`/api/operations/contoso$nope$9$preview?${API}`)).status).toBe(404);
  });
});

describe('CPP simulator: faults', () => {
  it('status: 503 with a raw Retry-After replaces the answer and cancels nothing; times counts requests in order', async () => {
    const offer = freshOffer('status');
    sim.setScenario('contoso', offer, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'cancel', fault: { kind: 'status', status: 503, retryAfter: '1' }, times: 2 },
        { on: 'cancel', fault: { kind: 'status', status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } } },
      ],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await postCancel('contoso', offer);
      statuses.push(res.status);
      if (i === 0) {
        expect(res.headers.get('retry-after')).toBe('1');
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ServiceUnavailable');
      } else {
        await res.arrayBuffer();
      }
      expect(operationsOf('contoso', offer)[0]?.status).toBe('running');
    }
    expect(statuses).toEqual([503, 503, 429]);
    expect((await postCancel('contoso', offer)).status).toBe(200);
    expect(sim.postCount('contoso', offer)).toBe(4);
  });

  it('reset: the socket is destroyed, nothing happens, and it is not counted as answered', async () => {
    const offer = freshOffer('reset');
    sim.setScenario('contoso', offer, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'reset' } }] });
    await expect(postCancel('contoso', offer)).rejects.toThrow();
    expect(sim.postCount('contoso', offer)).toBe(0);
    expect(sim.requests({ offerId: offer }).map((r) => r.answered)).toEqual(['reset']);
    expect(operationsOf('contoso', offer)[0]?.status).toBe('running');
  });

  it('slowHeaders: the server acts at once, so a client that times out has still cancelled', async () => {
    const offer = freshOffer('slowheaders');
    sim.setScenario('contoso', offer, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: 300 } }] });
    await expect(postCancel('contoso', offer, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect(operationsOf('contoso', offer)[0]?.status).toBe('canceled');
    expect(sim.postCount('contoso', offer)).toBe(1);
  });

  it('slowBody: headers arrive at once, the rest of the body after the delay', async () => {
    const offer = freshOffer('slowbody');
    // Long enough that headers held up by a busy machine still come before it ends.
    const delayMs = 1_000;
    sim.setScenario('contoso', offer, { ...accepted({ completeAfterPolls: 5 }), faults: [{ on: 'poll', fault: { kind: 'slowBody', delayMs } }] });
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    const started = Date.now();
    const res = await get(location);
    const headersAfter = Date.now() - started;
    const body = (await res.json()) as OperationJson[];
    const bodyAfter = Date.now() - started;
    expect(res.status).toBe(200);
    expect(headersAfter).toBeLessThan(delayMs);
    // Timers may fire a few ms early.
    expect(bodyAfter).toBeGreaterThanOrEqual(delayMs - 20);
    expect(body[0]?.status).toBe('running');
  });

  it('malformedJson: 200 application/json that does not parse; the list is otherwise unharmed', async () => {
    const offer = freshOffer('malformed');
    sim.setScenario('contoso', offer, { cancel: { mode: 'synchronous' }, faults: [{ on: 'list', fault: { kind: 'malformedJson' } }] });
    const res = await get(`/api/publishers/contoso/offers/${offer}/submissions/?${API}&status=running`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    await expect(res.json()).rejects.toThrow();
    expect((await listRunning('contoso', offer)).length).toBe(1);
  });

  it('oversizedBody: valid-looking JSON of exactly the given size (default 8 MiB)', async () => {
    const offer = freshOffer('oversized');
    sim.setScenario('contoso', offer, {
      cancel: { mode: 'synchronous' },
      faults: [
        { on: 'list', fault: { kind: 'oversizedBody', bytes: 100_000 } },
        { on: 'list', fault: { kind: 'oversizedBody' } },
      ],
    });
    const small = await get(`/api/publishers/contoso/offers/${offer}/submissions/?${API}`);
    const text = await small.text();
    expect(text.length).toBe(100_000);
    expect(JSON.parse(text)).toHaveLength(1);
    const big = await get(`/api/publishers/contoso/offers/${offer}/submissions/?${API}`);
    expect((await big.arrayBuffer()).byteLength).toBe(8 * 1024 * 1024);
  });

  it('noLocation: 202 without Location, yet the cancellation took effect', async () => {
    const offer = freshOffer('nolocation');
    sim.setScenario('contoso', offer, { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'noLocation' } }] });
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBeNull();
    expect((await listRunning('contoso', offer)).map((op) => op.submissionType)).toEqual(['cancel']);
  });

  it('foreignLocation: 202 whose Location is on another origin, yet the cancellation took effect', async () => {
    const offer = freshOffer('foreign');
    sim.setScenario('contoso', offer, { ...accepted(), faults: [{ on: 'cancel', fault: { kind: 'foreignLocation' } }] });
    const res = await postCancel('contoso', offer);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(new RegExp(`^https://evil\\.example/api/publishers/contoso/offers/${offer}/operations/`));
    expect(operationsOf('contoso', offer)[0]?.status).toBe('canceling');
  });

  it('echoToken: the bearer token echoed in an error body, in headers, in the Location query, never in the request log', async () => {
    const offer = freshOffer('echo');
    sim.setScenario('contoso', offer, {
      ...accepted({ completeAfterPolls: 1 }),
      faults: [
        { on: 'cancel', fault: { kind: 'echoToken', where: 'body', status: 400 } },
        { on: 'cancel', fault: { kind: 'echoToken', where: 'header', status: 503 } },
        { on: 'cancel', fault: { kind: 'echoToken', where: 'location' } },
        { on: 'poll', fault: { kind: 'echoToken', where: 'header' } },
      ],
    });
    // A body echo replaces the answer: nothing is cancelled.
    const body = await postCancel('contoso', offer);
    expect(body.status).toBe(400);
    expect(await body.json()).toEqual({ error: { code: 'BadRequest', message: `The request with Authorization: Bearer ${TOKEN} failed (access token: ${TOKEN}).` } });
    expect(operationsOf('contoso', offer).map((op) => op.status)).toEqual(['running']);
    // A header echo with a status: that status's error body, the token in two headers.
    const header = await postCancel('contoso', offer);
    expect(header.status).toBe(503);
    expect(header.headers.get('www-authenticate')).toBe(`Bearer realm="cloudpartner", error="invalid_token", error_description="token ${TOKEN} was checked"`);
    expect(header.headers.get('x-debug-token')).toBe(`Bearer ${TOKEN}`);
    expect(await header.text()).not.toContain(TOKEN);
    // A Location echo: the 202's same-origin Location carries the token, and polls there.
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^/api/publishers/contoso/offers/${offer}/operations/[0-9a-f-]{36}\\?${API}&token=${TOKEN}$`));
    // A header echo without a status rides on the normal answer.
    const { res, op } = await pollOne(location);
    expect(op.status).toBe('completed');
    expect(res.headers.get('x-debug-token')).toBe(`Bearer ${TOKEN}`);
    const logged = sim.requests({ offerId: offer });
    expect(logged.map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:400', 'cancel:503', 'cancel:202', 'poll:200']);
    expect(logged[3]?.query).toEqual({ 'api-version': '2017-10-31', token: '[REDACTED]' });
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
  });

  it('echoToken: refused where it cannot apply', () => {
    const bad = (fault: unknown, on = 'cancel') => () => sim.setScenario('contoso', freshOffer('bad-echo'), { ...accepted(), faults: [{ on, fault }] } as OfferScenario);
    expect(bad({ kind: 'echoToken' })).toThrow(/^scenario\.faults\.0\.fault\.where: is required \(body, header or location\)/);
    expect(bad({ kind: 'echoToken', where: 'cookie' })).toThrow(/^scenario\.faults\.0\.fault\.where: must be one of body, header, location/);
    expect(bad({ kind: 'echoToken', where: 'location' }, 'poll')).toThrow(/^scenario\.faults\.0\.fault\.where: location applies to "on": "cancel" only/);
    expect(bad({ kind: 'echoToken', where: 'location', status: 500 })).toThrow(/^scenario\.faults\.0\.fault\.status: does not apply to a Location echo/);
    expect(bad({ kind: 'echoToken', where: 'body', status: 200 })).toThrow(/^scenario\.faults\.0\.fault\.status: must be an error status \(400–599\)/);
    expect(bad({ kind: 'echoToken', where: 'header', status: 'x' })).toThrow(/^scenario\.faults\.0\.fault\.status: must be an HTTP status/);
  });

  it('replay: exactly the given status, headers and body, on the cancel POST, the list or a poll; the offer untouched', async () => {
    const offer = freshOffer('replay');
    const legacy = '/api/operations/contoso$elsewhere$2$preview?api-version=2017-10-31';
    const listBody = [{ id: 'listed', submissionType: 'cancel', submissionState: 'running' }];
    const errorBody = { error: { code: 'Forbidden', message: 'No access.' } };
    sim.setScenario('contoso', offer, {
      ...accepted({ completeAfterPolls: 1 }),
      faults: [
        { on: 'cancel', fault: { kind: 'replay', status: 202, headers: { Location: legacy, 'Retry-After': '3' }, body: null } },
        { on: 'list', fault: { kind: 'replay', status: 200, headers: {}, body: listBody } },
        { on: 'poll', fault: { kind: 'replay', status: 403, body: errorBody } },
      ],
    });
    const post = await postCancel('contoso', offer);
    expect([post.status, post.headers.get('location'), post.headers.get('retry-after'), (await post.arrayBuffer()).byteLength]).toEqual([202, legacy, '3', 0]);
    expect(operationsOf('contoso', offer).map((op) => op.status)).toEqual(['running']);
    const listed = await get(`/api/publishers/contoso/offers/${offer}/submissions/?${API}&status=running`);
    expect(listed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await listed.text()).toBe(JSON.stringify(listBody));
    const polled = await get(`/api/publishers/contoso/offers/${offer}/operations/${operationsOf('contoso', offer)[0]?.id ?? ''}?${API}`);
    expect([polled.status, await polled.json()]).toEqual([403, errorBody]);
    expect(sim.requests({ offerId: offer }).map((r) => `${r.endpoint}:${r.answered}`)).toEqual(['cancel:202', 'list:200', 'poll:403']);
  });

  it('replay: refused without a status or with headers that are not one-line strings', () => {
    const bad = (fault: unknown) => () => sim.setScenario('contoso', freshOffer('bad-replay'), { ...accepted(), faults: [{ on: 'poll', fault }] } as OfferScenario);
    expect(bad({ kind: 'replay' })).toThrow(/^scenario\.faults\.0\.fault\.status: must be an HTTP status/);
    for (const headers of [['Retry-After'], { 'Retry-After': 3 }, { 'X-Test': 'a\r\nb' }, { 'Bad Name': 'x' }]) {
      expect(bad({ kind: 'replay', status: 200, headers })).toThrow(/^scenario\.faults\.0\.fault\.headers: must map header names to one-line strings/);
    }
    expect(bad({ kind: 'replay', status: 200, headers: { 'Retry-After': '3' }, body: [{ any: 'JSON' }] })).not.toThrow();
  });

  it('poll faults hit only GETs of one operation', async () => {
    const offer = freshOffer('pollfault');
    sim.setScenario('contoso', offer, { ...accepted({ completeAfterPolls: 1 }), faults: [{ on: 'poll', fault: { kind: 'status', status: 500 } }] });
    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    expect((await listRunning('contoso', offer)).length).toBe(1);
    const failed = await get(location);
    expect(failed.status).toBe(500);
    await failed.arrayBuffer();
    expect((await pollOne(location)).op.status).toBe('completed');
  });

  it('close() returns promptly with a slow answer pending and a keep-alive socket open', async () => {
    const own = await startSimulator({ port: 0 });
    own.setDefaultScenario({ cancel: { mode: 'synchronous' }, faults: [{ on: 'list', fault: { kind: 'slowHeaders', delayMs: 10_000 } }] });
    const pending = fetch(`${own.url}/api/publishers/p/offers/o/submissions/?${API}`, { headers: headers() });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.close();
    // Far sooner than the 10 s answer it would be waiting for.
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(pending).rejects.toThrow();
  });
});

describe('CPP simulator: admin API and request log', () => {
  it('round-trips scenarios, offer state, the request log and reset over HTTP', async () => {
    const admin = (p: string, init?: RequestInit): Promise<Response> => fetch(`${sim.url}/_admin${p}`, init);
    expect(await (await admin('/health')).json()).toEqual({ ok: true });

    const offer = freshOffer('admin');
    const put = await admin(`/scenarios/contoso/${offer}`, { method: 'PUT', body: JSON.stringify(accepted({ completeAfterPolls: 1 })) });
    expect(put.status).toBe(200);
    await put.arrayBuffer();
    const garbage = await admin(`/scenarios/contoso/${offer}`, { method: 'PUT', body: JSON.stringify({ cancel: { mode: 'sometimes' } }) });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: { message: string } }).error.message).toMatch(/scenario\.cancel\.mode: must be one of/);
    const notJson = await admin('/scenarios/default', { method: 'PUT', body: '{nope' });
    expect(notJson.status).toBe(400);
    await notJson.arrayBuffer();

    const location = (await postCancel('contoso', offer)).headers.get('location') ?? '';
    await pollOne(location);
    const state = (await (await admin(`/offers/contoso/${offer}`)).json()) as { postCount: number; pollCount: number; operations: OperationJson[] };
    expect(state).toMatchObject({ postCount: 1, pollCount: 1 });
    expect(state.operations.map((op) => op.status)).toEqual(['canceled', 'completed']);

    const logged = (await (await admin(`/requests?publisherId=contoso&offerId=${offer}&endpoint=poll`)).json()) as { endpoint: string }[];
    expect(logged).toHaveLength(1);
    expect((await admin('/requests?endpoint=bogus')).status).toBe(400);
  });

  it('reset forgets offers, requests and scenarios but keeps the seed', async () => {
    const own = await startSimulator({ seed: { offers: { 'contoso/seeded': { cancel: { mode: 'error', status: 403 } } } } });
    try {
      own.setScenario('contoso', 'other', { cancel: { mode: 'error', status: 404 } });
      const reset = await fetch(`${own.url}/_admin/reset`, { method: 'POST' });
      expect(await reset.json()).toEqual({ ok: true });
      expect(own.requests()).toEqual([]);
      const call = (offerId: string): Promise<Response> =>
        fetch(`${own.url}/api/publishers/contoso/offers/${offerId}/cancel?${API}`, { method: 'POST', headers: headers(), body: JSON.stringify(CANCEL_BODY) });
      expect((await call('seeded')).status).toBe(403);
      expect((await call('other')).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('records headers and bodies but never the token, and bounds the log', async () => {
    const lines: string[] = [];
    const own = await startSimulator({ tokens: ['s3cret-token'], log: (l) => lines.push(l), maxLoggedRequests: 3 });
    try {
      for (let i = 0; i < 5; i += 1) {
        const res = await fetch(`${own.url}/api/publishers/contoso/offers/log-${i}/cancel?${API}`, {
          method: 'POST',
          headers: headers(i === 0 ? 'wrong' : 's3cret-token'),
          body: JSON.stringify(CANCEL_BODY),
        });
        await res.arrayBuffer();
      }
      const logged = own.requests();
      expect(logged.map((r) => r.offerId)).toEqual(['log-2', 'log-3', 'log-4']);
      expect(logged[0]).toMatchObject({ auth: 'valid', body: CANCEL_BODY, endpoint: 'cancel', answered: 200, query: { 'api-version': '2017-10-31' } });
      expect(logged[0]?.headers['content-type']).toBe('application/json');
      expect(logged[0]?.headers.authorization).toBeUndefined();
      expect(JSON.stringify(logged)).not.toContain('s3cret');
      expect(lines).toHaveLength(5);
      expect(lines.join('\n')).not.toContain('s3cret');
      expect(lines.join('\n')).not.toContain('wrong');
    } finally {
      await own.close();
    }
  });
});

describe('simulator seed files', () => {
  it('loads the committed example seed', async () => {
    const seed = await loadSeedFile(path.join(__dirname, '..', 'simulator', 'seed.example.json'));
    expect(Object.keys(seed.offers ?? {})).toEqual(expect.arrayContaining(['contoso/contoso-offer', 'contoso/sync-offer', 'contoso/missing-offer', 'contoso/throttled-offer']));
    const own = await startSimulator({ seed });
    try {
      const res = await fetch(`${own.url}/api/publishers/contoso/offers/throttled-offer/cancel?${API}`, { method: 'POST', headers: headers(), body: JSON.stringify(CANCEL_BODY) });
      expect(res.status).toBe(429);
      await res.arrayBuffer();
    } finally {
      await own.close();
    }
  });

  it('names the file when it is not valid JSON or not a seed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sim-seed-'));
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{ "offers": ');
    await expect(loadSeedFile(bad)).rejects.toThrow(bad);
    const wrongKey = path.join(dir, 'wrong-key.json');
    await writeFile(wrongKey, JSON.stringify({ offers: { nokey: { cancel: { mode: 'synchronous' } } } }));
    await expect(loadSeedFile(wrongKey)).rejects.toThrow(/wrong-key\.json.*publisherId\/offerId/);
  });
});
