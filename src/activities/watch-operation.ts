/**
 * Polls an operation on the workflow's own schedule inside one call, and returns at the first answer
 * the caller has not seen: a terminal status, any change of status, steps or percentages, the end
 * of the window, or the deadline. Unchanged answers therefore cost the workflow nothing. Temporal-free:
 * the `watchOperation` activity is a thin adapter over it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OperationView, PollingOptions } from '../contract';
import { TERMINAL_OPERATION_STATUSES } from '../workflow-safe/operation-status';
import { nextPollStep } from '../workflow-safe/poll-schedule';

export interface WatchRequest {
  location: string;
  /** The operation as the caller last saw it: an answer equal to it is not returned. */
  last?: OperationView;
  /** The wait before the first poll (the caller's next poll time). */
  firstWaitMs: number;
  /** ISO-8601: when the first poll is due (the run's `nextPollAt`), to measure how late it starts. */
  dueAt?: string;
  /** The backoff interval for the wait after the first poll. */
  intervalMs: number;
  polling: Pick<PollingOptions, 'backoffCoefficient' | 'maxIntervalSeconds' | 'watchWindowSeconds'>;
  /** ISO-8601: no poll is waited for past it. */
  deadlineAt: string;
}

export interface WatchResult {
  operation: OperationView;
  /** GETs in this watch (at least 1). */
  polls: number;
  lastPolledAt: string;
  /**
   * The interval in force at the last poll and that poll's Retry-After: the caller's next wait is
   * `nextPollStep(intervalMs, retryAfterMs, …)`, exactly as after a single poll.
   */
  intervalMs: number;
  retryAfterMs?: number;
}

export interface WatchDeps {
  /** One GET of the operation. */
  poll: (signal: AbortSignal | undefined) => Promise<{ operation: OperationView; retryAfterMs?: number }>;
  signal?: AbortSignal;
  /** A clock and a wait: real ones by default; the benchmark's cost model runs this loop on virtual time. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<unknown>;
}

const realSleep = (ms: number, signal: AbortSignal | undefined) => sleep(ms, undefined, signal ? { signal } : {});

/** Whether two views of the operation show a caller the same thing (key order is the client's, kept by JSON). */
function sameOperation(a: OperationView | undefined, b: OperationView): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Polls until there is something to tell; a failed GET ends the watch with its error (the caller retries). */
export async function watchOperation(req: WatchRequest, { poll, signal, now = Date.now, sleep: wait = realSleep }: WatchDeps): Promise<WatchResult> {
  const startedMs = now();
  const windowMs = req.polling.watchWindowSeconds * 1000;
  const deadlineMs = Date.parse(req.deadlineAt);
  let { last, intervalMs } = req;
  let waitMs = req.firstWaitMs;
  for (let polls = 1; ; polls++) {
    if (waitMs > 0) await wait(waitMs, signal);
    const { operation, retryAfterMs } = await poll(signal);
    const result: WatchResult = { operation, polls, lastPolledAt: new Date(now()).toISOString(), intervalMs, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    const remainingMs = deadlineMs - now();
    if (TERMINAL_OPERATION_STATUSES.has(operation.status) || !sameOperation(last, operation) || remainingMs <= 0) return result;
    const step = nextPollStep(intervalMs, retryAfterMs, remainingMs, req.polling);
    // The next wait would end past the window: the caller's next watch waits it instead.
    if (now() - startedMs + step.waitMs > windowMs) return result;
    last = operation;
    waitMs = step.waitMs;
    intervalMs = step.nextIntervalMs;
  }
}
