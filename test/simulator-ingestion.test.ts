/**
 * The simulator's Product Ingestion routes over real HTTP: each cancel mode, the resources a job
 * processed before a cancel, fault rules, scenario checks, the admin API, the request log, seeds,
 * and a running job kept across a restart by the state file. (Body layouts are
 * test/ingestion-conformance.test.ts's concern.)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobScenario } from '../simulator/job-scenario';
import { validateSeed } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const TOKEN = 'sim-token';
const VERSION = '$version=2022-03-01-preview2';
const NOT_ENDED = '0001-01-01T00:00:00';

/** The fields of a configure-status object the tests read. */
interface JobJson {
  jobID: string;
  jobStatus: string;
  jobResult: string;
  jobStart: string;
  jobEnd: string;
  errors: { code: string; message: string; resource?: string }[];
  resources?: { id: string; resourceName?: string }[];
  error?: { code: string; message: string };
}

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.close();
});

/** A job scripted by `scenario`, on a fresh GUID. */
function scriptedJob(scenario: JobScenario, on: RunningSimulator = sim): string {
  const jobId = randomUUID();
  on.setJobScenario(jobId, scenario);
  return jobId;
}

type Action = 'cancel' | 'status' | 'summary';

/** One Product Ingestion request: its status and JSON body. */
async function call(action: Action, jobId: string, init: { on?: RunningSimulator; signal?: AbortSignal } = {}): Promise<{ status: number; body: JobJson }> {
  const suffix = action === 'cancel' ? '/cancel' : action === 'status' ? '/status' : '';
  const res = await fetch(`${(init.on ?? sim).url}/rp/product-ingestion/configure/${jobId}${suffix}?${VERSION}`, {
    method: action === 'cancel' ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: init.signal,
  });
  return { status: res.status, body: (await res.json()) as JobJson };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (timestamp: string): number => Date.parse(timestamp);

describe('Product Ingestion simulator: a job on its own', () => {
  it('is created on first sight, running from then, and ends on its own at start + runsForMs however late anyone looks', async () => {
    const before = Date.now();
    const jobId = scriptedJob({ runsForMs: 100 });
    const first = await call('status', jobId);
    expect(first.body).toMatchObject({ jobID: jobId, jobStatus: 'running', jobResult: 'pending', jobEnd: NOT_ENDED, errors: [] });
    expect(first.body.jobStart).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(ms(first.body.jobStart)).toBeGreaterThanOrEqual(before);
    await sleep(250);
    const ended = await call('status', jobId);
    expect(ended.body).toMatchObject({ jobStatus: 'completed', jobResult: 'succeeded' });
    expect(ms(ended.body.jobEnd) - ms(ended.body.jobStart)).toBe(100);
  });

  it('startedAgoMs puts jobStart back; a job id in capitals is the same job, answered in lower case', async () => {
    const jobId = scriptedJob({ startedAgoMs: 40_000 });
    const { body } = await call('status', jobId.toUpperCase());
    expect(body.jobID).toBe(jobId);
    expect(Date.now() - ms(body.jobStart)).toBeGreaterThanOrEqual(40_000);
  });

  it('ends failed with the scenario\'s errors (or one internalError), shown only once it has failed', async () => {
    const errors = [{ code: 'businessValidationError', message: 'The plan has no price.', resource: 'plan/abc' }];
    const jobId = scriptedJob({ runsForMs: 50, endsWith: 'failed', errors });
    expect((await call('status', jobId)).body.errors).toEqual([]);
    await sleep(100);
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'failed', errors });
    const plain = scriptedJob({ startsAs: 'completed', jobResult: 'failed' });
    expect((await call('status', plain)).body.errors).toEqual([{ code: 'internalError', message: 'The job failed while configuring its resources.' }]);
  });
});

