/**
 * How the workflow sends the cancel POST: first as a local activity, inside the workflow task
 * (a cancellation answered 200 then costs one workflow task, not two plus an activity task); a
 * retryable failure hands the retries to an ordinary activity, which Temporal retries, the UI shows
 * and `describe` lists as before. Deterministic code only.
 */
import { ApplicationFailure, patched, sleep, TimeoutFailure } from '@temporalio/workflow';
import { type FailureInfo } from '../contract';
import { CALL_NAMES } from '../contract/internal';
import { retryErrorOf } from '../workflow-safe/retry-error';
import type { RequestCancellationInput, RequestCancellationResult } from '../activities/cancellation';
import { cancellationActivities, FIRST_RETRY_DELAY_MS, postLocalActivity } from './activity-stubs';
import type { CancellationRun } from './cancellation-run';
import { PATCHES } from './patches';
import type { RunClock } from './run-clock';
import { asActivityFailure } from './run-failures';


const ACTIVITY = 'requestCancellation';
const SUMMARY = 'cancel POST (after a look-up of running operations on retries)';

/** Sends the cancel POST once (a look-up first whenever an earlier try may have reached CPP). */
export async function sendCancelPost(run: CancellationRun, post: RequestCancellationInput, clock: RunClock): Promise<RequestCancellationResult> {
  if (!patched(PATCHES.cancelPostAsLocalActivity)) return cancellationActivities(clock, SUMMARY).requestCancellation(post);
  try {
    return await postLocalActivity(clock, SUMMARY).requestCancellation({ ...post, lookUpFirst: run.mayHavePostedBefore() });
  } catch (err) {
    const retryable = retryableCause(err);
    const delayMs = retryable ? retryDelayMs(retryable) : 0;
    // Final failures, a cancellation, or no time left to retry in: the run ends on this failure.
    if (!retryable || !clock.leavesTimeFor(delayMs)) throw asActivityFailure(err, ACTIVITY);
    const lastError = retryable instanceof TimeoutFailure ? { type: 'Timeout', message: retryable.message } : retryErrorOf(retryable);
    run.retrying({ activity: ACTIVITY, call: CALL_NAMES[ACTIVITY] ?? ACTIVITY, attempt: 2, lastError, nextAttemptAt: new Date(Date.now() + delayMs).toISOString() });
    await sleep(delayMs, { summary: 'wait before retrying the cancel POST' });
    // The first try may have reached CPP: every retry looks up running operations first.
    return cancellationActivities(clock, SUMMARY).requestCancellation({ ...post, lookUpFirst: true });
  }
}

/** The failure of a first try that a retry may fix (a retryable application failure, or a timeout). */
function retryableCause(err: unknown): ApplicationFailure | TimeoutFailure | undefined {
  if (err instanceof ApplicationFailure && !err.nonRetryable) return err;
  if (err instanceof TimeoutFailure) return err;
  return undefined;
}

/** The failure's own delay (a `Retry-After`, carried in its details), else the retry policy's first interval. */
function retryDelayMs(failure: ApplicationFailure | TimeoutFailure): number {
  const own = failure instanceof ApplicationFailure ? (failure.details?.[0] as Partial<FailureInfo> | undefined)?.retryAfterMs : undefined;
  return typeof own === 'number' && own > 0 ? own : FIRST_RETRY_DELAY_MS;
}
