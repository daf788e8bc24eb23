/**
 * A worker started on a namespace that was never set up: before, it started, and every
 * cancellation's workflow task then failed in a loop (`BadSearchAttributes`). Now it stops at once
 * with one line naming what is missing and the command that creates it, and polls nothing. The
 * command, run as printed, sets the namespace up, and the same worker then finishes a cancellation
 * started the way the Temporal UI starts one (no search attributes given).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Long from 'long';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { WORKFLOW_TYPE } from '../src/contract';
import { JobSearchAttributeMissingError, startJobCancellation } from '../src/client/start-job-cancellation';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';
import { spawnWorker, waitUntilReady, workerBaseEnv, type WorkerProcess } from './helpers/observability';

const TOKEN = `ns-token-${randomUUID()}`;
let ctx: TemporalTestContext;
let simulator: RunningSimulator;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await simulator?.close();
  await ctx?.close();
});

/** A namespace of its own on the suite's dev server, registered as an operator would: no search attributes. */
async function freshNamespace(): Promise<string> {
  const namespace = `never-set-up-${randomUUID().slice(0, 8)}`;
  await ctx.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  return namespace;
}

function workerEnv(namespace: string, taskQueue: string, endpoint: string): Record<string, string> {
  return { ...workerBaseEnv(taskQueue, simulator.url, TOKEN), TEMPORAL_NAMESPACE: namespace, NEXUS_ENDPOINT: endpoint, LOG_FORMAT: 'json' };
}

async function pollers(namespace: string, taskQueue: string): Promise<number> {
  const answer = await ctx.connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return answer.pollers?.length ?? 0;
}

/** Runs a shell command line exactly as printed; its exit code and output. */
function runPrinted(commandLine: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', commandLine], { cwd: PROJECT_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

it('a namespace without the search attributes: the worker stops with one line and the command; run as printed, it sets the namespace up', async () => {
  const namespace = await freshNamespace();
  const taskQueue = uniqueTaskQueue('ns-check');
  const endpoint = `offer-cancellation-${randomUUID().slice(0, 8)}`;
  const refused = spawnWorker(workerEnv(namespace, taskQueue, endpoint));
  workers.push(refused);
  expect(await refused.exited).toBe(1);
  const stderr = refused.stderr().trim();
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).toContain(`namespace ${namespace} on ${inject('temporalAddress')} lacks the search attributes CppPublisherId, CppOfferId, CppCancelPhase, IngestionJobId: every cancellation would fail its workflow task`);
  expect(refused.stdout()).not.toContain('worker ready');
  // Nothing was started: no poller ever reached the task queue.
  expect(await pollers(namespace, taskQueue)).toBe(0);

  const command = /create them with ((?:[A-Z_]+=\S+ )+npm run setup)/.exec(stderr)?.[1];
  expect(command).toBe(`TEMPORAL_ADDRESS=${inject('temporalAddress')} TEMPORAL_NAMESPACE=${namespace} TEMPORAL_TASK_QUEUE=${taskQueue} NEXUS_ENDPOINT=${endpoint} npm run setup`);
  const setup = await runPrinted(command as string);
  expect(setup.output).toContain('search attributes on');
  expect(setup.output).toContain('added [CppPublisherId, CppOfferId, CppCancelPhase, IngestionJobId]');
  expect(setup.output).toContain(`Nexus endpoint ${endpoint}: created, routing to namespace ${namespace}, task queue ${taskQueue}`);
  expect(setup.code).toBe(0);

  const worker = spawnWorker(workerEnv(namespace, taskQueue, endpoint));
  workers.push(worker);
  await waitUntilReady(worker);
  // Started as the Temporal UI does: no search attributes given; the run labels itself.
  const client = new Client({ connection: ctx.connection, namespace });
  const handle = await client.workflow.start(WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `ns-check-${randomUUID()}`,
    args: [{ publisherId: 'contoso', offerId: `sync-${randomUUID().slice(0, 8)}`, notificationEmails: ['jondoe@contoso.com'] }],
  });
  expect(await handle.result()).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
  // Set up as printed, the worker has nothing to say about its namespace.
  expect(worker.lines.filter((l) => /namespace|Nexus endpoint/.test(l) && /"level":"WARN"/.test(l))).toEqual([]);
  expect(await worker.stop()).toBe(0);
}, 120_000);

it('a namespace set up before jobs existed (no IngestionJobId): the worker names that one; the typed job starter says what to run', async () => {
  const namespace = await freshNamespace();
  const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await ctx.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { CppPublisherId: KEYWORD, CppOfferId: KEYWORD, CppCancelPhase: KEYWORD } });
  const taskQueue = uniqueTaskQueue('ns-jobs');
  const refused = spawnWorker(workerEnv(namespace, taskQueue, `offer-cancellation-${randomUUID().slice(0, 8)}`));
  workers.push(refused);
  expect(await refused.exited).toBe(1);
  expect(refused.stderr()).toContain(`namespace ${namespace} on ${inject('temporalAddress')} lacks the search attribute IngestionJobId: every cancellation would fail its workflow task`);
  const client = new Client({ connection: ctx.connection, namespace });
  const err = await startJobCancellation(client, { jobId: randomUUID() }, { taskQueue }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(JobSearchAttributeMissingError);
  expect((err as Error).message).toBe(
    `namespace ${namespace} lacks the search attribute IngestionJobId, which labels every job cancellation: run \`npm run setup\` with this TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (docs/production.md)`,
  );
}, 60_000);

it('a namespace that does not exist: the worker stops with one line saying so, and the command it gives creates it', async () => {
  const namespace = `no-such-namespace-${randomUUID().slice(0, 8)}`;
  const taskQueue = uniqueTaskQueue('ns-check');
  const address = inject('temporalAddress');
  const worker = spawnWorker(workerEnv(namespace, taskQueue, 'offer-cancellation'));
  workers.push(worker);
  expect(await worker.exited).toBe(1);
  const create = `TEMPORAL_ADDRESS=${address} npm run temporal -- operator namespace create --namespace ${namespace}`;
  expect(worker.stderr().trim()).toBe(
    `namespace ${namespace} does not exist on ${address}: create it (${create}), then TEMPORAL_ADDRESS=${address} TEMPORAL_NAMESPACE=${namespace} TEMPORAL_TASK_QUEUE=${taskQueue} npm run setup; or set TEMPORAL_NAMESPACE to yours`,
  );
  expect(await pollers(namespace, taskQueue).catch(() => 0)).toBe(0);
  const created = await runPrinted(create);
  expect(created.code, created.output).toBe(0);
  await ctx.connection.workflowService.describeNamespace({ namespace });
}, 60_000);
