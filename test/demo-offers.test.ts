/**
 * The demo offers of simulator/seed.example.json (what `npm run dev` lists) over real HTTP: each
 * answers the cancel POST as its description says, and answers it the same way again — cancelled,
 * throttled, or dropped mid-cancellation — without a restart (`repeatable`).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorSeed } from '../simulator/scenario';
import { describeSeed, loadSeedFile } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const API = 'api-version=2017-10-31';
const TOKEN = 'sim-token';

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
    expect(lines).toHaveLength(Object.keys(seed.offers ?? {}).length + 1);
    for (const scenario of [...Object.values(seed.offers ?? {}), seed.default]) {
      expect(scenario?.description).toBeTruthy();
      expect(scenario?.repeatable).toBe(true);
    }
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
