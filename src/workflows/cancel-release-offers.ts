/**
 * A whole release at once: one child cancellation per offer (standard workflow ids, so an offer
 * already being cancelled is attached to, not cancelled twice), at most `maxConcurrent` at a time;
 * `failFast` cancels the rest at the first failure; cancelling the batch cancels its children.
 * Continues as new between children so 1,000 offers stay within history limits.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { continueAsNewOntoTarget } from './versioning';
import {
  FailureType,
  INGESTION_WORKFLOW_TYPE,
  subscribeSignal,
  WORKFLOW_TYPE,
  type CancelJobInput,
  type CancelMode,
  type CancelOfferInput,
  type CancelReleaseInput,
  type ReleaseJob,
  type ReleaseOffer,
  type ReleaseResult,
  type ReleaseRow,
} from '../contract';
import { RELEASE_OFFER_DONE_SIGNAL } from '../contract/internal';
import { jobStartSummary } from '../workflow-safe/job-progress-summary';
import { validateReleaseInput, type NormalizedReleaseInput } from '../workflow-safe/release-input';
import { isJobItem, isJobRow } from '../workflow-safe/release-rows';
import type { cancelIngestionJob } from './cancel-ingestion-job';
import type { cancelOfferOperation } from './cancel-offer-operation';
import { childOptions } from './child';
import { failureInfo, workflowFailure } from './run-failures';
import { refusesIllFormedUnicode } from './patches';
import { ReleaseRun } from './release-run';

/** Children started by one run before it continues as new (about 7 history events each). */
const MAX_CHILDREN_PER_RUN = 250;
/** Starts of one offer's child: a run that ends between a refused start and our subscribe is started again. */
const MAX_START_TRIES = 3;

export async function cancelReleaseOffers(raw: CancelReleaseInput): Promise<ReleaseResult> {
  const continuedAsNew = workflowInfo().continuedFromExecutionRunId !== undefined;
  const validation = validateReleaseInput(raw, { allowContinuation: continuedAsNew, refuseIllFormedUnicode: refusesIllFormedUnicode(raw) });
  const run = new ReleaseRun(validation.ok ? validation.input.continuation : undefined);
  if (!validation.ok) {
    run.set('failed');
    throw workflowFailure({ type: FailureType.InvalidInput, message: `invalid input: ${validation.problems.join('; ')}` });
  }
  const input = validation.input;
  run.begin(input);

  const pool = new CancellationScope();
  const drained = await pool.run(() => runChildren(run, input, pool));
  if (CancellationScope.current().consideredCancelled) {
    await run.finish('workflowCanceled');
    throw new CancelledFailure('the batch was cancelled; its running children were cancelled with it');
  }
  if (drained === 'continue') {
    const { continuation: _previous, ...rest } = raw;
    return continueAsNewOntoTarget<typeof cancelReleaseOffers>({ ...rest, continuation: { startedAt: run.startedAt, rows: run.rows, continuedAsNew: run.continuedAsNew + 1 } });
  }
  return run.finish(run.rows.some((r) => r.phase === 'failed') ? 'failed' : 'succeeded');
}

/**
 * Runs the pending rows, `maxConcurrent` at a time. Returns `continue` when this run has started
 * its share and the rest is for the next run (after the children in flight have ended).
 */
async function runChildren(run: ReleaseRun, input: NormalizedReleaseInput, pool: CancellationScope): Promise<'done' | 'continue'> {
  const pending = run.rows.filter((r) => r.phase === 'pending');
  let next = 0;
  let started = 0;
  let stop = false;
  let continueLater = false;
  const lane = async () => {
    while (next < pending.length && !stop) {
      if (started >= MAX_CHILDREN_PER_RUN || workflowInfo().continueAsNewSuggested) {
        continueLater = true;
        return;
      }
      const row = pending[next++] as ReleaseRow;
      started += 1;
      await runOffer(run, input, row);
      if (row.phase === 'failed' && input.failFast && !stop) {
        stop = true;
        pool.cancel();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.maxConcurrent, pending.length) }, lane));
  return continueLater && !stop && !CancellationScope.current().consideredCancelled ? 'continue' : 'done';
}

/** One row's child: an offer's cancellation, or a Product Ingestion job's; its mode when it succeeded. */
async function runChild(input: NormalizedReleaseInput, row: ReleaseRow): Promise<CancelMode> {
  const taskQueue = workflowInfo().taskQueue;
  if (isJobRow(row)) {
    const job = input.offers.find((o): o is ReleaseJob => isJobItem(o) && o.jobId.toLowerCase() === row.jobId);
    const jobInput: CancelJobInput = { jobId: row.jobId, ...(job?.version ? { version: job.version } : {}), ...(input.jobPolling ? { polling: input.jobPolling } : {}) };
    // No search attribute on the child: one the namespace lacks would fail this batch's workflow task.
    const result = await executeChild<typeof cancelIngestionJob>(INGESTION_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: row.workflowId,
      staticSummary: jobStartSummary(row.jobId),
      args: [jobInput],
    });
    return result.mode;
  }
  const offer = input.offers.find((o): o is ReleaseOffer => !isJobItem(o) && o.publisherId === row.publisherId && o.offerId === row.offerId);
  const childInput: CancelOfferInput = {
    publisherId: row.publisherId,
    offerId: row.offerId,
    notificationEmails: input.notificationEmails,
    polling: input.polling,
    ...(offer?.expectedOperationId ? { expectedOperationId: offer.expectedOperationId } : {}),
  };
  const result = await executeChild<typeof cancelOfferOperation>(WORKFLOW_TYPE, { ...childOptions(childInput, {}), taskQueue });
  return result.mode;
}

/** One row: its child cancellation, or the one already running for it. */
async function runOffer(run: ReleaseRun, input: NormalizedReleaseInput, row: ReleaseRow): Promise<void> {
  if (CancellationScope.current().consideredCancelled) return;
  row.phase = 'running';
  run.show();
  try {
    for (let tries = 1; ; tries++) {
      try {
        Object.assign(row, { phase: 'succeeded', mode: await runChild(input, row) });
        return;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError) || tries >= MAX_START_TRIES) throw err;
        if (await attach(run, row)) return;
      }
    }
  } catch (err) {
    if (isCancellation(err)) row.phase = row.attached ? 'running' : 'workflowCanceled';
    else if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) Object.assign(row, { phase: 'failed', failure: failureInfo(err.cause) });
    else Object.assign(row, { phase: 'failed', failure: { type: FailureType.UnexpectedError, message: err instanceof Error ? err.message : String(err) } });
  } finally {
    run.show();
  }
}

/**
 * Attaches to the cancellation already running for the row's offer: asks it to signal this batch
 * at its end, and takes its outcome from that signal. False when it ended before it could be asked.
 * A batch cancelled meanwhile leaves it running: it is not the batch's to stop.
 */
async function attach(run: ReleaseRun, row: ReleaseRow): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(row.workflowId).signal(subscribeSignal, { workflowId: workflowInfo().workflowId, signalName: RELEASE_OFFER_DONE_SIGNAL });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return false;
  }
  row.attached = true;
  const done = await run.doneSignalOf(row.workflowId);
  if (done.outcome === 'succeeded') Object.assign(row, { phase: 'succeeded', mode: done.result?.mode });
  else if (done.outcome === 'failed') Object.assign(row, { phase: 'failed', ...(done.failure ? { failure: done.failure } : {}) });
  else row.phase = 'workflowCanceled';
  return true;
}
