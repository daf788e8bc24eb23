/**
 * Secrets: an Entra-configured worker process (fake client secret, unreachable authority) must keep
 * the secret out of its logs, of the failures it produces and of histories; and a scan of EVERY
 * history in the namespace finds none of the suite's secrets, and nothing shaped like a token (a
 * signed JWT) or a private key (SECRET_PATTERNS). Every reliability file also scans its own
 * histories, worker logs and caught errors for its token, and the whole namespace at its end, so
 * the file that finishes last has scanned everything the run produced; test/entra-signin.test.ts,
 * whose fake authority issues real tokens, marks itself so that this scan waits for it too.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FailureType, WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult, type FailureInfo } from '../../src/contract';
import { CANCELLATIONS_METRIC, CPP_REQUESTS_METRIC } from '../../src/workflow-safe/metric-names';
import type { Fault, OfferScenario } from '../../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { freePort } from '../../temporal-cli/dev-server';
import {
  errorText,
  findLeaks,
  historiesText,
  makeSecret,
  markFile,
  reportFigures,
  scanNamespaceForSecrets,
  SECRET_PATTERNS,
  size,
  spawnWorkerProcess,
  waitFor,
  waitForStartedFiles,
  withTimeout,
  type WorkerProcess,
} from '../helpers/reliability';
import { parsePrometheus, sumOf } from '../helpers/observability';
import { uniqueTaskQueue } from '../helpers/temporal';

const clientSecret = makeSecret('client-secret');
/** The static token of the worker whose CPP server echoes it back. */
const echoedToken = makeSecret('echoed-token');
let simulator: RunningSimulator;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'secrets', 'started');
  simulator = await startSimulator({ tokens: [makeSecret('unused-token'), echoedToken] });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(5_000)));
  await simulator?.close();
  await connection?.close();
});

afterAll(() => {
  markFile(inject('temporalAddress'), 'secrets', 'done');
});

