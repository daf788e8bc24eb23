/**
 * The cancellation workflow: validate, POST the cancel, and on 202 poll the operation with
 * backoff until it is terminal or the deadline passes; then tell every caller who asked.
 */
import { ContinueAsNew, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { FailureType, type CancelOfferInput, type CancelOfferResult, type OperationView } from '../contract';
import { type ContinuationState } from '../contract/internal';
import { isContinuationState, salvageNotifyTargets, validateInput, type NormalizedInput } from '../workflow-safe/cancel-input';
import { refusesIllFormedUnicode } from './patches';
import { CancellationRun, type Confirmation } from './cancellation-run';
import { sendCancelPost } from './cancel-post';
import { toWorkflowFailure, workflowFailure } from './run-failures';
import { PATCHES } from './patches';
import { pollUntilTerminal } from './poll-operation';
import { RunClock } from './run-clock';

/** Longest InvalidInput message (it names every bad field). */
const MAX_INVALID_INPUT_MESSAGE_CHARS = 8_192;

/** How the cancellation got under way: done at once, or an operation to poll at `location`. */
type Started = ({ kind: 'synchronous' } | { kind: 'asynchronous'; location: string; clock: RunClock }) & Confirmation;

/**
 * Cancels the operation in progress on a Marketplace offer and follows the cancellation to its end.
 *
 * Fails with a non-retryable `ApplicationFailure` whose `type` is one of {@link FailureType}.
 */
export async function cancelOfferOperation(rawInput: CancelOfferInput): Promise<CancelOfferResult> {
  // Only a run this workflow continued into may carry a continuation; any other is refused by validateInput.
  const continuedAsNew = workflowInfo().continuedFromExecutionRunId !== undefined;
  const continuation = continuedAsNew && isContinuationState(rawInput?.continuation) ? rawInput.continuation : undefined;
  const run = new CancellationRun(continuation);

  const validation = validateInput(rawInput, { allowContinuation: continuedAsNew, refuseIllFormedUnicode: refusesIllFormedUnicode(rawInput) });
  if (!validation.ok) {
    run.addNotifyTargets(...salvageNotifyTargets(rawInput));
    throw await run.fail(invalidInput(validation.problems));
  }
  const input = validation.input;
  run.addNotifyTargets(...input.notify, ...(continuation?.notify ?? []));
  run.begin(input, continuation ? 'polling' : 'requesting');

  let started: Started;
  let operation: OperationView | undefined;
  try {
    started = continuation ? resume(run, input, continuation) : await request(run, input);
    if (started.kind === 'asynchronous') operation = await pollUntilTerminal(run, input, started, rawInput);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      await run.workflowCanceled();
      throw err;
    }
    throw await run.fail(toWorkflowFailure(err, { phase: run.progress.phase === 'polling' ? 'polling' : 'requesting', timeoutSeconds: input.polling.timeoutSeconds, retry: run.progress.retry }));
  }
  if (operation?.status === 'failed') {
    const { location } = run.progress;
    throw await run.fail(
      workflowFailure({
        type: FailureType.CancelOperationFailed,
        message: `the cancel operation ${operation.id ?? location} ended failed${operation.error ? `: ${operation.error}` : ''}`,
      }),
    );
  }
  return run.succeed(operation ?? { status: 'canceled' }, started);
}

/** Sends the cancel POST (through its activity) and records how CPP answered. */
async function request(run: CancellationRun, input: NormalizedInput): Promise<Started> {
  const clock = RunClock.fresh(run.startedAtMs, input.polling);
  const { publisherId, offerId, notificationEmails, apiVersion, expectedOperationId } = input;
  const response = await sendCancelPost(run, { publisherId, offerId, notificationEmails, apiVersion, expectedOperationId }, clock);
  run.answered();
  const confirmation: Confirmation = { confirmedByLookup: response.confirmedByLookup, confirmedByRetriedPost: 'confirmedByRetriedPost' in response ? response.confirmedByRetriedPost : undefined };
  if (response.kind === 'synchronous') {
    run.progress.mode = 'synchronous';
    run.cppAnswered({ mode: 'synchronous', ...definedOnly(confirmation) });
    return { kind: 'synchronous', ...confirmation };
  }
  // Anything else is a 202 (histories recorded before the rename call it `accepted`).
  run.progress.mode = 'asynchronous';
  run.progress.location = response.location;
  run.cppAnswered({ mode: 'asynchronous', location: response.location, ...definedOnly(confirmation) });
  clock.accepted(response.retryAfterMs);
  run.progress.nextPollAt = clock.nextPollAt;
  return { kind: 'asynchronous', location: response.location, clock, ...confirmation };
}

/** Picks up where the previous run continued as new. */
function resume(run: CancellationRun, input: NormalizedInput, continuation: ContinuationState): Started {
  Object.assign(run.progress, { mode: continuation.mode, location: continuation.location, operation: continuation.operation, lastPolledAt: continuation.lastPolledAt });
  const clock = RunClock.resumed(continuation, input.polling, patched(PATCHES.keepNextPollOnContinueAsNew));
  run.progress.nextPollAt = clock.nextPollAt;
  run.cppAnswered({ mode: 'asynchronous', location: continuation.location });
  return { kind: 'asynchronous', location: continuation.location, clock };
}

/** The confirmation flags that are set (an answer carries no `undefined` fields). */
function definedOnly(confirmation: Confirmation): Confirmation {
  return Object.fromEntries(Object.entries(confirmation).filter(([, value]) => value !== undefined));
}

function invalidInput(problems: string[]) {
  const message = `invalid input: ${problems.join('; ')}`;
  // Capped: the input is the caller's, and a failure must stay far below the payload size limit.
  const capped = message.length <= MAX_INVALID_INPUT_MESSAGE_CHARS ? message : `${message.slice(0, MAX_INVALID_INPUT_MESSAGE_CHARS - 1)}…`;
  return workflowFailure({ type: FailureType.InvalidInput, message: capped });
}
