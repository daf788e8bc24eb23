/**
 * Worker crashes during a Product Ingestion job's cancellation: the product's worker as a real child
 * process, SIGKILLed while the API holds back its answer to the cancel (after acting on it) and while
 * a status poll hangs; a fresh worker then finishes every run. Each must end as documented in
 * docs/product-ingestion.md, with the cancel POSTs the rule calls for: none sent again when the
 * look-up finds the job cancelled, one more when the job still runs (a status cannot tell whose cancel
 * is under way), none more for a poll.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INGESTION_WORKFLOW_TYPE, type CancelJobResult } from '../../src/contract';
import type { JobScenario } from '../../simulator/job-scenario';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { makeSecret, reportFigures, spawnWorkerProcess, waitFor, withTimeout, workflowTaskFailures, type WorkerProcess } from '../helpers/reliability';
import { uniqueTaskQueue } from '../helpers/temporal';

const SLOW_ANSWER_MS = 8_000;
const POLLING = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.5, backoffCoefficient: 2 };

interface JobCrashCase {
  name: string;
  scenario: JobScenario;
  /** The request held back when the worker is killed. */
  heldOn: 'jobCancel' | 'jobStatus';
  posts: number;
  mode: CancelJobResult['mode'];
  confirmedByLookup?: true;
}

const CASES: JobCrashCase[] = [
  { name: 'answer lost, job cancelled', scenario: { cancel: { mode: 'immediate' }, faults: [{ on: 'jobCancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }] }, heldOn: 'jobCancel', posts: 1, mode: 'synchronous', confirmedByLookup: true },
  {
    name: 'answer lost, job still running',
    scenario: { cancel: { mode: 'accepted', completesAfterPolls: 3 }, faults: [{ on: 'jobCancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }] },
    heldOn: 'jobCancel',
    posts: 2,
    mode: 'asynchronous',
  },
  { name: 'mid-poll', scenario: { cancel: { mode: 'accepted', completesAfterPolls: 2 }, faults: [{ on: 'jobStatus', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }] }, heldOn: 'jobStatus', posts: 1, mode: 'asynchronous' },
];

const token = makeSecret('job-crash-token');
let simulator: RunningSimulator;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ tokens: [token] });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await simulator?.close();
  await connection?.close();
});

function startWorker(taskQueue: string, name: string): WorkerProcess {
  const worker = spawnWorkerProcess({
    name,
    taskQueue,
    cppBaseUrl: simulator.url,
    accessToken: token,
    env: { INGESTION_BASE_URL: `${simulator.url}/rp/product-ingestion`, INGESTION_ACCESS_TOKEN: token },
  });
  workers.push(worker);
  return worker;
}

describe('job cancellations across a worker SIGKILL', () => {
  it('every run ends succeeded with the POSTs the rule calls for, and no workflow task failed', async () => {
    const taskQueue = uniqueTaskQueue('job-crash');
    const first = startWorker(taskQueue, 'job-crash-1');
    await withTimeout(first.ready, 60_000, 'first worker start');
    const runs = await Promise.all(
      CASES.map(async (c) => {
        const jobId = randomUUID();
        simulator.setJobScenario(jobId, c.scenario);
        const handle: WorkflowHandle = await client.workflow.start(INGESTION_WORKFLOW_TYPE, { taskQueue, workflowId: `job-crash-${jobId}`, args: [{ jobId, polling: POLLING }] });
        return { c, jobId, handle };
      }),
    );
    await waitFor('every held-back request reached the API', () => runs.every(({ c, jobId }) => simulator.requests({ jobId, endpoint: c.heldOn }).length > 0), 30_000, 25);
    await first.kill();
    const killedAt = Date.now();
    for (const { c, jobId } of runs) {
      // The API decided (and acted) but its answer could not have reached the worker yet.
      expect(killedAt - Date.parse(simulator.requests({ jobId, endpoint: c.heldOn })[0]!.time), c.name).toBeLessThan(SLOW_ANSWER_MS);
    }

    const survivor = startWorker(taskQueue, 'job-crash-2');
    await withTimeout(survivor.ready, 60_000, 'second worker start');
    const rows = await Promise.all(
      runs.map(async ({ c, jobId, handle }) => {
        const result = (await withTimeout(handle.result(), 180_000, c.name)) as CancelJobResult;
        return { case: c.name, mode: result.mode, confirmedByLookup: result.confirmedByLookup ?? false, posts: simulator.requests({ jobId, endpoint: 'jobCancel' }).filter((r) => r.answered !== 'reset').length, taskFailures: await workflowTaskFailures(handle) };
      }),
    );
    console.table(rows);
    expect(rows).toEqual(CASES.map((c) => ({ case: c.name, mode: c.mode, confirmedByLookup: c.confirmedByLookup ?? false, posts: c.posts, taskFailures: 0 })));
    reportFigures('job-worker-crash', { runs: rows.length, cancelPosts: rows.reduce((n, r) => n + r.posts, 0), elapsedSinceKillMs: Date.now() - killedAt });
  }, 300_000);
});
