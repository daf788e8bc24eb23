/**
 * Temporal server restart: a dev server of our own with a persistent SQLite file is stopped while
 * cancellations are polling, then started again on the same port and file. Every cancellation must
 * complete, with one POST each; the worker either rides out the outage or is replaced after it.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCancellationActivities } from '../../src/activities/cancellation';
import { WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../../src/contract';
import { CppHttpClient } from '../../src/cpp/client';
import { StaticTokenProvider } from '../../src/cpp/token-provider';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { freePort, startDevServer, type RunningDevServer } from '../../temporal-cli/dev-server';
import { errorText, findLeaks, historiesText, makeSecret, mapLimit, markFile, RELIABILITY_CACHE_DIR, reportFigures, size, sleep, waitFor, withTimeout, workflowTaskFailures } from '../helpers/reliability';
import { uniqueTaskQueue } from '../helpers/temporal';

const PUBLISHER = 'restart';
const CANCELLATIONS = size(6, 20);
/** The Cancel operation ends this long after the POST: well after the restart. */
const COMPLETE_AFTER_MS = 12_000;
const OUTAGE_MS = 3_000;

const token = makeSecret('restart-token');
const dbFilename = path.join(os.tmpdir(), `cpp-reliability-restart-${randomUUID()}.db`);
let server: RunningDevServer | undefined;
let simulator: RunningSimulator | undefined;
let cppClient: CppHttpClient | undefined;
const cleanups: (() => Promise<void>)[] = [];
const caughtErrors: unknown[] = [];

beforeAll(() => {
  markFile(inject('temporalAddress'), 'server-restart', 'started');
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await server?.stop();
  await cppClient?.close();
  await simulator?.close();
  await rm(dbFilename, { force: true });
  await rm(`${dbFilename}-wal`, { force: true });
  await rm(`${dbFilename}-shm`, { force: true });
});

interface RunningWorker {
  worker: Worker;
  /** Settles when the worker stops, for whatever reason; never rejects. */
  done: Promise<{ error?: unknown }>;
}

async function startWorker(address: string, taskQueue: string): Promise<RunningWorker> {
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createCancellationActivities({ client: cppClient! }),
  });
  const done = worker.run().then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done;
    await nativeConnection.close().catch(() => undefined);
  });
  return { worker, done };
}

afterAll(() => {
  markFile(inject('temporalAddress'), 'server-restart', 'done');
});

describe('Temporal server restart mid-poll', () => {
  it(`${CANCELLATIONS} polling cancellations complete across a stop and restart of the server (same port, same SQLite file)`, async () => {
    const started = Date.now();
    const port = await freePort();
    const logFile = path.join(RELIABILITY_CACHE_DIR, 'restart-dev-server.log');
    server = await startDevServer({ port, dbFilename, logFile });
    const address = server.address;
    simulator = await startSimulator({ tokens: [token] });
    cppClient = new CppHttpClient({ baseUrl: simulator.url, tokenProvider: new StaticTokenProvider(token) });
    const taskQueue = uniqueTaskQueue('restart');
    let current = await startWorker(address, taskQueue);
    let workersStarted = 1;

    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const offers = Array.from({ length: CANCELLATIONS }, (_, i) => `restart-${i}-${randomUUID().slice(0, 8)}`);
    const handles: WorkflowHandle[] = [];
    for (const [i, offerId] of offers.entries()) {
      simulator.setScenario(PUBLISHER, offerId, {
        cancel: { mode: 'accepted', completeAfterMs: COMPLETE_AFTER_MS, locationForm: i % 2 === 0 ? 'migrated' : 'legacy' },
      });
      const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['ops@contoso.com'], polling: { initialIntervalSeconds: 0.5, maxIntervalSeconds: 1 } };
      handles.push(await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `restart-${offerId}`, args: [input] }));
    }
    // Every cancellation is polling before the server goes away.
    await waitFor('every cancellation polling', () => offers.every((o) => simulator!.pollCount(PUBLISHER, o) >= 1), 60_000, 100);

    const stoppedAt = Date.now();
    await server.stop();
    const pollsDuringOutageStart = offers.map((o) => simulator!.pollCount(PUBLISHER, o));
    await sleep(OUTAGE_MS);
    server = await startDevServer({ port, dbFilename, logFile });
    const downMs = Date.now() - stoppedAt;
    expect(server.address).toBe(address);

    // The worker may have given up while the server was gone: then a new one takes over.
    const outcome = await Promise.race([current.done, sleep(2_000).then(() => undefined)]);
    const workerSurvived = outcome === undefined && current.worker.getState() === 'RUNNING';
    if (!workerSurvived) {
      caughtErrors.push(outcome?.error);
      current = await startWorker(address, taskQueue);
      workersStarted += 1;
    }

    const results = await mapLimit(handles, 10, async (h) => {
      try {
        return (await withTimeout(h.result(), 120_000, h.workflowId)) as CancelOfferResult;
      } catch (err) {
        caughtErrors.push(err);
        throw err;
      }
    });
    expect(results.map((r) => r.outcome)).toEqual(offers.map(() => 'succeeded'));
    expect(results.every((r) => r.mode === 'asynchronous' && r.operation.status === 'completed')).toBe(true);
    expect(offers.map((o) => simulator!.postCount(PUBLISHER, o))).toEqual(offers.map(() => 1));
    const taskFailures = await mapLimit(handles, 8, (h) => workflowTaskFailures(h));
    expect(taskFailures.reduce((a, b) => a + b, 0)).toBe(0);
    // Visibility survived the restart too.
    expect((await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`)).count).toBe(CANCELLATIONS);

    const histories = await historiesText(client, `TaskQueue = '${taskQueue}'`);
    const leaks = [
      ...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, [token])),
      ...caughtErrors.flatMap((e, i) => findLeaks(`error ${i}`, errorText(e), [token])),
    ];
    expect(leaks).toEqual([]);
    reportFigures('server-restart', {
      cancellations: CANCELLATIONS,
      completed: results.length,
      lost: CANCELLATIONS - results.length,
      serverDownMs: downMs,
      workerSurvivedOutage: workerSurvived,
      workersStarted,
      postsPerCancellation: Math.max(...offers.map((o) => simulator!.postCount(PUBLISHER, o))),
      pollsBeforeOutage: pollsDuringOutageStart.reduce((a, b) => a + b, 0),
      pollsTotal: offers.reduce((n, o) => n + simulator!.pollCount(PUBLISHER, o), 0),
      leaksFound: leaks.length,
      elapsedMs: Date.now() - started,
    });
  }, 400_000);
});
