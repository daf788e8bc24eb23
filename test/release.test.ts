/**
 * A whole release at once (`cancelReleaseOffers`): one child cancellation per offer, at most
 * `maxConcurrent` at a time, duplicates attached to, fail-fast, cancellation, continue-as-new for
 * 1,000 offers, bad input refused in one message. Real dev server, worker and simulator.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultJobWorkflowId, defaultWorkflowId, jobIdSearchAttribute, RELEASE_WORKFLOW_TYPE, releaseProgressQuery, type CancelReleaseInput, type CompletionSignalPayload, type ReleaseCompletionPayload, type ReleaseJobRow, type ReleaseOffer, type ReleaseOfferRow, type ReleaseRow } from '../src/contract';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { InvalidReleaseInputError, startReleaseCancellation } from '../src/client/start-release-cancellation';
import { startJobCancellation } from '../src/client/start-job-cancellation';
import { startTestStack, type TestStack } from './helpers/stack';
import { runStarterCli } from './helpers/starter-cli';

/** The rows of CPP offers. */
const offerRows = (rows: ReleaseRow[]): ReleaseOfferRow[] => rows.filter((row): row is ReleaseOfferRow => 'offerId' in row);

const PUBLISHER = 'contoso';
const FAST = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 };
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'release' });
});
afterAll(async () => {
  await stack?.stop();
});

/** Offers named after their scenario, each set in the simulator. */
function offers(scenarios: Record<string, OfferScenario>): ReleaseOffer[] {
  return Object.entries(scenarios).map(([name, scenario]) => {
    const offerId = stack.offerId(name);
    stack.simulator.setScenario(PUBLISHER, offerId, scenario);
    return { publisherId: PUBLISHER, offerId };
  });
}

function release(list: CancelReleaseInput['offers'], extra: Partial<CancelReleaseInput> = {}): CancelReleaseInput {
  return { releaseId: `r-${randomUUID().slice(0, 8)}`, offers: list, notificationEmails: ['jondoe@contoso.com'], polling: FAST, ...extra };
}

