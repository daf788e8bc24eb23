/**
 * Workflow-side failure handling: which activity failures end the cancellation, and the typed
 * `ApplicationFailure` each becomes. Deterministic code only.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { FailureType, FINAL_FAILURE_TYPES, type CallRetry, type FailureInfo } from '../contract';

/** Creates one of the workflow's typed, non-retryable failures. */
export function workflowFailure(info: FailureInfo, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: info.type, message: info.message, nonRetryable: true, details: [info], cause });
}

/** The facts of a failure (type, message, HTTP status, body, code), for progress and completion signals. */
export function failureInfo(failure: ApplicationFailure): FailureInfo {
  const first = failure.details?.[0] as Partial<FailureInfo> | undefined;
  return {
    type: failure.type ?? 'Error',
    message: failure.message,
    httpStatus: first?.httpStatus,
    body: first?.body,
    code: first?.code,
    // A job's end, when the job ended otherwise than cancelled (never set for an offer's failures).
    ...(first?.jobResult ? { jobResult: first.jobResult } : {}),
    ...(first?.jobErrors ? { jobErrors: first.jobErrors } : {}),
  };
}

/** What the run knows when a phase ends: which phase, its deadline, and the retry it last showed. */
export interface PhaseEnd {
  phase: 'requesting' | 'polling';
  timeoutSeconds: number;
  /** The retry the run showed last (its activities' notices): how many attempts failed, and with what. */
  retry?: CallRetry;
  /** The failure types that end the run (a job's cancellation has its own). @default FINAL_FAILURE_TYPES */
  finalTypes?: readonly string[];
}

/**
 * Maps an error that ended a phase to the workflow's failure, keeping the original as `cause`
 * so the whole chain stays visible in the UI and to callers.
 */
export function toWorkflowFailure(err: unknown, end: PhaseEnd): ApplicationFailure {
  if (err instanceof ApplicationFailure && err.nonRetryable) return err;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      // Our activities only let final failures escape their retry policy; anything else that got
      // here means the deadline cut the retries short, handled below.
      if (cause.nonRetryable || (cause.type && (end.finalTypes ?? FINAL_FAILURE_TYPES).includes(cause.type))) {
        return workflowFailure(failureInfo(cause), err);
      }
    }
    if (cause instanceof TimeoutFailure || cause instanceof ApplicationFailure) return deadlineFailure(err, cause, end);
  }
  const message = err instanceof Error ? err.message : String(err);
  return workflowFailure({ type: FailureType.UnexpectedError, message }, err instanceof Error ? err : undefined);
}

/**
 * `PollingDeadlineExceeded`, naming what kept the call from succeeding: how many attempts failed and
 * the last error, from the failure itself or, when it holds only a timeout, from the run's own retry.
 */
function deadlineFailure(err: ActivityFailure, cause: TimeoutFailure | ApplicationFailure, { phase, timeoutSeconds, retry }: PhaseEnd): ApplicationFailure {
  const fromChain = lastAttemptFailure(cause);
  const last: FailureInfo | undefined = fromChain && fromChain.type !== 'Timeout' ? fromChain : retry?.lastError ? { ...retry.lastError } : fromChain;
  const failed = retry ? retry.attempt - 1 : 0;
  const attempts = failed > 0 ? `${failed} attempt${failed === 1 ? '' : 's'} of the ${retry?.call ?? 'call'} failed; ` : '';
  const lastText = last ? `last error ${last.type}${last.httpStatus !== undefined ? ` HTTP ${last.httpStatus}` : ''}: ${last.message}` : '';
  const message = `the overall deadline of ${timeoutSeconds} s passed while ${phase}${attempts || lastText ? `: ${attempts}${lastText}` : ''}`;
  return workflowFailure({ type: FailureType.PollingDeadlineExceeded, message, httpStatus: last?.httpStatus, body: last?.body, code: last?.code }, err);
}

/**
 * What made the last attempt fail: the first application failure down the cause chain (the cause
 * itself when the deadline cut retries short, or a timeout's cause), else the timeout itself.
 */
function lastAttemptFailure(cause: TimeoutFailure | ApplicationFailure): FailureInfo | undefined {
  for (let f: unknown = cause; f instanceof Error; f = f.cause) {
    if (f instanceof ApplicationFailure) return failureInfo(f);
  }
  return cause instanceof TimeoutFailure ? { type: 'Timeout', message: `activity ${String(cause.timeoutType)} timeout` } : undefined;
}

/**
 * A local activity's failure reaches the workflow bare, where an activity's comes wrapped in an
 * `ActivityFailure`: wraps it the same way, so callers see one chain (workflow failure → activity
 * failure → the activity's typed failure) whichever way the call ran. Cancellations pass as they are.
 */
export function asActivityFailure(err: unknown, activityType: string): unknown {
  if (err instanceof ActivityFailure || isCancellation(err) || !(err instanceof Error)) return err;
  const final = err instanceof ApplicationFailure && err.nonRetryable;
  return new ActivityFailure('Activity task failed', activityType, undefined, final ? RetryState.NON_RETRYABLE_FAILURE : RetryState.TIMEOUT, undefined, err);
}
