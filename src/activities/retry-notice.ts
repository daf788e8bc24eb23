/**
 * Tells the activity's own run that an attempt failed and Temporal will retry it, so the run's
 * progress and the Temporal UI's current details show the retry. Server-side retries are otherwise
 * invisible to the workflow. Display only: a notice that cannot be sent is logged and dropped.
 */
import { ApplicationFailure, type RetryPolicy } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import { Context, log } from '@temporalio/activity';
import { type CallRetry } from '../contract';
import { CALL_NAMES, callRetryingSignal } from '../contract/internal';
import { retryErrorOf } from '../workflow-safe/retry-error';

/** How long a notice may hold back the failed attempt's end (and so the next attempt). */
const NOTICE_TIMEOUT_MS = 2_000;

/** The delay Temporal will wait before the next attempt: the failure's own (Retry-After), else the policy's backoff. */
function retryDelayMs(failure: ApplicationFailure, attempt: number, policy: RetryPolicy | undefined): number | undefined {
  const own = msOptionalToNumber(failure.nextRetryDelay);
  if (own !== undefined) return own;
  const initial = msOptionalToNumber(policy?.initialInterval);
  if (initial === undefined) return undefined;
  const backoff = initial * (policy?.backoffCoefficient ?? 2) ** (attempt - 1);
  const max = msOptionalToNumber(policy?.maximumInterval) ?? initial * 100;
  return Math.min(backoff, max);
}

/**
 * The retry the run should show after `failure` ended this attempt, or nothing when Temporal will not
 * retry. `triesBefore`: tries of the same call made before this activity (the POST's local first try).
 */
function retryStateAfter(failure: unknown, triesBefore = 0): CallRetry | undefined {
  if (!(failure instanceof ApplicationFailure) || failure.nonRetryable) return undefined;
  const info = Context.current().info;
  const maxAttempts = info.retryPolicy?.maximumAttempts;
  if (maxAttempts && info.attempt >= maxAttempts) return undefined;
  const delayMs = retryDelayMs(failure, info.attempt, info.retryPolicy);
  return {
    activity: info.activityType,
    call: CALL_NAMES[info.activityType] ?? info.activityType,
    attempt: triesBefore + info.attempt + 1,
    lastError: retryErrorOf(failure),
    ...(delayMs !== undefined ? { nextAttemptAt: new Date(Date.now() + delayMs).toISOString() } : {}),
  };
}

/**
 * One log line for an attempt that failed and will be tried again, numbered as the run, the CLI and
 * the UI number it (across the POST's first, local try): `cancel POST attempt 2 failed: CppServerError
 * HTTP 503: …; attempt 3 at 12:00:03Z`. No stack: a retried failure is expected; the SDK's own
 * `Activity failed` line, with the stack, is DEBUG (src/worker-process/observability/logging.ts).
 */
function logFailedAttempt(failure: ApplicationFailure, triesBefore: number, retry: CallRetry | undefined): void {
  const info = Context.current().info;
  const attempt = triesBefore + info.attempt;
  const call = CALL_NAMES[info.activityType] ?? info.activityType;
  const error = retryErrorOf(failure);
  const next = retry?.nextAttemptAt ? `attempt ${retry.attempt} at ${retry.nextAttemptAt.slice(11, 19)}Z` : `retried unless the deadline has passed`;
  log.warn(`${call} attempt ${attempt} failed: ${error.type}${error.httpStatus !== undefined ? ` HTTP ${error.httpStatus}` : ''}: ${error.message}; ${next}`, {
    call,
    attempt,
    failureType: error.type,
    ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    ...(retry?.nextAttemptAt ? { nextAttemptAt: retry.nextAttemptAt } : {}),
  });
}

/**
 * Logs an attempt that failed retryably, and signals the run about the retry it leads to; never
 * throws, waits at most two seconds.
 */
export async function noticeRetry(failure: unknown, triesBefore = 0): Promise<void> {
  const retry = retryStateAfter(failure, triesBefore);
  if (failure instanceof ApplicationFailure && !failure.nonRetryable) logFailedAttempt(failure, triesBefore, retry);
  const run = Context.current().info.workflowExecution;
  if (!retry || !run) return;
  const { workflowId, runId } = run;
  let timer: NodeJS.Timeout | undefined;
  try {
    const signalled = Context.current().client.workflow.getHandle(workflowId, runId).signal(callRetryingSignal, retry);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${NOTICE_TIMEOUT_MS} ms`)), NOTICE_TIMEOUT_MS);
    });
    await Promise.race([signalled, timedOut]);
  } catch (err) {
    log.warn('could not tell the run about the retry (display only)', { error: err instanceof Error ? err.message : String(err) });
  } finally {
    clearTimeout(timer);
  }
}