describe('cancelReleaseOffers', () => {
  it('mixed outcomes, at most maxConcurrent at a time, a duplicate attached to; the result lists every offer; callers are told', async () => {
    const list = offers({
      sync: { cancel: { mode: 'synchronous' } },
      async: { cancel: { mode: 'accepted', completeAfterPolls: 3 } },
      refused: { cancel: { mode: 'error', status: 400 } },
      missing: { cancel: { mode: 'error', status: 404 } },
      opfailed: { cancel: { mode: 'accepted', completeAfterPolls: 2, outcome: 'failed', error: 'could not stop' } },
      slow: { cancel: { mode: 'accepted', completeAfterPolls: 8 } },
    });
    // One offer is being cancelled already, on its own: the batch attaches to that run.
    const running = await startOfferCancellation(stack.client, { ...list[5]!, notificationEmails: ['jondoe@contoso.com'], polling: FAST }, { taskQueue: stack.taskQueue });
    const listener = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${randomUUID()}`, args: [] });

    const handle = await startReleaseCancellation(stack.client, release(list, { maxConcurrent: 2, notify: [{ workflowId: listener.workflowId }] }), { taskQueue: stack.taskQueue });
    let mostRunning = 0;
    let ended = false;
    const result = handle.result().finally(() => (ended = true));
    while (!ended) {
      const progress = await handle.query(releaseProgressQuery).catch(() => undefined);
      if (progress) mostRunning = Math.max(mostRunning, progress.counts.running);
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await result;
    expect(mostRunning).toBeGreaterThanOrEqual(1);
    expect(mostRunning).toBeLessThanOrEqual(2);
    expect(r.outcome).toBe('failed');
    expect(r.counts).toMatchObject({ succeeded: 3, failed: 3, pending: 0, running: 0 });
    const byOffer = Object.fromEntries(offerRows(r.offers).map((row) => [row.offerId, row]));
    expect(byOffer[list[0]!.offerId]).toMatchObject({ phase: 'succeeded', mode: 'synchronous', workflowId: defaultWorkflowId(PUBLISHER, list[0]!.offerId) });
    expect(byOffer[list[1]!.offerId]).toMatchObject({ phase: 'succeeded', mode: 'asynchronous' });
    expect(byOffer[list[2]!.offerId]).toMatchObject({ phase: 'failed', failure: { type: 'CppBadRequest', httpStatus: 400 } });
    expect(byOffer[list[3]!.offerId]).toMatchObject({ phase: 'failed', failure: { type: 'CppNotFound' } });
    expect(byOffer[list[4]!.offerId]).toMatchObject({ phase: 'failed', failure: { type: 'CancelOperationFailed' } });
    expect(byOffer[list[5]!.offerId]).toMatchObject({ phase: 'succeeded', attached: true });
    // Attached, not cancelled twice: one POST for that offer.
    expect(stack.simulator.requests({ offerId: list[5]!.offerId, endpoint: 'cancel' })).toHaveLength(1);
    expect((await running.result()).outcome).toBe('succeeded');

    const told = (await listener.result()) as unknown as ReleaseCompletionPayload;
    expect(told).toMatchObject({ workflowId: handle.workflowId, outcome: 'failed' });
    expect(told.result?.offers).toHaveLength(6);
    const progress = await handle.query(releaseProgressQuery);
    expect(progress.summary).toBe('failed · 6 of 6 done · 3 succeeded · 3 failed');
    // The UI's static summaries: the batch's, and each child's as on every start path.
    expect(await (await handle.describe()).staticSummary()).toMatch(/^Cancel operations on 6 offers of release r-/);
    expect(await (await stack.client.workflow.getHandle(defaultWorkflowId(PUBLISHER, list[0]!.offerId)).describe()).staticSummary()).toBe(`Cancel operation on ${PUBLISHER}/${list[0]!.offerId}`);
  }, 120_000);

  it('failFast: the first failure cancels the children running and skips the rest', async () => {
    const list = offers({
      refused: { cancel: { mode: 'error', status: 400 } },
      long1: { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } },
      long2: { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } },
      later1: { cancel: { mode: 'synchronous' } },
      later2: { cancel: { mode: 'synchronous' } },
    });
    const handle = await startReleaseCancellation(stack.client, release(list, { maxConcurrent: 3, failFast: true }), { taskQueue: stack.taskQueue });
    const r = await handle.result();
    expect(r.outcome).toBe('failed');
    const phases = Object.fromEntries(offerRows(r.offers).map((row): [string, string] => [row.offerId.split('-')[0] ?? '', row.phase]));
    expect(phases).toMatchObject({ refused: 'failed', long1: 'workflowCanceled', long2: 'workflowCanceled', later1: 'skipped', later2: 'skipped' });
    for (const o of list.slice(1, 3)) expect((await stack.client.workflow.getHandle(defaultWorkflowId(PUBLISHER, o.offerId)).describe()).status.name).toBe('CANCELLED');
    expect(stack.simulator.requests({ offerId: list[3]!.offerId, endpoint: 'cancel' })).toHaveLength(0);
  }, 60_000);

  it('cancelling the batch cancels its children; callers hear workflowCanceled', async () => {
    const list = offers({ long1: { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } }, long2: { cancel: { mode: 'accepted', completeAfterPolls: 10_000 } } });
    const listener = await stack.client.workflow.start('completionListener', { taskQueue: stack.taskQueue, workflowId: `listener-${randomUUID()}`, args: [] });
    const handle = await startReleaseCancellation(stack.client, release(list, { notify: [{ workflowId: listener.workflowId }] }), { taskQueue: stack.taskQueue });
    for (let i = 0; i < 100 && (await handle.query(releaseProgressQuery)).counts.running < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    for (const o of list) expect((await stack.client.workflow.getHandle(defaultWorkflowId(PUBLISHER, o.offerId)).describe()).status.name).toBe('CANCELLED');
    expect(((await listener.result()) as unknown as CompletionSignalPayload).outcome).toBe('workflowCanceled');
  }, 60_000);

  it('bad input is refused with one message naming every problem, by the starter and by the workflow', async () => {
    const dup = { publisherId: PUBLISHER, offerId: 'same' };
    const bad = { releaseId: 'r/1', offers: [dup, { publisherId: '', offerId: 'x' }, dup], notificationEmails: ['nope'], maxConcurrent: 0 } as unknown as CancelReleaseInput;
    const refused = await startReleaseCancellation(stack.client, bad, { taskQueue: stack.taskQueue }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidReleaseInputError);
    const { problems } = refused as InvalidReleaseInputError;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^releaseId: must not contain "\/"/),
        expect.stringMatching(/^offers\.1\.publisherId: must not be empty/),
        expect.stringMatching(/^offers\.2: repeats offers\.0 \(contoso\/same\)/),
        expect.stringMatching(/^notificationEmails\.0: must be an e-mail address/),
        expect.stringMatching(/^maxConcurrent: must be at least 1/),
      ]),
    );
    const empty = await startReleaseCancellation(stack.client, { offers: [], notificationEmails: ['a@b.co'] }).catch((e: unknown) => e);
    expect((empty as InvalidReleaseInputError).problems).toEqual(['offers: must name at least one offer']);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ publisherId: PUBLISHER, offerId: `o${i}` }));
    const over = await startReleaseCancellation(stack.client, { offers: tooMany, notificationEmails: ['a@b.co'] }).catch((e: unknown) => e);
    expect((over as InvalidReleaseInputError).problems).toEqual(['offers: must name at most 1000 offers; split the release into batches']);

    // Started untyped (as from the UI): the workflow refuses it the same way, as a typed failure.
    const handle = await stack.client.workflow.start(RELEASE_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: `bad-release-${randomUUID()}`, args: [bad] });
    const failed: unknown = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toContain('offers.2: repeats offers.0');
    expect(cause.message).toContain('maxConcurrent: must be at least 1');
  });

  it('the CLI: --offers offers.json --wait prints each offer\'s outcome, exits 1 when one failed; a bad file exits 2 naming the problems', async () => {
    const list = offers({ sync: { cancel: { mode: 'synchronous' } }, refused: { cancel: { mode: 'error', status: 400 } } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'release-cli-'));
    const good = path.join(dir, 'offers.json');
    await writeFile(good, JSON.stringify(list));
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify([list[0], list[0], { publisherId: 'contoso' }]));
    const run = (file: string) =>
      runStarterCli(['--offers', file, '--email', 'jondoe@contoso.com', '--task-queue', stack.taskQueue, '--max-concurrent', '2', '--poll-initial', '0.2', '--poll-max', '0.2', '--wait']);
    try {
      const ok = await run(good);
      expect(ok.stdout, ok.stderr).toMatch(/^release batch cpp-cancel-release\/\S+ \(2 offers\) on /m);
      expect(ok.stdout).toContain(`contoso/${list[0]!.offerId}: succeeded (synchronous)`);
      expect(ok.stdout).toMatch(new RegExp(`contoso/${list[1]!.offerId}: failed CppBadRequest: `));
      expect(ok.stdout).toMatch(/^failed: 1 of 2 offers cancelled$/m);
      expect(ok.code).toBe(1);

      const refused = await run(bad);
      expect(refused.stderr).toMatch(/offers\.1: repeats offers\.0/);
      expect(refused.stderr).toMatch(/offers\.2\.offerId: /);
      expect(refused.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a release mixing CPP offers and Product Ingestion jobs: a child of its own kind per row, a running job attached to, the CLI file takes both', async () => {
    const [syncOffer, asyncOffer] = offers({ sync: { cancel: { mode: 'synchronous' } }, async: { cancel: { mode: 'accepted', completeAfterPolls: 2 } } });
    const [atOnce, accepted, refused, running] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    stack.simulator.setJobScenario(atOnce, { cancel: { mode: 'immediate' } });
    stack.simulator.setJobScenario(accepted, { cancel: { mode: 'accepted', completesAfterPolls: 2 } });
    stack.simulator.setJobScenario(refused, { cancel: { mode: 'refused' } });
    stack.simulator.setJobScenario(running, { cancel: { mode: 'accepted', completesAfterPolls: 6 } });
    // One job is being cancelled already, on its own: the batch attaches to that run, sending nothing.
    const already = await startJobCancellation(stack.client, { jobId: running, polling: FAST }, { taskQueue: stack.taskQueue });
    const rows = [syncOffer!, { jobId: atOnce.toUpperCase() }, asyncOffer!, { jobId: accepted }, { jobId: refused }, { jobId: running }];
    const handle = await startReleaseCancellation(stack.client, release(rows), { taskQueue: stack.taskQueue });
    const r = await handle.result();
    expect(r.counts).toMatchObject({ succeeded: 5, failed: 1 });
    const byJob = Object.fromEntries(r.offers.filter((row): row is ReleaseJobRow => 'jobId' in row).map((row) => [row.jobId, row]));
    expect(byJob[atOnce]).toMatchObject({ phase: 'succeeded', mode: 'synchronous', workflowId: defaultJobWorkflowId(atOnce) });
    expect(byJob[accepted]).toMatchObject({ phase: 'succeeded', mode: 'asynchronous' });
    expect(byJob[refused]).toMatchObject({ phase: 'failed', failure: { type: 'JobCancelRefused', httpStatus: 400 } });
    expect(byJob[running]).toMatchObject({ phase: 'succeeded', attached: true, workflowId: already.workflowId });
    expect(offerRows(r.offers).map((row) => row.phase)).toEqual(['succeeded', 'succeeded']);
    // One cancel POST per job, the attached one's included.
    for (const jobId of [atOnce, accepted, refused, running]) expect(stack.simulator.requests({ jobId, endpoint: 'jobCancel' }), jobId).toHaveLength(1);
    // The batch's child, started with no search attribute, labelled itself.
    const child = await stack.client.workflow.getHandle(defaultJobWorkflowId(atOnce)).describe();
    expect([child.type, child.typedSearchAttributes.get(jobIdSearchAttribute)]).toEqual(['cancelIngestionJob', atOnce]);

    // Jobs only: no e-mail needed, from the CLI's file.
    const onlyJob = randomUUID();
    stack.simulator.setJobScenario(onlyJob, { cancel: { mode: 'immediate' } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'release-jobs-'));
    try {
      const file = path.join(dir, 'jobs.json');
      await writeFile(file, JSON.stringify([{ jobId: onlyJob }]));
      const cli = await runStarterCli(['--offers', file, '--task-queue', stack.taskQueue, '--poll-initial', '0.2', '--poll-max', '0.2', '--wait']);
      expect(cli.stdout, cli.stderr).toMatch(/^release batch cpp-cancel-release\/\S+ \(1 job\) on /m);
      expect(cli.stdout).toContain(`job ${onlyJob}: succeeded (synchronous)`);
      expect(cli.stdout).toMatch(/^succeeded: 1 of 1 job cancelled$/m);
      expect(cli.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('1,000 offers: continues as new to stay within history limits; every offer in the result', async () => {
    stack.simulator.setDefaultScenario({ cancel: { mode: 'synchronous' } });
    const prefix = stack.offerId('bulk');
    const list = Array.from({ length: 1000 }, (_, i) => ({ publisherId: PUBLISHER, offerId: `${prefix}-${i}` }));
    const handle = await startReleaseCancellation(stack.client, release(list, { maxConcurrent: 50 }), { taskQueue: stack.taskQueue });
    const r = await handle.result();
    expect(r.counts.succeeded).toBe(1000);
    expect(new Set(offerRows(r.offers).map((o) => o.offerId)).size).toBe(1000);
    const runs: number[] = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
      runs.push(((await stack.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events ?? []).length);
    }
    expect(runs.length).toBeGreaterThanOrEqual(4);
    // Each run well within the history limit; per offer, a handful of events.
    expect(Math.max(...runs)).toBeLessThan(4096);
    console.log(`1,000 offers: ${runs.length} runs, ${runs.reduce((a, b) => a + b, 0)} history events in all (${(runs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} per offer), most in one run ${Math.max(...runs)}`);
  }, 300_000);
});
