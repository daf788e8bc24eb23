/**
 * When to poll next: max(Retry-After, backoff interval), never past the deadline; the interval
 * grows exponentially up to the cap. Pure, so the workflow, the watch activity and the benchmark's
 * cost model use the very same rule.
 */
import type { PollingOptions } from '../contract';

export interface PollStep {
  /** How long to wait before the next poll. */
  waitMs: number;
  /** The backoff interval to use after that poll. */
  nextIntervalMs: number;
}

export function nextPollStep(
  intervalMs: number,
  retryAfterMs: number | undefined,
  remainingMs: number,
  polling: Pick<PollingOptions, 'backoffCoefficient' | 'maxIntervalSeconds'>,
): PollStep {
  return {
    waitMs: Math.min(Math.max(retryAfterMs ?? 0, intervalMs), remainingMs),
    nextIntervalMs: Math.min(intervalMs * polling.backoffCoefficient, polling.maxIntervalSeconds * 1000),
  };
}
