/**
 * Worker Deployment Versioning (src/worker-process/versioning.ts, src/workflows/versioning.ts) on the
 * real dev server, with the worker process as operators run it: a versioned worker names its version
 * (the bundle's hash unless TEMPORAL_WORKER_BUILD_ID says otherwise), runs are PINNED to it, and a
 * polling run moves to the new Current version at its next poll by continuing as new — one POST in
 * all. The deploy under load, the ramp and the rollback are the cluster's upgrade drill (docs/cluster.md).
 */
import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { ConfigError } from '../src/client/temporal-config';
import { progressQuery } from '../src/contract';
import { loadWorkerConfig } from '../src/worker-process/config';
import { versionRouting } from '../src/worker-process/version-routing';
import { resolveTemporalCli } from '../temporal-cli/resolve';
import { spawnWorker, waitUntilReady, workerBaseEnv, type WorkerProcess } from './helpers/observability';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';

const PUBLISHER = 'contoso';
const TOKEN = `versioning-token-${randomUUID()}`;
const { VersioningBehavior } = temporal.api.enums.v1;

let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let cli: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
  const resolved = await resolveTemporalCli({ allowPipInstall: false, allowSdkDownload: false });
  if (resolved.kind !== 'path') throw new Error('the Temporal CLI is needed (npm run temporal:resolve)');
  cli = resolved.path;
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM', 20_000)));
  await simulator?.close();
  await ctx?.close();
});

/** `temporal worker deployment …` against the test server, as docs/operations.md prints it. */
async function deployment(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(cli, ['worker', 'deployment', ...args, '--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace')]);
  return stdout;
}

/** Makes a version Current once the server has seen its worker poll (a new version is known only then). */
async function setCurrent(deploymentName: string, buildId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await deployment('set-current-version', '--deployment-name', deploymentName, '--build-id', buildId, '--yes');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The worker process of one version, ready (polling); returns its `worker ready` line's `versioning`. */
async function startVersion(taskQueue: string, deploymentName: string, buildId?: string): Promise<string> {
  const worker = spawnWorker({
    ...workerBaseEnv(taskQueue, simulator.url, TOKEN),
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    TEMPORAL_DEPLOYMENT_NAME: deploymentName,
    ...(buildId ? { TEMPORAL_WORKER_BUILD_ID: buildId } : {}),
  });
  workers.push(worker);
  return String((await waitUntilReady(worker)).versioning);
}

/** The version a run is pinned to, and its behaviour, from DescribeWorkflowExecution. */
async function versionOf(workflowId: string, runId?: string): Promise<{ buildId?: string; behavior?: number }> {
  const { raw } = await ctx.client.workflow.getHandle(workflowId, runId).describe();
  const info = raw.workflowExtendedInfo ? raw.workflowExecutionInfo?.versioningInfo : undefined;
  return { buildId: info?.deploymentVersion?.buildId ?? undefined, behavior: info?.behavior ?? undefined };
}

describe('configuration', () => {
  const base = { CPP_ACCESS_TOKEN: 'x', TEMPORAL_ADDRESS: 'localhost:7233' };

  it('is off without TEMPORAL_DEPLOYMENT_NAME, on with it; the build id is optional', () => {
    expect(loadWorkerConfig(base).versioning).toBeUndefined();
    expect(loadWorkerConfig({ ...base, TEMPORAL_DEPLOYMENT_NAME: 'cpp' }).versioning).toEqual({ deploymentName: 'cpp' });
    expect(loadWorkerConfig({ ...base, TEMPORAL_DEPLOYMENT_NAME: 'cpp', TEMPORAL_WORKER_BUILD_ID: '2026-12-04.1' }).versioning).toEqual({ deploymentName: 'cpp', buildId: '2026-12-04.1' });
  });

  it('refuses a build id without a deployment name, and names the server refuses, one line each', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadWorkerConfig({ ...base, ...env });
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };
    expect(problems({ TEMPORAL_WORKER_BUILD_ID: 'b1' })).toEqual(['TEMPORAL_WORKER_BUILD_ID: set TEMPORAL_DEPLOYMENT_NAME too (versioning needs both; the build id alone does nothing)']);
    expect(problems({ TEMPORAL_DEPLOYMENT_NAME: 'cpp.prod', TEMPORAL_WORKER_BUILD_ID: '__b' })).toEqual([
      expect.stringMatching(/^TEMPORAL_DEPLOYMENT_NAME: must be 1-127 characters without "\.", ":"/),
      expect.stringMatching(/^TEMPORAL_WORKER_BUILD_ID: must be 1-127 characters without spaces, not starting with "__"/),
    ]);
  });
});

