/**
 * CppHttpClient against the CPP simulator over real HTTP: the paths the workflow will take.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CppHttpClient, CppHttpError, StaticTokenProvider, type CancelOperationResponse, type OperationPoll } from '../src/cpp';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const TOKEN = 'sim-token';
const EMAILS = ['jondoe@contoso.com'];

let sim: RunningSimulator;
let client: CppHttpClient;
let offerCounter = 0;

/** A fresh offer id per test, so scenarios and counters never leak between tests. */
function nextOffer(): string {
  offerCounter += 1;
  return `sim-offer-${offerCounter}`;
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokens: [TOKEN] });
  client = new CppHttpClient({ baseUrl: sim.url, tokenProvider: new StaticTokenProvider(TOKEN) });
});

afterAll(async () => {
  await client.close();
  await sim.close();
});

afterEach(() => {
  sim.reset();
});

/** Polls `location` until the operation is terminal (at most `max` polls). */
async function pollUntilDone(location: string, max = 10): Promise<OperationPoll[]> {
  const polls: OperationPoll[] = [];
  for (let i = 0; i < max; i += 1) {
    const poll = await client.getOperation(location);
    polls.push(poll);
    if (['completed', 'failed', 'canceled'].includes(poll.operation.status)) return polls;
  }
  throw new Error(`operation at ${location} still not terminal after ${max} polls`);
}

function accepted(response: CancelOperationResponse): string {
  if (response.kind !== 'asynchronous') throw new Error(`expected 202, got ${response.kind}`);
  return response.location;
}

describe('CppHttpClient against the simulator', () => {
  it.each(['migrated', 'legacy'] as const)('cancel → 202 (%s Location) → poll until completed', async (locationForm) => {
    const offer = nextOffer();
    sim.setScenario('contoso', offer, {
      cancel: { mode: 'accepted', locationForm, completeAfterPolls: 3, retryAfterSeconds: 1 },
    });
    const response = await client.cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS });
    // The operation's id is the simulator's to choose; the rest of the Location is the documented form.
    const origin = sim.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const form =
      locationForm === 'legacy'
        ? new RegExp(`^${origin}/api/operations/contoso\\$${offer}\\$\\d+\\$preview\\?api-version=2017-10-31$`)
        : new RegExp(`^${origin}/api/publishers/contoso/offers/${offer}/operations/[0-9a-f-]{36}\\?api-version=2017-10-31$`);
    expect(response).toEqual({ kind: 'asynchronous', location: expect.stringMatching(form) as unknown, retryAfterMs: 1000 });
    const location = accepted(response);

    const polls = await pollUntilDone(location);
    expect(polls).toHaveLength(3);
    expect(polls.at(-1)?.operation.status).toBe('completed');
    expect(polls[0]?.operation.status).not.toBe('completed');
    expect(polls[0]?.retryAfterMs).toBe(1000);

    const [post] = sim.requests({ offerId: offer, endpoint: 'cancel' });
    expect(post).toMatchObject({ method: 'POST', auth: 'valid', answered: 202 });
    expect(post?.body).toEqual({ metadata: { 'notification-emails': 'jondoe@contoso.com' } });
    const gets = sim.requests({ offerId: offer, endpoint: 'poll' });
    expect(gets).toHaveLength(3);
    // The simulator logs the raw path: the $ of a legacy Location arrives unencoded.
    for (const get of gets) expect(`${sim.url}${get.path}`).toBe(location.split('?')[0]);
  });

  it('accepts the bare-object body shape too', async () => {
    const offer = nextOffer();
    sim.setScenario('contoso', offer, { cancel: { mode: 'accepted', completeAfterPolls: 1, bodyShape: 'object' } });
    const location = accepted(await client.cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS }));
    const polls = await pollUntilDone(location);
    expect(polls.at(-1)?.operation.status).toBe('completed');
  });

  it('cancel → 200 synchronous', async () => {
    const offer = nextOffer();
    sim.setScenario('contoso', offer, { cancel: { mode: 'synchronous' } });
    await expect(client.cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS })).resolves.toEqual({
      kind: 'synchronous',
    });
    expect(sim.postCount('contoso', offer)).toBe(1);
  });

  it('error mode 404 → final NotFound with the body', async () => {
    const offer = nextOffer();
    sim.setScenario('contoso', offer, { cancel: { mode: 'error', status: 404 } });
    const error = await client
      .cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CppHttpError);
    expect(error).toMatchObject({ code: 'NotFound', status: 404, retryable: false });
    // What the simulator answers for an offer in error mode 404 without a scripted body.
    expect(JSON.parse((error as CppHttpError).body ?? '')).toEqual({ error: { code: 'NotFound', message: `Offer ${offer} of publisher contoso was not found.` } });
  });

  it("listOperations('running') sees the cancel operation in progress", async () => {
    const offer = nextOffer();
    sim.setScenario('contoso', offer, { cancel: { mode: 'accepted', completeAfterPolls: 100 } });
    await client.cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS });
    const running = await client.listOperations('contoso', offer, { status: 'running' });
    expect(running.length).toBeGreaterThanOrEqual(1);
    expect(running.some((op) => op.state === 'running' && /cancel/i.test(op.submissionType ?? ''))).toBe(true);
    const [list] = sim.requests({ offerId: offer, endpoint: 'list' });
    expect(list?.path).toBe(`/api/publishers/contoso/offers/${offer}/submissions/`);
    expect(list?.query).toMatchObject({ 'api-version': '2017-10-31', status: 'running' });
  });

  it('a static token the simulator does not know → final Unauthorized after one request', async () => {
    const offer = nextOffer();
    const stranger = new CppHttpClient({ baseUrl: sim.url, tokenProvider: new StaticTokenProvider('not-the-sim-token') });
    try {
      const error = await stranger
        .cancelOperation({ publisherId: 'contoso', offerId: offer, notificationEmails: EMAILS })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'Unauthorized', retryable: false });
      expect(sim.requests({ offerId: offer, endpoint: 'cancel' }).map((r) => r.auth)).toEqual(['invalid']);
    } finally {
      await stranger.close();
    }
  });
});
