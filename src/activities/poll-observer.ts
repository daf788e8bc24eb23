/**
 * What the status-poll activities tell about their timing, for the "polls overdue" alert: how late a
 * poll started against the time the workflow planned it (`dueAt`, the run's `nextPollAt`).
 */
import { activityInfo } from '@temporalio/activity';

export interface PollObserver {
  /** A first attempt's poll began `lateMs` after it was due (negative: early, as a clock skew may make it). */
  pollStarted(endpoint: 'getOperation' | 'jobStatus', lateMs: number): void;
}

/**
 * Tells `observer` how late this poll is, when the workflow said when it was due. A retried attempt
 * is not measured: its delay is the retry policy's, on purpose.
 */
export function observePollStart(observer: PollObserver | undefined, endpoint: 'getOperation' | 'jobStatus', dueAt: string | undefined): void {
  if (!observer || dueAt === undefined || activityInfo().attempt > 1) return;
  const due = Date.parse(dueAt);
  if (Number.isFinite(due)) observer.pollStarted(endpoint, Date.now() - due);
}

/** `poll`, telling `observer` how late its first call is: a watch plans its later polls itself. */
export function observingFirstPoll<A extends unknown[], R>(observer: PollObserver | undefined, endpoint: 'getOperation' | 'jobStatus', dueAt: string | undefined, poll: (...args: A) => R): (...args: A) => R {
  let first = true;
  return (...args) => {
    if (first) observePollStart(observer, endpoint, dueAt);
    first = false;
    return poll(...args);
  };
}
