/**
 * The cancellation workflow: validate, POST the cancel, and on 202 poll the operation with
 * backoff until it is terminal or the deadline passes; then tell every caller who asked.
 */
import {
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ApplicationFailure } from '@temporalio/workflow';
import {
  cancelPhaseSearchAttribute,
  FailureType,
  FINAL_FAILURE_TYPES,
  offerIdSearchAttribute,
  progressQuery,
  publisherIdSearchAttribute,
  subscribeSignal,
  type CancelOfferInput,
  type CancelOfferProgress,
  type CancelOfferResult,
  type CancelPhase,
  type ContinuationState,
  type NotifyTarget,
  type OperationView,
} from '../contract';
import type { CancellationActivities, RequestCancellationResult } from '../activities/cancellation';
import type { OperationStatus } from '../cpp/types';
import { isContinuationState, parseNotifyTarget, salvageNotifyTargets, validateInput, type NormalizedInput } from '../input';
import { failureInfo, toWorkflowFailure, workflowFailure } from './failures';
import { recordCancellationEnd } from './metrics';
import { addTargets, notifyAll } from './notify';
import { nextPollStep } from './poll-schedule';

/** How a retried POST was found to have taken effect already (see {@link RequestCancellationResult}). */
type Confirmation = { confirmedByLookup?: boolean; confirmedByRetriedPost?: boolean };

const TERMINAL: ReadonlySet<OperationStatus> = new Set(['completed', 'canceled', 'failed']);
/** Activity attempts never outlive the workflow's deadline, but always get this much. */
const MIN_ACTIVITY_WINDOW_MS = 5_000;
/** Longest InvalidInput message (it names every bad field). */
const MAX_INVALID_INPUT_MESSAGE_CHARS = 8_192;

function activities(remainingMs: number): CancellationActivities {
  const options: ActivityOptions = {
    // Connect 10 s + headers 30 s + body 30 s, with room to spare.
    startToCloseTimeout: '2 minutes',
    // Activities heartbeat every second: a dead worker's attempt is retried after 10 s, not 2 min.
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: Math.max(remainingMs, MIN_ACTIVITY_WINDOW_MS),
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: FINAL_FAILURE_TYPES,
    },
  };
  return proxyActivities<CancellationActivities>(options);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Cancels the operation in progress on a Marketplace offer and follows the cancellation to its end.
 *
 * Fails with a non-retryable `ApplicationFailure` whose `type` is one of {@link FailureType}.
 */