describe('secrets', () => {
  function entraWorker(scheme: 'http' | 'https', closedPort: number, taskQueue: string): WorkerProcess {
    const worker = spawnWorkerProcess({
      name: `entra-${scheme}`,
      taskQueue,
      cppBaseUrl: simulator.url,
      env: {
        AZURE_TENANT_ID: randomUUID(),
        AZURE_CLIENT_ID: randomUUID(),
        AZURE_CLIENT_SECRET: clientSecret,
        AZURE_AUTHORITY_HOST: `${scheme}://127.0.0.1:${closedPort}`,
      },
    });
    workers.push(worker);
    return worker;
  }

  it('an Entra worker with an http authority refuses to start, in one line without the secret', async () => {
    const worker = entraWorker('http', await freePort(), uniqueTaskQueue('entra-http'));
    const exit = await withTimeout(worker.exited, 60_000, 'Entra worker exit');
    expect(exit.code).toBe(1);
    expect(worker.lines.join('\n')).toContain("must use the 'https' protocol");
    const leaks = findLeaks(`log of ${worker.name}`, worker.lines.join('\n'), [clientSecret, ...SECRET_PATTERNS]);
    expect(leaks).toEqual([]);
    reportFigures('secrets-entra-http', { exitCode: exit.code, workerLogLines: worker.lines.length, leaksFound: leaks.length });
  }, 90_000);

  it('an Entra worker with a fake client secret and an unreachable https authority leaks the secret nowhere', async () => {
    const taskQueue = uniqueTaskQueue('entra-https');
    const worker = entraWorker('https', await freePort(), taskQueue);
    await withTimeout(worker.ready, 60_000, 'Entra worker start');
    const offerId = `entra-${randomUUID().slice(0, 8)}`;
    const input: CancelOfferInput = { publisherId: 'entra', offerId, notificationEmails: ['ops@contoso.com'], polling: { timeoutSeconds: 20 } };
    const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `entra-${offerId}`, args: [input] });
    const err: unknown = await withTimeout(handle.result(), 90_000, 'Entra cancellation').then(
      () => undefined,
      (e: unknown) => e,
    );
    // No token, so no request: the deadline ends it (20 s: at least one ~5 s attempt has failed by then), and the chain says why.
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe(FailureType.PollingDeadlineExceeded);
    expect(errorText(err)).toContain('Could not get a CPP token');
    // The workflow failure names what kept the POST from succeeding: usually the token error itself;
    // on a loaded machine the deadline may instead catch an attempt still waiting for its token.
    expect(failure.message).toMatch(/[:;] last error (CppAuthenticationError: Could not get a CPP token|Timeout: activity \w+ timeout)/);
    expect(simulator.requests({ offerId })).toEqual([]);
    const description = await handle.describe();
    await worker.stop(5_000);

    const histories = await historiesText(client, `TaskQueue = '${taskQueue}'`);
    const needles = [clientSecret, ...SECRET_PATTERNS];
    const leaks = [
      ...findLeaks('failure', errorText(err), needles),
      ...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, needles)),
      ...findLeaks(`log of ${worker.name}`, worker.lines.join('\n'), needles),
      ...findLeaks('describe', errorText(description.raw), needles),
    ];
    expect(leaks).toEqual([]);
    reportFigures('secrets-entra-https', {
      failure: failure.type,
      activityError: errorText(err).match(/Could not get a CPP token[^\n']*/)?.[0]?.slice(0, 200),
      workerLogLines: worker.lines.length,
      blockedNonLoopbackConnections: worker.blockedConnections(),
      historiesScanned: histories.length,
      leaksFound: leaks.length,
    });
  }, 120_000);

  it('a worker process whose CPP server echoes its token (error bodies, Location, headers) keeps it out of histories, failures, logs and /metrics', async () => {
    const taskQueue = uniqueTaskQueue('echo');
    const metricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
    const worker = spawnWorkerProcess({
      name: 'echo',
      taskQueue,
      cppBaseUrl: simulator.url,
      accessToken: echoedToken,
      env: { METRICS_ADDRESS: new URL(metricsUrl).host },
    });
    workers.push(worker);
    await withTimeout(worker.ready, 60_000, 'echo worker start');
    const echo = (where: 'body' | 'header' | 'location', status?: number): Fault => ({ kind: 'echoToken', where, ...(status !== undefined ? { status } : {}) });
    // Each run ends as the same answer without the echo would.
    const runs: { name: string; scenario: OfferScenario; outcome: string; requests: string[] }[] = [
      {
        name: 'body-400',
        scenario: { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('body', 400) }] },
        outcome: `failed ${FailureType.CppBadRequest} HTTP 400`,
        requests: ['cancel:400'],
      },
      {
        name: 'body-503',
        scenario: { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('body', 503) }] },
        outcome: 'succeeded synchronous 0 polls',
        requests: ['cancel:503', 'list:200', 'cancel:200'],
      },
      {
        name: 'location-202',
        scenario: { cancel: { mode: 'accepted', completeAfterPolls: 2 }, faults: [{ on: 'cancel', fault: echo('location') }] },
        outcome: 'succeeded asynchronous 2 polls',
        requests: ['cancel:202', 'poll:200', 'poll:200'],
      },
      {
        name: 'header-202',
        scenario: {
          cancel: { mode: 'accepted', completeAfterPolls: 2 },
          faults: [
            { on: 'cancel', fault: echo('header') },
            { on: 'poll', fault: echo('header'), times: 2 },
          ],
        },
        outcome: 'succeeded asynchronous 2 polls',
        requests: ['cancel:202', 'poll:200', 'poll:200'],
      },
      {
        name: 'header-401',
        scenario: { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: echo('header', 401) }] },
        outcome: `failed ${FailureType.CppUnauthorized} HTTP 401`,
        requests: ['cancel:401'],
      },
    ];
    const errors: unknown[] = [];
    const ended = await Promise.all(
      runs.map(async (run) => {
        const offerId = `echo-${run.name}-${randomUUID().slice(0, 8)}`;
        simulator.setScenario('echo', offerId, run.scenario);
        const input: CancelOfferInput = { publisherId: 'echo', offerId, notificationEmails: ['ops@contoso.com'], polling: { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.5 } };
        const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `echo-${offerId}`, args: [input] });
        const outcome = await withTimeout(handle.result() as Promise<CancelOfferResult>, 60_000, `echo run ${run.name}`).then(
          (result) => `succeeded ${result.mode} ${result.polls} polls`,
          (err: unknown) => {
            errors.push(err);
            const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
            return `failed ${failure.type} HTTP ${(failure.details?.[0] as FailureInfo | undefined)?.httpStatus}`;
          },
        );
        return { outcome, requests: simulator.requests({ offerId }).map((r) => `${r.endpoint}:${r.answered}`) };
      }),
    );
    expect(ended).toEqual(runs.map(({ outcome, requests }) => ({ outcome, requests })));
    expect(errors.every((e) => e instanceof WorkflowFailedError)).toBe(true);

    // The worker's own figures of these runs, scraped once they are all counted.
    const metrics = await waitFor(
      'the echo runs counted on /metrics',
      async () => {
        const text = await (await fetch(metricsUrl)).text();
        return sumOf(parsePrometheus(text), CANCELLATIONS_METRIC, { taskQueue }) >= runs.length && text;
      },
      15_000,
      200,
    );
    const samples = parsePrometheus(metrics);
    expect(sumOf(samples, CANCELLATIONS_METRIC, { taskQueue })).toBe(runs.length);
    expect(sumOf(samples, CPP_REQUESTS_METRIC, { taskQueue, endpoint: 'cancel', status: '503' })).toBe(1);
    expect(sumOf(samples, CPP_REQUESTS_METRIC, { taskQueue, endpoint: 'cancel', status: '401' })).toBe(1);
    await worker.stop(5_000);

    const histories = await historiesText(client, `TaskQueue = '${taskQueue}'`);
    expect(histories).toHaveLength(runs.length);
    const log = worker.lines.join('\n');
    const needles = [echoedToken, ...SECRET_PATTERNS];
    const leaks = [
      ...errors.flatMap((e, i) => findLeaks(`failure ${i}`, errorText(e), needles)),
      ...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, needles)),
      ...findLeaks(`log of ${worker.name}`, log, needles),
      ...findLeaks('/metrics', metrics, needles),
    ];
    expect(leaks).toEqual([]);
    // The echoes passed through where the token would have shown: redacted in the failures, in the
    // histories (the 400's failure, the 503's failed first try), in the worker's log.
    const redactedEcho = 'The request with Authorization: Bearer [REDACTED] failed (access token: [REDACTED]).';
    expect(errorText(errors)).toContain(redactedEcho);
    expect(histories.filter((h) => h.text.includes(redactedEcho))).toHaveLength(2);
    expect(log).toContain('HTTP 400 BadRequest');
    expect(JSON.stringify(simulator.requests({ publisherId: 'echo' }))).not.toContain(echoedToken);
    reportFigures('secrets-echoed-token', {
      runs: ended.map((e, i) => `${runs[i]?.name}: ${e.outcome}`),
      historiesScanned: histories.length,
      failuresScanned: errors.length,
      workerLogLines: worker.lines.length,
      metricsBytes: metrics.length,
      leaksFound: leaks.length,
    });
  }, 120_000);

  it("no history in the namespace contains any of the suite's secrets", async () => {
    const started = Date.now();
    // A history of its own (its input's e-mail only in a payload), so the scan has one to read and decode whatever ran before.
    const own = await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: uniqueTaskQueue('scan-own'),
      workflowId: `scan-own-${randomUUID()}`,
      args: [{ publisherId: 'scan', offerId: 'scan-own', notificationEmails: ['ops@contoso.com'] } satisfies CancelOfferInput],
    });
    await own.terminate('the namespace scan needs a history, not a run');
    await waitFor('the scan\'s own history listed', async () => (await client.workflow.count(`WorkflowId = '${own.workflowId}'`)).count === 1, 30_000);
    // Scan last: wait for the reliability files running in parallel (bounded; any left are reported).
    const stillRunning = await waitForStartedFiles(inject('temporalAddress'), 'secrets', size(300_000, 1_200_000));
    const { historiesScanned, withDecodedPayloads, leaks } = await scanNamespaceForSecrets(client, [clientSecret]);
    expect(leaks).toEqual([]);
    expect(historiesScanned).toBeGreaterThanOrEqual(1);
    expect(withDecodedPayloads).toBeGreaterThanOrEqual(1);
    reportFigures('secrets-namespace-scan', { stillRunning, historiesScanned, withDecodedPayloads, leaksFound: leaks.length, elapsedMs: Date.now() - started });
  }, 1_800_000);
});
