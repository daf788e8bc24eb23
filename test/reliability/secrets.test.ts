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
import { FailureType, WORKFLOW_TYPE, type CancelOfferInput } from '../../src/contract';
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
  waitForStartedFiles,
  withTimeout,
  type WorkerProcess,
} from '../helpers/reliability';
import { uniqueTaskQueue } from '../helpers/temporal';

const clientSecret = makeSecret('client-secret');
let simulator: RunningSimulator;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
/** The https Entra run's failure, for the deadline-message check. */

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'secrets', 'started');
  simulator = await startSimulator({ tokens: [makeSecret('unused-token')] });
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

  it("no history in the namespace contains any of the suite's secrets", async () => {
    const started = Date.now();
    // Scan last: wait for the reliability files running in parallel (bounded; any left are reported).
    const stillRunning = await waitForStartedFiles(inject('temporalAddress'), 'secrets', size(300_000, 1_200_000));
    const { historiesScanned, withDecodedPayloads, leaks } = await scanNamespaceForSecrets(client, [clientSecret]);
    expect(leaks).toEqual([]);
    expect(historiesScanned).toBeGreaterThan(0);
    reportFigures('secrets-namespace-scan', { stillRunning, historiesScanned, withDecodedPayloads, leaksFound: leaks.length, elapsedMs: Date.now() - started });
  }, 1_800_000);
});