export async function cancelOfferOperation(rawInput: CancelOfferInput): Promise<CancelOfferResult> {
  const info = workflowInfo();
  // Only a run this workflow continued into may carry a continuation; any other is refused by validateInput.
  const continuedAsNew = info.continuedFromExecutionRunId !== undefined;
  const rawContinuation = (rawInput as Partial<CancelOfferInput> | undefined)?.continuation;
  const continuation = continuedAsNew && isContinuationState(rawContinuation) ? rawContinuation : undefined;
  const startedAtMs = continuation ? Date.parse(continuation.startedAt) : Date.now();
  const targets: NotifyTarget[] = [];
  const progress: CancelOfferProgress = {
    phase: 'validating',
    polls: continuation?.polls ?? 0,
    startedAt: iso(startedAtMs),
    continuedAsNew: continuation?.continuedAsNew ?? 0,
  };
  setHandler(progressQuery, () => progress);
  setHandler(subscribeSignal, (target) => {
    const parsed = parseNotifyTarget(target);
    if (parsed) addTargets(targets, parsed);
    else log.warn('subscribe signal ignored: not a notify target', { target });
  });

  // Upsert only real changes: each upsert is a history event, and a starter may have set them.
  let labelledPhase = info.typedSearchAttributes.get(cancelPhaseSearchAttribute);
  const setPhase = (phase: CancelPhase) => {
    progress.phase = phase;
    if (labelledPhase !== phase) {
      labelledPhase = phase;
      upsertSearchAttributes([{ key: cancelPhaseSearchAttribute, value: phase }]);
    }
  };

  const validation = validateInput(rawInput, { allowContinuation: continuedAsNew });
  if (!validation.ok) {
    addTargets(targets, ...salvageNotifyTargets(rawInput));
    const message = `invalid input: ${validation.problems.join('; ')}`;
    const failure = workflowFailure({
      type: FailureType.InvalidInput,
      // Capped: the input is the caller's, and a failure must stay far below the payload size limit.
      message: message.length <= MAX_INVALID_INPUT_MESSAGE_CHARS ? message : `${message.slice(0, MAX_INVALID_INPUT_MESSAGE_CHARS - 1)}…`,
    });
    return fail(failure);
  }
  const input = validation.input;
  addTargets(targets, ...input.notify, ...(continuation?.notify ?? []));
  progress.publisherId = input.publisherId;
  progress.offerId = input.offerId;
  labelRun(input, continuation ? 'polling' : 'requesting');
  const deadlineMs = continuation ? Date.parse(continuation.deadlineAt) : startedAtMs + input.polling.timeoutSeconds * 1000;

  async function fail(failure: ApplicationFailure): Promise<never> {
    progress.lastError = failureInfo(failure);
    const finishedAtMs = Date.now();
    progress.finishedAt = iso(finishedAtMs);
    setPhase('failed');
    recordCancellationEnd({ outcome: 'failed', mode: progress.mode, failureType: progress.lastError.type, polls: progress.polls, durationMs: finishedAtMs - startedAtMs });
    await notifyAll(targets, { workflowId: info.workflowId, runId: info.runId, outcome: 'failed', failure: progress.lastError });
    throw failure;
  }

  try {
    let location: string;
    let adopted: Confirmation | undefined;
    if (continuation) {
      location = continuation.location;
      progress.mode = continuation.mode;
      progress.location = location;
      progress.operation = continuation.operation;
      progress.lastPolledAt = continuation.lastPolledAt;
    } else {
      let response: RequestCancellationResult;
      try {
        response = await activities(deadlineMs - Date.now()).requestCancellation({
          publisherId: input.publisherId,
          offerId: input.offerId,
          notificationEmails: input.notificationEmails,
          apiVersion: input.apiVersion,
          expectedOperationId: input.expectedOperationId,
        });
      } catch (err) {
        if (isCancellation(err)) throw err;
        throw toWorkflowFailure(err, 'requesting', input.polling.timeoutSeconds);
      }
      if (response.kind === 'synchronous') {
        progress.mode = 'synchronous';
        return await succeed({ status: 'canceled' }, response);
      }
      location = response.location;
      adopted = response;
      progress.mode = 'asynchronous';
      progress.location = location;
      const firstWaitMs = Math.max(response.retryAfterMs ?? 0, input.polling.initialIntervalSeconds * 1000);
      progress.nextPollAt = iso(Date.now() + Math.min(firstWaitMs, Math.max(0, deadlineMs - Date.now())));
    }
    const operation = await poll(input, location, continuation);
    if (operation.status === 'failed') {
      return await fail(
        workflowFailure({
          type: FailureType.CancelOperationFailed,
          message: `the cancel operation ${operation.id ?? location} ended failed${operation.error ? `: ${operation.error}` : ''}`,
        }),
      );
    }
    return await succeed(operation, adopted);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      const finishedAtMs = Date.now();
      progress.finishedAt = iso(finishedAtMs);
      setPhase('canceled');
      recordCancellationEnd({ outcome: 'workflow_canceled', mode: progress.mode, polls: progress.polls, durationMs: finishedAtMs - startedAtMs });
      await notifyAll(targets, { workflowId: info.workflowId, runId: info.runId, outcome: 'workflowCanceled' });
      throw err;
    }
    if (progress.phase === 'failed') throw err; // already reported by fail()
    return await fail(toWorkflowFailure(err, progress.phase === 'polling' ? 'polling' : 'requesting', input.polling.timeoutSeconds));
  }

  async function succeed(operation: Pick<OperationView, 'id' | 'status' | 'rawStatus'>, confirmation?: Confirmation): Promise<CancelOfferResult> {
    const finishedAtMs = Date.now();
    progress.finishedAt = iso(finishedAtMs);
    setPhase('completed');
    recordCancellationEnd({ outcome: 'canceled', mode: progress.mode ?? 'synchronous', polls: progress.polls, durationMs: finishedAtMs - startedAtMs });
    const result: CancelOfferResult = {
      outcome: 'canceled',
      mode: progress.mode ?? 'synchronous',
      operation: { id: operation.id, status: operation.status, rawStatus: operation.rawStatus, location: progress.location },
      polls: progress.polls,
      ...(confirmation?.confirmedByLookup ? { confirmedByLookup: true } : {}),
      ...(confirmation?.confirmedByRetriedPost ? { confirmedByRetriedPost: true } : {}),
      startedAt: progress.startedAt,
      finishedAt: progress.finishedAt,
      durationMs: finishedAtMs - startedAtMs,
    };
    await notifyAll(targets, { workflowId: info.workflowId, runId: info.runId, outcome: 'canceled', result });
    return result;
  }

  /** Polls until terminal, waiting max(Retry-After, backoff) between polls; continues as new to keep history short. */
  async function poll(input: NormalizedInput, location: string, resumed?: ContinuationState): Promise<OperationView> {
    setPhase('polling');
    const { polling } = input;
    let intervalMs = resumed?.nextIntervalMs ?? polling.initialIntervalSeconds * 1000;
    let pollsThisRun = 0;
    for (;;) {
      const waitMs = Date.parse(progress.nextPollAt ?? iso(Date.now())) - Date.now();
      if (waitMs > 0) await sleep(waitMs);

      const { operation, retryAfterMs } = await activities(deadlineMs - Date.now()).getOperationStatus({ location });
      progress.polls += 1;
      pollsThisRun += 1;
      progress.lastPolledAt = iso(Date.now());
      progress.operation = operation;
      if (TERMINAL.has(operation.status)) {
        progress.nextPollAt = undefined;
        return operation;
      }
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs <= 0) {
        throw workflowFailure({
          type: FailureType.PollingDeadlineExceeded,
          message: `the operation at ${location} was still ${operation.rawStatus ?? operation.status} after ${polling.timeoutSeconds} s and ${progress.polls} polls`,
        });
      }
      const step = nextPollStep(intervalMs, retryAfterMs, remainingMs, polling);
      progress.nextPollAt = iso(Date.now() + step.waitMs);
      intervalMs = step.nextIntervalMs;

      if (pollsThisRun >= polling.maxPollsPerRun || workflowInfo().continueAsNewSuggested) {
        const state: ContinuationState = {
          startedAt: progress.startedAt,
          deadlineAt: iso(deadlineMs),
          location,
          mode: 'asynchronous',
          polls: progress.polls,
          nextIntervalMs: intervalMs,
          nextPollAt: progress.nextPollAt,
          operation,
          lastPolledAt: progress.lastPolledAt,
          notify: targets,
          continuedAsNew: progress.continuedAsNew + 1,
        };
        log.info('continuing as new to keep history short', { polls: progress.polls });
        await continueAsNew<typeof cancelOfferOperation>({ ...stripContinuation(rawInput), continuation: state });
      }
    }
  }

  /** Search attributes for finding runs by offer and phase, in one upsert, only where the starter did not set them. */
  function labelRun(valid: NormalizedInput, phase: CancelPhase): void {
    const attrs = info.typedSearchAttributes;
    const updates: SearchAttributeUpdatePair[] = [];
    if (attrs.get(publisherIdSearchAttribute) !== valid.publisherId) updates.push({ key: publisherIdSearchAttribute, value: valid.publisherId });
    if (attrs.get(offerIdSearchAttribute) !== valid.offerId) updates.push({ key: offerIdSearchAttribute, value: valid.offerId });
    if (labelledPhase !== phase) updates.push({ key: cancelPhaseSearchAttribute, value: phase });
    progress.phase = phase;
    labelledPhase = phase;
    if (updates.length > 0) upsertSearchAttributes(updates);
  }
}

function stripContinuation(input: CancelOfferInput): CancelOfferInput {
  const { continuation: _ignored, ...rest } = input;
  return rest;
}
