/**
 * The CPP answer in one round trip: `startOfferCancellation(…, { waitFor: 'accepted' })` starts (or
 * attaches to) a cancellation and returns when CPP has answered the POST, by Update-with-Start.
 * Real dev server, real worker, the simulator over HTTP, the CLI as a child process.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cppAnswerUpdate, FailureType, type CancelOfferInput, type FailureInfo } from '../src/contract';
import type { OfferScenario } from '../simulator/scenario';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startTestStack, type TestStack } from './helpers/stack';
import { runStarterCli } from './helpers/starter-cli';
import { withoutWorkflowTasks } from './helpers/workflow-assertions';

const PUBLISHER = 'contoso';
const FAST = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.2 };
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'update-with-start' });
});
afterAll(async () => {
  await stack?.stop();
});

function input(offerId: string, extra: Partial<CancelOfferInput> = {}): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST, ...extra };
}

async function acceptedFor(offerId: string, scenario: OfferScenario) {
  stack.simulator.setScenario(PUBLISHER, offerId, scenario);
  return startOfferCancellation(stack.client, input(offerId), { taskQueue: stack.taskQueue, waitFor: 'accepted' });
}

const updateEvents = (events: temporal.api.history.v1.IHistoryEvent[]) =>
  events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes || e.workflowExecutionUpdateAdmittedEventAttributes);

describe("waitFor: 'accepted' (Update-with-Start)", () => {
  it('200: answers synchronous; the run then ends succeeded; the update costs 2 history events', async () => {
    const offerId = stack.offerId('sync');
    const { handle, answer } = await acceptedFor(offerId, { cancel: { mode: 'synchronous' } });
    expect(answer).toEqual({ mode: 'synchronous' });
    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', mode: 'synchronous' });
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(1);

    // The same path started plainly, for the update's cost in history.
    const plainOffer = stack.offerId('sync-plain');
    stack.simulator.setScenario(PUBLISHER, plainOffer, { cancel: { mode: 'synchronous' } });
    const plain = await startOfferCancellation(stack.client, input(plainOffer), { taskQueue: stack.taskQueue });
    await plain.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const plainEvents = (await plain.fetchHistory()).events ?? [];
    expect(updateEvents(events)).toHaveLength(2);
    // Counted without workflow-task events: on a loaded machine either run's task may be split in two.
    expect(withoutWorkflowTasks(events).length - withoutWorkflowTasks(plainEvents).length).toBe(2);
  });

  it('202: answers asynchronous with the location while the run goes on polling; a second call answers at once from its state', async () => {
    const offerId = stack.offerId('async');
    const { handle, answer } = await acceptedFor(offerId, { cancel: { mode: 'accepted', completeAfterPolls: 6 } });
    expect(answer.mode).toBe('asynchronous');
    expect(answer.location).toMatch(new RegExp(`/api/publishers/${PUBLISHER}/offers/${offerId}/operations/`));
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    // The UI's static summary and details, as on every start path.
    expect(await description.staticSummary()).toBe(`Cancel operation on ${PUBLISHER}/${offerId}`);
    expect(await description.staticDetails()).toContain('Notification e-mails: 1');

    // Attaching: same run (USE_EXISTING), no second POST, answered from the run's state.
    const t0 = Date.now();
    const again = await startOfferCancellation(stack.client, input(offerId), { taskQueue: stack.taskQueue, waitFor: 'accepted' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(again.answer).toEqual(answer);
    expect((await again.handle.describe()).runId).toBe((await handle.describe()).runId);

    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 6 });
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(1);
  });

  it('400: throws the typed CppBadRequest failure with the error body, the same one the run fails with', async () => {
    const offerId = stack.offerId('refused');
    const err = await acceptedFor(offerId, { cancel: { mode: 'error', status: 400 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.type).toBe(FailureType.CppBadRequest);
    expect((failure.details?.[0] as FailureInfo).httpStatus).toBe(400);
    // The simulator's 400 for an offer in error mode without a scripted body.
    expect(JSON.parse((failure.details?.[0] as FailureInfo).body ?? '')).toEqual({ error: { code: 'BadRequest', message: 'The request is invalid.' } });
    const handle = stack.client.workflow.getHandle(`cpp-cancel/${PUBLISHER}/${offerId}`);
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('bad arguments and unknown update names are refused before history', async () => {
    const offerId = stack.offerId('bad-args');
    stack.simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3 } });
    const handle = await startOfferCancellation(stack.client, input(offerId), { taskQueue: stack.taskQueue });
    const withArgs = await handle.executeUpdate(cppAnswerUpdate, { args: ['please'] as unknown as [] }).catch((e: unknown) => e);
    expect(withArgs).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((withArgs as WorkflowUpdateFailedError).cause?.message)).toContain('takes no arguments');
    const unknown = await handle.executeUpdate('noSuchUpdate').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.result();
    expect(updateEvents((await handle.fetchHistory()).events ?? [])).toEqual([]);
  });

  it('the CLI: --until-accepted prints how CPP answered and exits 0; a refusal exits 1 with its type', async () => {
    const run = (offerId: string) =>
      runStarterCli(['--publisher', PUBLISHER, '--offer', offerId, '--email', 'jondoe@contoso.com', '--task-queue', stack.taskQueue, '--until-accepted']);
    const accepted = stack.offerId('cli-async');
    stack.simulator.setScenario(PUBLISHER, accepted, { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
    const ok = await run(accepted);
    expect(ok.stdout, ok.stderr).toMatch(new RegExp(`^cancellation cpp-cancel/${PUBLISHER}/${accepted} on \\S+ namespace=`, 'm'));
    expect(ok.stdout, ok.stderr).toMatch(/CPP answered 202: asynchronous; polling the operation at http:\/\/\S+\/operations\//);
    expect(ok.code, ok.stderr).toBe(0);

    const refused = stack.offerId('cli-refused');
    stack.simulator.setScenario(PUBLISHER, refused, { cancel: { mode: 'error', status: 404 } });
    const bad = await run(refused);
    // The same header as an accepted one: which run, on which server.
    expect(bad.stdout).toMatch(new RegExp(`^cancellation cpp-cancel/${PUBLISHER}/${refused} on \\S+ namespace=`, 'm'));
    expect(bad.stderr).toMatch(/^failed: CppNotFound: /m);
    expect(bad.code).toBe(1);
  }, 60_000);
});