describe('Product Ingestion simulator: cancel modes', () => {
  it('immediate: 200 completed/cancelled with jobEnd now; any later cancel, of a cancelled job too, is 400 "already completed"', async () => {
    const jobId = scriptedJob({ cancel: { mode: 'immediate' } });
    const before = Date.now();
    const { status, body } = await call('cancel', jobId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
    expect(ms(body.jobEnd)).toBeGreaterThanOrEqual(before - 1);
    const again = await call('cancel', jobId);
    expect(again).toEqual({ status: 400, body: { error: { code: 'badRequest', message: 'Cannot cancel job, job has already completed.', details: [] } } });
    expect(sim.jobState(jobId).cancelCount).toBe(2);
  });

  it('accepted (polls): 200 running/pending; completed, cancelled at the 2nd status GET after it, jobEnd then', async () => {
    const jobId = scriptedJob({ cancel: { mode: 'accepted', completesAfterPolls: 2 } });
    expect((await call('cancel', jobId)).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending', jobEnd: NOT_ENDED });
    expect((await call('status', jobId)).body.jobStatus).toBe('running');
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
  });

  it('accepted (time): completed, cancelled completesAfterMs after the cancel, without a poll; jobEnd is that moment', async () => {
    const jobId = scriptedJob({ cancel: { mode: 'accepted', completesAfterMs: 100 } });
    const cancel = await call('cancel', jobId);
    expect(cancel.body.jobStatus).toBe('running');
    await sleep(250);
    const { body } = await call('status', jobId);
    expect(body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
    expect(ms(body.jobEnd) - Date.now()).toBeLessThan(-100);
  });

  it('accepted: the job\'s own end no longer comes while the cancel is under way', async () => {
    const jobId = scriptedJob({ runsForMs: 50, cancel: { mode: 'accepted', completesAfterMs: 200 } });
    await call('cancel', jobId);
    await sleep(100);
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'running', jobResult: 'pending' });
    await sleep(150);
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
  });

  it('refused: 400 "too far along", the job unchanged; it then succeeds on its own', async () => {
    const jobId = scriptedJob({ runsForMs: 100, cancel: { mode: 'refused' } });
    const refused = await call('cancel', jobId);
    expect(refused).toEqual({ status: 400, body: { error: { code: 'badRequest', message: 'Cannot cancel job, the job is too far along to be cancelled.', details: [] } } });
    expect((await call('status', jobId)).body.jobStatus).toBe('running');
    await sleep(200);
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'succeeded' });
  });

  it.each(['succeeded', 'failed'] as const)('racesEnd (%s): the job ends on its own as the cancel arrives, which gets 400 "already completed"', async (endsWith) => {
    const jobId = scriptedJob({ endsWith, resources: 3, cancel: { mode: 'racesEnd' } });
    const cancel = await call('cancel', jobId);
    expect(cancel.status).toBe(400);
    expect(cancel.body.error?.message).toBe('Cannot cancel job, job has already completed.');
    expect((await call('status', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: endsWith });
    expect((await call('summary', jobId)).body.resources).toHaveLength(3);
  });

  it('a notStarted job: cancelled before it ran, none of its resources processed', async () => {
    const jobId = scriptedJob({ startsAs: 'notStarted' });
    expect((await call('status', jobId)).body.jobStatus).toBe('notStarted');
    expect((await call('cancel', jobId)).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
    expect((await call('summary', jobId)).body.resources).toEqual([]);
  });
});

describe('Product Ingestion simulator: resources and the summary', () => {
  it('a cancel at half time leaves half the resources processed; the summary lists only those, in order', async () => {
    const jobId = scriptedJob({ startedAgoMs: 50_000, runsForMs: 100_000, resources: ['A', 'B', 'C', 'D'] });
    expect((await call('summary', jobId)).body.error?.message).toBe('The job is still running; its summary is available once it has completed.');
    await call('cancel', jobId);
    const { body } = await call('summary', jobId);
    expect(body).toMatchObject({ jobID: jobId, jobStatus: 'completed', jobResult: 'cancelled' });
    expect(body.resources?.map((r) => r.resourceName)).toEqual(['A', 'B']);
    expect(body.resources?.every((r) => /^plan\/[0-9a-f-]{36}$/.test(r.id))).toBe(true);
    expect(sim.jobState(jobId).resources.map((r) => r.processed)).toEqual([true, true, false, false]);
  });

  it('an accepted cancel keeps what was processed when it arrived, however long it takes', async () => {
    const jobId = scriptedJob({ startedAgoMs: 30_000, runsForMs: 100_000, resources: 10, cancel: { mode: 'accepted', completesAfterMs: 100 } });
    await call('cancel', jobId);
    await sleep(150);
    const { body } = await call('summary', jobId);
    expect(body.jobResult).toBe('cancelled');
    expect(body.resources).toHaveLength(3);
    expect(body.resources?.[0]).not.toHaveProperty('resourceName');
  });

  it('a job that ran its course lists all its resources (4 by default)', async () => {
    const jobId = scriptedJob({ runsForMs: 0 });
    expect((await call('summary', jobId)).body.resources).toHaveLength(4);
  });
});

describe('Product Ingestion simulator: faults, repeatable jobs, scenario changes', () => {
  it('fault rules are taken in order, `times` each, only for their route; a replaced cancel changed nothing', async () => {
    const jobId = scriptedJob({
      faults: [
        { on: 'jobCancel', fault: { kind: 'status', status: 503, retryAfter: '1' }, times: 2 },
        { on: 'jobStatus', fault: { kind: 'status', status: 500 } },
      ],
    });
    expect((await call('cancel', jobId)).status).toBe(503);
    expect((await call('status', jobId)).status).toBe(500);
    expect((await call('status', jobId)).body.jobStatus).toBe('running');
    expect((await call('cancel', jobId)).status).toBe(503);
    expect((await call('cancel', jobId)).body.jobResult).toBe('cancelled');
    expect(sim.jobState(jobId)).toMatchObject({ cancelCount: 3, statusCount: 2, summaryCount: 0 });
  });

  it('slowHeaders: the cancel takes effect at once, so a client that gave up has still cancelled', async () => {
    const jobId = scriptedJob({ faults: [{ on: 'jobCancel', fault: { kind: 'slowHeaders', delayMs: 300 } }] });
    await expect(call('cancel', jobId, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect(sim.jobState(jobId).status).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
  });

  it('reset: the socket is destroyed, the job untouched, and the request not counted', async () => {
    const jobId = scriptedJob({ faults: [{ on: 'jobCancel', fault: { kind: 'reset' } }] });
    await expect(call('cancel', jobId)).rejects.toThrow();
    expect(sim.jobState(jobId)).toMatchObject({ cancelCount: 0, status: { jobStatus: 'running' } });
    expect(sim.requests({ jobId }).map((r) => r.answered)).toEqual(['reset']);
  });

  it('repeatable: a cancel finding the job completed starts it over, fault rules from the first; without it, 400', async () => {
    const jobId = scriptedJob({ repeatable: true, faults: [{ on: 'jobCancel', fault: { kind: 'status', status: 429, retryAfter: '2' } }] });
    for (let round = 1; round <= 2; round++) {
      expect((await call('cancel', jobId)).status).toBe(429);
      expect((await call('cancel', jobId)).body.jobResult).toBe('cancelled');
    }
    expect(sim.jobState(jobId).cancelCount).toBe(4);
  });

  it('setJobScenario starts the job afresh; setDefaultJobScenario scripts the jobs not named', async () => {
    const jobId = scriptedJob({});
    expect((await call('cancel', jobId)).body.jobResult).toBe('cancelled');
    sim.setJobScenario(jobId, { cancel: { mode: 'refused' } });
    expect((await call('status', jobId)).body.jobStatus).toBe('running');
    expect((await call('cancel', jobId)).status).toBe(400);

    const own = await startSimulator();
    try {
      own.setDefaultJobScenario({ startsAs: 'completed', jobResult: 'failed' });
      expect((await call('status', randomUUID(), { on: own })).body.jobResult).toBe('failed');
    } finally {
      await own.close();
    }
  });

  it('scenarios are checked, naming the field at fault', () => {
    const bad = (scenario: unknown): (() => void) => () => sim.setJobScenario(randomUUID(), scenario as JobScenario);
    expect(bad({ runForMs: 5 })).toThrow(/^scenario\.runForMs: is not a field here/);
    expect(bad({ cancel: { mode: 'sometimes' } })).toThrow(/^scenario\.cancel\.mode: must be one of immediate, accepted, refused, racesEnd/);
    expect(bad({ cancel: { mode: 'refused', completesAfterMs: 5 } })).toThrow(/^scenario\.cancel\.completesAfterMs: is not a field here/);
    expect(bad({ startsAfterMs: 5 })).toThrow(/^scenario\.startsAfterMs: applies to "startsAs": "notStarted" only/);
    expect(bad({ startsAs: 'running', jobResult: 'failed' })).toThrow(/^scenario\.jobResult: applies to "startsAs": "completed" only/);
    expect(bad({ resources: -1 })).toThrow(/^scenario\.resources: must be a count/);
    expect(bad({ errors: [{ code: 'x' }] })).toThrow(/^scenario\.errors\.0\.message: must be a string/);
    expect(bad({ faults: [{ on: 'cancel', fault: { kind: 'reset' } }] })).toThrow(/^scenario\.faults\.0\.on: must be one of jobCancel, jobStatus, jobSummary/);
    expect(bad({ faults: [{ on: 'jobCancel', fault: { kind: 'noLocation' } }] })).toThrow(/^scenario\.faults\.0\.fault\.kind: must be one of status, reset/);
    expect(() => sim.setJobScenario('not-a-guid', {})).toThrow(/^jobId: must be a GUID/);
  });
});

describe('Product Ingestion simulator: $version, admin API and request log', () => {
  it('ingestionVersions replaces the accepted $version values', async () => {
    const own = await startSimulator({ ingestionVersions: ['2023-06-01'] });
    try {
      const at = (version: string) => fetch(`${own.url}/rp/product-ingestion/configure/${randomUUID()}/status?$version=${version}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect((await at('2023-06-01')).status).toBe(200);
      const old = await at('2022-03-01-preview2');
      expect(old.status).toBe(400);
      expect(((await old.json()) as JobJson).error?.message).toBe("The $version '2022-03-01-preview2' is not supported. Supported versions: 2023-06-01.");
    } finally {
      await own.close();
    }
  });

  it('scripts jobs, shows them and filters the log by jobId and endpoint over HTTP', async () => {
    const admin = (p: string, init?: RequestInit): Promise<Response> => fetch(`${sim.url}/_admin${p}`, init);
    const jobId = randomUUID();
    const put = await admin(`/jobs/${jobId}`, { method: 'PUT', body: JSON.stringify({ startedAgoMs: 30_000, runsForMs: 60_000, cancel: { mode: 'accepted' } }) });
    expect(await put.json()).toMatchObject({ ok: true, target: { jobId } });
    const garbage = await admin(`/jobs/${jobId}`, { method: 'PUT', body: JSON.stringify({ cancel: { mode: 'later' } }) });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as JobJson).error?.message).toMatch(/^scenario\.cancel\.mode: must be one of/);
    const notGuid = await admin('/jobs/job-1', { method: 'PUT', body: '{}' });
    expect(notGuid.status).toBe(400);
    expect(((await notGuid.json()) as JobJson).error?.message).toMatch(/^jobId: must be a GUID/);
    expect((await admin('/jobs/job-1')).status).toBe(400);

    await call('cancel', jobId);
    await call('status', jobId);
    const state = (await (await admin(`/jobs/${jobId.toUpperCase()}`)).json()) as { jobId: string; cancelCount: number; statusCount: number; status: JobJson; resources: { processed: boolean }[] };
    expect(state).toMatchObject({ jobId, cancelCount: 1, statusCount: 1, status: { jobStatus: 'running', jobResult: 'pending' } });
    expect(state.resources.map((r) => r.processed)).toEqual([true, true, false, false]);

    const logged = (await (await admin(`/requests?jobId=${jobId.toUpperCase()}&endpoint=jobCancel`)).json()) as { jobId: string; endpoint: string; method: string; path: string; query: Record<string, string> }[];
    expect(logged).toEqual([expect.objectContaining({ jobId, endpoint: 'jobCancel', method: 'POST', path: `/rp/product-ingestion/configure/${jobId}/cancel`, query: { $version: '2022-03-01-preview2' } })]);
    expect((await admin('/requests?endpoint=jobBogus')).status).toBe(400);

    const defaulted = await admin('/jobs/default', { method: 'PUT', body: JSON.stringify({ cancel: { mode: 'refused' } }) });
    expect(await defaulted.json()).toMatchObject({ ok: true, target: 'default' });
    expect((await call('cancel', randomUUID())).status).toBe(400);
    sim.setDefaultJobScenario({});
  });

  it('logs every ingestion request with its endpoint and jobId (as received when not a GUID), never the token', async () => {
    const lines: string[] = [];
    const own = await startSimulator({ tokens: ['s3cret-token'], log: (line) => lines.push(line) });
    try {
      const jobId = randomUUID();
      const send = async (p: string, method = 'GET', token = 's3cret-token') => {
        const res = await fetch(`${own.url}${p}`, { method, headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
      };
      await send(`/rp/product-ingestion/configure/${jobId}/cancel?${VERSION}`, 'POST');
      await send(`/rp/product-ingestion/configure/${jobId}/status?${VERSION}`, 'GET', 'wrong-token');
      await send(`/rp/product-ingestion/configure/${jobId}?${VERSION}`);
      await send(`/rp/product-ingestion/configure/Job-7/status?${VERSION}`);
      await send(`/rp/product-ingestion/nonsense?${VERSION}`);
      const logged = own.requests();
      expect(logged.map((r) => [r.endpoint, r.jobId, r.auth, r.answered])).toEqual([
        ['jobCancel', jobId, 'valid', 200],
        ['jobStatus', jobId, 'invalid', 401],
        ['jobSummary', jobId, 'valid', 200],
        ['jobStatus', 'Job-7', 'valid', 400],
        ['unknown', undefined, 'valid', 404],
      ]);
      expect(own.requests({ jobId: 'Job-7' })).toHaveLength(1);
      expect(own.requests({ endpoint: 'jobSummary' })).toHaveLength(1);
      expect(JSON.stringify(logged)).not.toContain('s3cret');
      expect(lines.join('\n')).not.toMatch(/s3cret|wrong-token/);
    } finally {
      await own.close();
    }
  });
});

describe('Product Ingestion simulator: seeds and the state file', () => {
  it('seed jobs are keyed by GUID and checked; reset forgets the jobs but keeps the seed', async () => {
    expect(() => validateSeed({ jobs: { 'job-1': {} } })).toThrow(/^jobs\["job-1"\]: the key must be a job id/);
    expect(() => validateSeed({ jobs: { [randomUUID()]: { endsWith: 'maybe' } } })).toThrow(/^jobs\[".*"\]\.endsWith: must be one of succeeded, failed/);
    const seeded = randomUUID();
    const own = await startSimulator({ seed: { jobs: { [seeded.toUpperCase()]: { cancel: { mode: 'refused' } } } } });
    try {
      expect((await call('cancel', seeded, { on: own })).status).toBe(400);
      own.setJobScenario(seeded, {});
      expect((await call('cancel', seeded, { on: own })).status).toBe(200);
      own.reset();
      expect(own.requests()).toEqual([]);
      expect((await call('cancel', seeded, { on: own })).status).toBe(400);
    } finally {
      await own.close();
    }
  });

  it('a running job survives a restart, its clock running on: it ends at the same moment as without the restart', async () => {
    const stateFile = path.join(await mkdtemp(path.join(tmpdir(), 'sim-jobs-')), 'state.json');
    const running = randomUUID();
    const cancelling = randomUUID();
    const first = await startSimulator({ stateFile });
    first.setJobScenario(running, { runsForMs: 600 });
    first.setJobScenario(cancelling, { cancel: { mode: 'accepted', completesAfterMs: 600 } });
    const before = (await call('status', running, { on: first })).body;
    expect(before.jobStatus).toBe('running');
    expect((await call('cancel', cancelling, { on: first })).body.jobStatus).toBe('running');
    await first.close();

    // No scenario given again: the job's course was kept with it.
    const second = await startSimulator({ stateFile });
    try {
      const restored = (await call('status', running, { on: second })).body;
      expect(restored).toMatchObject({ jobStatus: 'running', jobStart: before.jobStart });
      expect((await call('status', cancelling, { on: second })).body.jobStatus).toBe('running');
      await sleep(700);
      const ended = (await call('status', running, { on: second })).body;
      expect(ended).toMatchObject({ jobStatus: 'completed', jobResult: 'succeeded' });
      expect(ms(ended.jobEnd) - ms(ended.jobStart)).toBe(600);
      expect((await call('status', cancelling, { on: second })).body).toMatchObject({ jobStatus: 'completed', jobResult: 'cancelled' });
      expect(second.jobState(running).statusCount).toBe(3);
    } finally {
      await second.close();
    }
  });
});
