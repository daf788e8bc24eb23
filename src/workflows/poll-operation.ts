/**
 * Polls the cancel operation until it is terminal: waits max(Retry-After, backoff) between polls,
 * stops at the overall deadline, and continues as new to keep the history short. Deterministic
 * code only.
 */
import { log, sleep, workflowInfo } from '@temporalio/workflow';
import { FailureType, type CancelOfferInput, type OperationView, type PollingOptions } from '../contract';
import { type ContinuationState } from '../contract/internal';
import type { OperationStatusResult } from '../activities/cancellation';
import type { NormalizedInput } from '../workflow-safe/cancel-input';
import { TERMINAL_OPERATION_STATUSES } from '../workflow-safe/operation-status';
import { cancellationActivities, watchActivity } from './activity-stubs';
import { continueAsNewOntoTarget, targetVersionChanged } from './versioning';
import type { CancellationRun } from './cancellation-run';
import { workflowFailure } from './run-failures';
import type { RunClock } from './run-clock';
import { formatSeconds } from '../workflow-safe/progress-summary';


/** Where polling starts: the operation's location, and the run's clock (fresh, or carried over by continue-as-new). */
export interface PollStart {
  location: string;
  clock: RunClock;
}

/**
 * Polls `start.location` until the operation is terminal and returns it. Every wait and deadline
 * is the clock's; the progress shows what the clock decided.
 *
 * @throws `PollingDeadlineExceeded` when the deadline passes first; `ContinueAsNew` every
 * `maxPollsPerRun` polls or when Temporal suggests it (`rawInput` is what the next run receives).
 */
export async function pollUntilTerminal(run: CancellationRun, input: NormalizedInput, start: PollStart, rawInput: CancelOfferInput): Promise<OperationView> {
  run.enter('polling');
  const { polling } = input;
  const { progress } = run;
  const { clock } = start;
  const watchWindowMs = polling.watchWindowSeconds * 1000;
  // Polls, or watches (each many polls), in this run: what continue-as-new counts.
  let callsThisRun = 0;
  for (;;) {
    const waitMs = clock.waitMs();
    const pollNumber = progress.polls + 1;
    // A watch waits inside its activity; a wait longer than its window is a timer, as without one.
    const watchWaits = watchWindowMs > 0 && waitMs <= watchWindowMs;
    if (waitMs > 0 && !watchWaits) await sleep(waitMs, { summary: `wait ${formatSeconds(waitMs / 1000)} before poll #${pollNumber}${clock.waitIsRetryAfter ? ' (Retry-After)' : ''}` });

    const answer = watchWindowMs > 0 ? await watch(run, start, watchWaits ? waitMs : 0, polling) : await pollOnce(start, pollNumber);
    run.answered();
    const { operation } = answer;
    progress.polls += answer.polls;
    callsThisRun += 1;
    progress.lastPolledAt = answer.lastPolledAt ?? new Date().toISOString();
    progress.operation = operation;
    if (TERMINAL_OPERATION_STATUSES.has(operation.status)) {
      clock.stopped();
      progress.nextPollAt = clock.nextPollAt;
      return operation;
    }
    if (clock.hasPassed()) {
      throw workflowFailure({
        type: FailureType.PollingDeadlineExceeded,
        message: `the operation at ${start.location} was still ${operation.rawStatus ?? operation.status} after ${polling.timeoutSeconds} s and ${progress.polls} polls`,
      });
    }
    clock.polled(answer.retryAfterMs, answer.intervalMs);
    progress.nextPollAt = clock.nextPollAt;
    run.show();
    if (callsThisRun >= polling.maxPollsPerRun || workflowInfo().continueAsNewSuggested || targetVersionChanged()) {
      await continueAsNewWith(run, start, rawInput);
    }
  }
}

/** One answer to the workflow: an operation after `polls` GETs. */
interface PollAnswer extends OperationStatusResult {
  polls: number;
  lastPolledAt?: string;
  /** The interval in force at the last poll, when the GETs ran outside the workflow (a watch). */
  intervalMs?: number;
}

/** One GET as one activity (the wait before it was a timer). */
async function pollOnce(start: PollStart, pollNumber: number): Promise<PollAnswer> {
  // `dueAt` only lets the worker measure how late the poll starts; replay ignores activity input.
  const dueAt = start.clock.nextPollAt;
  const answer = await cancellationActivities(start.clock, `poll #${pollNumber}`).getOperationStatus({ location: start.location, ...(dueAt ? { dueAt } : {}) });
  return { ...answer, polls: 1 };
}

/** GETs inside one activity until the operation changes or the window closes (`polling.watchWindowSeconds`). */
async function watch(run: CancellationRun, start: PollStart, firstWaitMs: number, polling: PollingOptions): Promise<PollAnswer> {
  const { progress } = run;
  const windowMs = polling.watchWindowSeconds * 1000;
  progress.watchingUntil = new Date(Date.now() + windowMs).toISOString();
  run.show();
  try {
    return await watchActivity(start.clock, windowMs, `watch from poll #${progress.polls + 1}`).watchOperation({
      location: start.location,
      ...(progress.operation ? { last: progress.operation } : {}),
      firstWaitMs,
      ...(start.clock.nextPollAt ? { dueAt: start.clock.nextPollAt } : {}),
      intervalMs: start.clock.intervalMs,
      polling: { backoffCoefficient: polling.backoffCoefficient, maxIntervalSeconds: polling.maxIntervalSeconds, watchWindowSeconds: polling.watchWindowSeconds },
      deadlineAt: new Date(start.clock.deadlineMs).toISOString(),
    });
  } finally {
    progress.watchingUntil = undefined;
  }
}

/** Hands the run's state to a fresh run, so the history stays short however long the operation takes. */
async function continueAsNewWith(run: CancellationRun, start: PollStart, rawInput: CancelOfferInput): Promise<never> {
  const { progress } = run;
  const { deadlineAt, nextIntervalMs, nextPollAt } = start.clock.handOver();
  const state: ContinuationState = {
    startedAt: progress.startedAt,
    deadlineAt,
    location: start.location,
    mode: 'asynchronous',
    polls: progress.polls,
    nextIntervalMs,
    nextPollAt,
    operation: progress.operation,
    lastPolledAt: progress.lastPolledAt,
    notify: run.targets,
    continuedAsNew: progress.continuedAsNew + 1,
  };
  log.info('continuing as new to keep history short', { polls: progress.polls });
  const { continuation: _previous, ...input } = rawInput;
  return continueAsNewOntoTarget<(input: CancelOfferInput) => Promise<unknown>>({ ...input, continuation: state });
}
