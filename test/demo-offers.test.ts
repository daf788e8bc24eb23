/**
 * The demo offers and configure jobs of simulator/seed.example.json (what `npm run dev` lists) over
 * real HTTP: each answers the cancel POST as its description says, and answers it the same way
 * again — cancelled, throttled, refused, or dropped mid-cancellation — without a restart (`repeatable`).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorSeed } from '../simulator/scenario';
import { describeSeed, loadSeedFile } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const API = 'api-version=2017-10-31';
const VERSION = '$version=2022-03-01-preview2';
const TOKEN = 'sim-token';
/** The demo jobs' ids: `…0001` to `…0006`. */
const demoJob = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;

let seed: SimulatorSeed;
let sim: RunningSimulator;

beforeAll(async () => {
  seed = await loadSeedFile(path.join(__dirname, '..', 'simulator', 'seed.example.json'));
  sim = await startSimulator({ seed, tokens: [TOKEN] });
});
afterAll(async () => {
  await sim?.close();
});

async function post(offerId: string): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(`${sim.url}/api/publishers/contoso/offers/${offerId}/cancel?${API}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { 'notification-emails': 'jondoe@contoso.com' } }),
  });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** GETs the operation `location` names until it is terminal; returns its last status. */
async function pollToEnd(location: string): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${sim.url}${location}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const [operation] = (await res.json()) as { status: string }[];
    if (operation && operation.status !== 'running') return operation.status;
  }
  throw new Error(`${location} still running after 10 polls`);
}

describe('the demo offers', () => {
  it('are all described, and every one is repeatable', () => {
    const lines = describeSeed(seed);
    expect(lines).toHaveLength(Object.keys(seed.offers ?? {}).length + 1 + Object.keys(seed.jobs ?? {}).length);
    for (const scenario of [...Object.values(seed.offers ?? {}), seed.default, ...Object.values(seed.jobs ?? {})]) {
      expect(scenario?.description).toBeTruthy();
      expect(scenario?.repeatable).toBe(true);
    }
    expect(lines).toContain(`job ${demoJob(1)}  ${seed.jobs?.[demoJob(1)]?.description}`);
  });

  it.each([
    ['sync-offer', 200],
    ['bad-request-offer', 400],
    ['forbidden-offer', 403],
    ['missing-offer', 404],
    ['any-other-offer', 200],
  ])('%s answers %i, and again', async (offerId, status) => {
    expect((await post(offerId)).status).toBe(status);
    expect((await post(offerId)).status).toBe(status);
  });

  it.each([
    ['contoso-offer', /^\/api\/publishers\/contoso\/offers\/contoso-offer\/operations\/[0-9a-f-]{36}\?/, 'completed'],
    ['legacy-offer', /^\/api\/operations\/contoso\$legacy-offer\$\d+\$preview\?/, 'completed'],
    ['failing-offer', /^\/api\/publishers\/contoso\/offers\/failing-offer\/operations\//, 'failed'],
  ])('%s: 202 with its Location form, ends %s, and can be cancelled again', async (offerId, form, end) => {
    for (let round = 1; round <= 2; round++) {
      const first = await post(offerId);
      expect(first.status).toBe(202);
      expect(first.location).toMatch(form);
      expect(await pollToEnd(first.location as string)).toBe(end);
    }
  });

  it('throttled-offer: 429 with Retry-After 2, then 202 — and the same again after it ended', async () => {
    for (let round = 1; round <= 2; round++) {
      const throttled = await post('throttled-offer');
      expect(throttled.status).toBe(429);
      const accepted = await post('throttled-offer');
      expect(accepted.status).toBe(202);
      expect(await pollToEnd(accepted.location as string)).toBe('completed');
    }
  });

  it('long-offer: a POST while an earlier cancellation still runs starts over (the earlier operation ends canceled)', async () => {
    const first = await post('long-offer');
    expect(first.status).toBe(202);
    const second = await post('long-offer');
    expect(second.status).toBe(202);
    expect(second.location).not.toBe(first.location);
    const res = await fetch(`${sim.url}${first.location}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await res.json()) as { status: string }[])[0]?.status).toBe('canceled');
  });

  it('an offer without repeatable behaves as CPP does: a second POST gets 400', async () => {
    sim.setScenario('contoso', 'once-offer', { cancel: { mode: 'synchronous' } });
    expect((await post('once-offer')).status).toBe(200);
    const again = await post('once-offer');
    expect(again.status).toBe(400);
    expect(again.body).toContain('There is no operation in progress to cancel');
  });
});

/** A Product Ingestion request to one demo job: its status, its JSON body, and its Retry-After. */
async function job(method: 'POST' | 'GET', jobId: string, action: '/cancel' | '/status' | ''): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> & { error?: { message: string } } }> {
  const res = await fetch(`${sim.url}/rp/product-ingestion/configure/${jobId}${action}?${VERSION}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

describe('the demo configure jobs', () => {
  it('…0001: 200, cancelled at once, with 2 of its 4 resources processed; and again', async () => {
    for (let round = 1; round <= 2; round++) {
      const cancel = await job('POST', demoJob(1), '/cancel');
      expect(cancel).toMatchObject({ status: 200, body: { jobStatus: 'completed', jobResult: 'cancelled' } });
      const summary = await job('GET', demoJob(1), '');
      expect((summary.body.resources as { resourceName: string }[]).map((r) => r.resourceName)).toEqual(['Basic plan', 'Standard plan']);
    }
  });

  it('…0002: 200 with the job still running, result pending; a second cancel meanwhile changes nothing', async () => {
    const cancel = await job('POST', demoJob(2), '/cancel');
    expect(cancel).toMatchObject({ status: 200, body: { jobStatus: 'running', jobResult: 'pending', jobEnd: '0001-01-01T00:00:00' } });
    expect((await job('GET', demoJob(2), '/status')).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending' });
    expect((await job('POST', demoJob(2), '/cancel')).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending' });
  });

  it.each([
    [3, 'Cannot cancel job, the job is too far along to be cancelled.', { jobStatus: 'running', jobResult: 'pending' }],
    [4, 'Cannot cancel job, job has already completed.', { jobStatus: 'completed', jobResult: 'succeeded' }],
    [5, 'Cannot cancel job, job has already completed.', { jobStatus: 'completed', jobResult: 'succeeded' }],
  ])('…000%i: 400 "%s", the status then shows %j; and again', async (n, message, status) => {
    for (let round = 1; round <= 2; round++) {
      const cancel = await job('POST', demoJob(n), '/cancel');
      expect(cancel.status).toBe(400);
      expect(cancel.body.error?.message).toBe(message);
      expect((await job('GET', demoJob(n), '/status')).body).toMatchObject(status);
    }
  });

  it('…0006: 429 with Retry-After 2, then 200 cancelled at once — and the same again after it ended', async () => {
    for (let round = 1; round <= 2; round++) {
      const throttled = await job('POST', demoJob(6), '/cancel');
      expect(throttled).toMatchObject({ status: 429, retryAfter: '2' });
      expect(await job('POST', demoJob(6), '/cancel')).toMatchObject({ status: 200, body: { jobStatus: 'completed', jobResult: 'cancelled' } });
    }
  });
});