describe('a versioned worker on the dev server', () => {
  it('pins runs to their version; a polling run moves to the new Current version by continuing as new, with one POST', async () => {
    const taskQueue = uniqueTaskQueue('versioning');
    const deploymentName = `cpp-${randomUUID().slice(0, 8)}`;
    const bundleHash = createHash('sha256').update(readFileSync(inject('workflowBundlePath'))).digest('hex').slice(0, 12);
    const [a, b] = await Promise.all([startVersion(taskQueue, deploymentName), startVersion(taskQueue, deploymentName, 'b-explicit')]);
    // Without a build id, the bundle's hash names the version.
    expect(a).toBe(`${deploymentName}:bundle-${bundleHash}, workflows pinned, upgrade on continue-as-new`);
    expect(b).toBe(`${deploymentName}:b-explicit, workflows pinned, upgrade on continue-as-new`);
    await setCurrent(deploymentName, `bundle-${bundleHash}`);

    const offerId = `versioned-${randomUUID().slice(0, 8)}`;
    simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterMs: 8_000, steps: 0 } });
    const handle = await startOfferCancellation(
      ctx.client,
      { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 0.5, maxIntervalSeconds: 0.5, maxPollsPerRun: 1000 } },
      { taskQueue },
    );
    const firstRunId = (await handle.describe()).runId;
    const deadline = Date.now() + 15_000;
    while ((await handle.query(progressQuery)).polls < 2) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await versionOf(handle.workflowId, firstRunId)).toEqual({ buildId: `bundle-${bundleHash}`, behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED });

    await setCurrent(deploymentName, 'b-explicit');
    const result = (await handle.result());
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous' });

    // The first run ended by continuing as new onto the target; the run that finished is pinned to B.
    const firstEvents = (await ctx.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory()).events ?? [];
    const last = firstEvents[firstEvents.length - 1];
    expect(last?.eventType).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    expect(await versionOf(handle.workflowId)).toEqual({ buildId: 'b-explicit', behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED });
    expect(simulator.requests({ publisherId: PUBLISHER, offerId, endpoint: 'cancel' })).toHaveLength(1);

    // What each worker says of its version a few seconds after it starts (src/worker-process/version-routing.ts).
    const target = { namespace: ctx.namespace, deploymentName };
    expect(await versionRouting(ctx.nativeConnection, { ...target, buildId: 'b-explicit' })).toEqual({ role: 'current' });
    expect(await versionRouting(ctx.nativeConnection, { ...target, buildId: `bundle-${bundleHash}` })).toEqual({ role: 'none' });
    expect(await versionRouting(ctx.nativeConnection, { ...target, deploymentName: 'no-such-deployment', buildId: 'x' })).toEqual({ role: 'none' });

    // A new start goes to the Current version.
    const next = `versioned-next-${randomUUID().slice(0, 8)}`;
    simulator.setScenario(PUBLISHER, next, { cancel: { mode: 'synchronous' } });
    const nextHandle = await startOfferCancellation(ctx.client, { publisherId: PUBLISHER, offerId: next, notificationEmails: ['jondoe@contoso.com'] }, { taskQueue });
    await nextHandle.result();
    expect((await versionOf(nextHandle.workflowId)).buildId).toBe('b-explicit');
  }, 120_000);
});
