/**
 * Polls the cancel operation until it is terminal: waits max(Retry-After, backoff) between polls,
 * stops at the overall deadline, and continues as new to keep the history short. Deterministic
 * code only.
 */
import { continueAsNew, log, sleep, workflowInfo } from '@temporalio/workflow';
import { FailureType, type CancelOfferInput, type ContinuationState, type OperationView } from '../contract';
import type { NormalizedInput } from '../input';
import { TERMINAL_OPERATION_STATUSES } from '../operation-status';
import { cancellationActivities } from './activity-stubs';
import type { CancellationRun } from './cancellation-run';
import { workflowFailure } from './failures';
import { nextPollStep } from './poll-schedule';
import { formatSeconds } from '../progress-summary';


/** Where polling starts: the operation's location, and the interval state (fresh, or carried over by continue-as-new). */
export interface PollStart {
  location: string;
  deadlineMs: number;
  /** The backoff interval for the wait after the next poll. */
  intervalMs: number;
  /** Whether the first wait is the 202's `Retry-After` (longer than the first interval). */
  retryAfter?: boolean;
}

/**
 * Polls `start.location` until the operation is terminal and returns it.
 *
 * @throws `PollingDeadlineExceeded` when the deadline passes first; `ContinueAsNew` every
 * `maxPollsPerRun` polls or when Temporal suggests it (`rawInput` is what the next run receives).
 */
export async function pollUntilTerminal(run: CancellationRun, input: NormalizedInput, start: PollStart, rawInput: CancelOfferInput): Promise<OperationView> {
  run.enter('polling');
  const { polling } = input;
  const { progress } = run;
  let intervalMs = start.intervalMs;
  let pollsThisRun = 0;
  // Why the next wait is as long as it is, for the timer's summary in the UI.
  let waitReason = start.retryAfter ? ' (Retry-After)' : '';
  for (;;) {
    const waitMs = Date.parse(progress.nextPollAt ?? new Date().toISOString()) - Date.now();
    const pollNumber = progress.polls + 1;
    if (waitMs > 0) await sleep(waitMs, { summary: `wait ${formatSeconds(waitMs / 1000)} before poll #${pollNumber}${waitReason}` });

    const { operation, retryAfterMs } = await cancellationActivities(start.deadlineMs - Date.now(), `poll #${pollNumber}`).getOperationStatus({ location: start.location });
    run.answered();
    progress.polls += 1;
    pollsThisRun += 1;
    progress.lastPolledAt = new Date().toISOString();
    progress.operation = operation;
    if (TERMINAL_OPERATION_STATUSES.has(operation.status)) {
      progress.nextPollAt = undefined;
      return operation;
    }
    waitReason = retryAfterMs !== undefined && retryAfterMs >= intervalMs ? ' (Retry-After)' : '';
    const remainingMs = start.deadlineMs - Date.now();
    if (remainingMs <= 0) {
      throw workflowFailure({
        type: FailureType.PollingDeadlineExceeded,
        message: `the operation at ${start.location} was still ${operation.rawStatus ?? operation.status} after ${polling.timeoutSeconds} s and ${progress.polls} polls`,
      });
    }
    const step = nextPollStep(intervalMs, retryAfterMs, remainingMs, polling);
    progress.nextPollAt = new Date(Date.now() + step.waitMs).toISOString();
    intervalMs = step.nextIntervalMs;
    run.show();
    if (pollsThisRun >= polling.maxPollsPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNewWith(run, start, intervalMs, rawInput);
    }
  }
}

/** Hands the run's state to a fresh run, so the history stays short however long the operation takes. */
async function continueAsNewWith(run: CancellationRun, start: PollStart, nextIntervalMs: number, rawInput: CancelOfferInput): Promise<never> {
  const { progress } = run;
  const state: ContinuationState = {
    startedAt: progress.startedAt,
    deadlineAt: new Date(start.deadlineMs).toISOString(),
    location: start.location,
    mode: 'asynchronous',
    polls: progress.polls,
    nextIntervalMs,
    nextPollAt: progress.nextPollAt as string,
    operation: progress.operation,
    lastPolledAt: progress.lastPolledAt,
    notify: run.targets,
    continuedAsNew: progress.continuedAsNew + 1,
  };
  log.info('continuing as new to keep history short', { polls: progress.polls });
  const { continuation: _previous, ...input } = rawInput;
  return continueAsNew<(input: CancelOfferInput) => Promise<unknown>>({ ...input, continuation: state });
}
