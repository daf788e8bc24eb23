/**
 * The cancellation's activities as the workflow calls them, with timeouts and the retry policy
 * written next to them. Deterministic code only.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { FINAL_FAILURE_TYPES } from '../contract';
import type { CancellationActivities } from '../activities/cancellation';

/** Activity attempts never outlive the workflow's deadline, but always get this much. */
const MIN_ACTIVITY_WINDOW_MS = 5_000;

/**
 * The activities, with retries bounded by the `remainingMs` left before the overall deadline, and
 * `summary` naming the call in the Temporal UI's timeline (e.g. `poll #3`).
 */
export function cancellationActivities(remainingMs: number, summary: string): CancellationActivities {
  const options: ActivityOptions = {
    summary,
    // Longer than the client's connect + headers + body timeouts together.
    startToCloseTimeout: '2 minutes',
    // Activities heartbeat every second: a dead worker's attempt is retried within seconds.
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: Math.max(remainingMs, MIN_ACTIVITY_WINDOW_MS),
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      // Failures retrying cannot fix; a `Retry-After` reaches Temporal as the failure's nextRetryDelay.
      nonRetryableErrorTypes: FINAL_FAILURE_TYPES,
    },
  };
  return proxyActivities<CancellationActivities>(options);
}
