/**
 * The cancellation's activities as the workflow calls them, with timeouts and the retry policy
 * written next to them. Deterministic code only.
 */
import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import { FINAL_FAILURE_TYPES, FINAL_JOB_FAILURE_TYPES } from '../contract';
import type { CancellationActivities } from '../activities/cancellation';
import type { IngestionActivities } from '../activities/ingestion';
import type { RunClock } from './run-clock';
/** One CPP call's start-to-close: longer than the client's connect + headers + body timeouts together. */
const CALL_TIMEOUT_MS = 2 * 60_000;

/**
 * The activities, with retries bounded by the time `clock` leaves before the overall deadline, and
 * `summary` naming the call in the Temporal UI's timeline (e.g. `poll #3`).
 */
export function cancellationActivities(clock: RunClock, summary: string): CancellationActivities {
  return proxyActivities<CancellationActivities>({
    ...options(clock.activityWindowMs(), summary),
    startToCloseTimeout: CALL_TIMEOUT_MS,
    // Activities heartbeat every second: a dead worker's attempt is retried within seconds.
    heartbeatTimeout: '10 seconds',
  });
}

/**
 * `watchOperation`, which polls for up to `windowMs` in one attempt. It does not heartbeat (each
 * heartbeat is a billable action), so a worker killed mid-watch is noticed at the start-to-close
 * timeout: the window plus one call's time.
 */
export function watchActivity(clock: RunClock, windowMs: number, summary: string): Pick<CancellationActivities, 'watchOperation'> {
  // A watch may wait right up to the deadline before its last poll: that poll gets the usual floor.
  return proxyActivities<CancellationActivities>({ ...options(clock.activityWindowMs(clock.floorMs), summary), startToCloseTimeout: windowMs + CALL_TIMEOUT_MS });
}

/** The retry policy's first interval: also the wait before the POST's first retry after its local try. */
export const FIRST_RETRY_DELAY_MS = 1_000;

/**
 * The cancel POST's first try, as a local activity: it runs inside the workflow task. It is not
 * retried locally: a retryable failure goes to an ordinary activity (src/workflows/cancel-post.ts),
 * so a retry is recorded, shown and listed by Temporal, and no retry notice lands mid-task.
 */
export function postLocalActivity(clock: RunClock, summary: string): Pick<CancellationActivities, 'requestCancellation'> {
  const { retry, ...rest } = options(clock.activityWindowMs(), summary);
  return proxyLocalActivities<CancellationActivities>({ ...rest, retry: { ...retry, maximumAttempts: 1 }, startToCloseTimeout: CALL_TIMEOUT_MS });
}

/**
 * A Product Ingestion job's activities, as {@link cancellationActivities} are the CPP ones'. The
 * summary read after the end (`getJobSummary`) is tried a few times only: the cancellation is done,
 * and a summary that cannot be read is reported as such rather than holding the run open.
 */
export function jobActivities(clock: RunClock, summary: string): IngestionActivities {
  return proxyActivities<IngestionActivities>({
    ...options(clock.activityWindowMs(), summary, FINAL_JOB_FAILURE_TYPES),
    startToCloseTimeout: CALL_TIMEOUT_MS,
    heartbeatTimeout: '10 seconds',
  });
}

/** `getJobSummary`, at most {@link SUMMARY_ATTEMPTS} tries. */
export function jobSummaryActivity(clock: RunClock): Pick<IngestionActivities, 'getJobSummary'> {
  const { retry, ...rest } = options(clock.activityWindowMs(), 'summary of what the job processed', FINAL_JOB_FAILURE_TYPES);
  return proxyActivities<IngestionActivities>({ ...rest, retry: { ...retry, maximumAttempts: SUMMARY_ATTEMPTS }, startToCloseTimeout: CALL_TIMEOUT_MS, heartbeatTimeout: '10 seconds' });
}

const SUMMARY_ATTEMPTS = 5;

function options(scheduleToCloseMs: number, summary: string, finalTypes: string[] = FINAL_FAILURE_TYPES): ActivityOptions {
  return {
    summary,
    scheduleToCloseTimeout: scheduleToCloseMs,
    retry: {
      initialInterval: FIRST_RETRY_DELAY_MS,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      // Failures retrying cannot fix; a `Retry-After` reaches Temporal as the failure's nextRetryDelay.
      nonRetryableErrorTypes: finalTypes,
    },
  };
}
