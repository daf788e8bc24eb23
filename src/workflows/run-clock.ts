/**
 * The one owner of time in a cancellation run: the overall deadline, the time an activity may take,
 * and when the next poll is due and why. The workflow asks it before every wait, every activity and
 * every deadline check, and writes the progress's `nextPollAt` from it (never the other way round).
 * Deterministic: `Date.now()` here is the workflow's own clock.
 */
import type { PollingOptions } from '../contract';
import type { ContinuationState } from '../contract/internal';
import { nextPollStep } from '../workflow-safe/poll-schedule';

/** Activity attempts never outlive the workflow's deadline, but always get this much. */
const MIN_ACTIVITY_WINDOW_MS = 5_000;

type Schedule = Pick<PollingOptions, 'initialIntervalSeconds' | 'maxIntervalSeconds' | 'backoffCoefficient' | 'timeoutSeconds'>;

export class RunClock {
  /** When the next poll is due; none before the 202 and after the end. */
  #nextPollAtMs: number | undefined;
  /** The backoff interval for the wait after the next poll. */
  #intervalMs: number;
  /** Whether the next wait is as long as it is because of a `Retry-After` (the timer's summary says so). */
  #waitIsRetryAfter = false;

  private constructor(
    readonly deadlineMs: number,
    private readonly polling: Schedule,
    intervalMs: number,
    nextPollAtMs?: number,
  ) {
    this.#intervalMs = intervalMs;
    this.#nextPollAtMs = nextPollAtMs;
  }

  /** A run from its start: the deadline is `timeoutSeconds` after it. */
  static fresh(startedAtMs: number, polling: Schedule): RunClock {
    return new RunClock(startedAtMs + polling.timeoutSeconds * 1000, polling, polling.initialIntervalSeconds * 1000);
  }

  /**
   * A run continued as new: the deadline, the interval and (`keepNextPoll`) the next poll time the
   * previous run handed over. Without `keepNextPoll` (runs from before that patch) it polls at once.
   */
  static resumed(continuation: Pick<ContinuationState, 'deadlineAt' | 'nextIntervalMs' | 'nextPollAt'>, polling: Schedule, keepNextPoll: boolean): RunClock {
    return new RunClock(Date.parse(continuation.deadlineAt), polling, continuation.nextIntervalMs, keepNextPoll ? Date.parse(continuation.nextPollAt) : undefined);
  }

  /** Time left before the deadline (negative once it has passed). */
  remainingMs(): number {
    return this.deadlineMs - Date.now();
  }

  hasPassed(): boolean {
    return this.remainingMs() <= 0;
  }

  /** Whether a wait of `delayMs` still ends before the deadline, so something can be tried after it. */
  leavesTimeFor(delayMs: number): boolean {
    return Date.now() + delayMs < this.deadlineMs;
  }

  /** The least time an activity gets, however close the deadline. */
  readonly floorMs = MIN_ACTIVITY_WINDOW_MS;

  /** An activity's schedule-to-close: up to the deadline (plus `extraMs`), never less than the floor. */
  activityWindowMs(extraMs = 0): number {
    return Math.max(this.remainingMs() + extraMs, MIN_ACTIVITY_WINDOW_MS);
  }

  /**
   * CPP answered 202: the first poll waits the first interval, or the 202's `Retry-After` when longer.
   * The interval does not grow yet: the wait after the first poll is the first interval again.
   */
  accepted(retryAfterMs: number | undefined): void {
    this.#waitIsRetryAfter = retryAfterMs !== undefined && retryAfterMs > this.#intervalMs;
    this.#nextPollAtMs = Date.now() + Math.min(Math.max(retryAfterMs ?? 0, this.#intervalMs), Math.max(0, this.remainingMs()));
  }

  /**
   * A poll (or a watch) answered with an operation that is still running: schedules the next one
   * on the backoff, `Retry-After` honoured. `intervalMs`: the interval a watch reached on its own.
   */
  polled(retryAfterMs: number | undefined, intervalMs?: number): void {
    if (intervalMs !== undefined) this.#intervalMs = intervalMs;
    this.#schedule(retryAfterMs);
  }

  /** The operation ended: no poll is due any more. */
  stopped(): void {
    this.#nextPollAtMs = undefined;
  }

  /** How long until the next poll is due (0 when it is due now or none was scheduled). */
  waitMs(): number {
    return this.#nextPollAtMs === undefined ? 0 : Math.max(0, this.#nextPollAtMs - Date.now());
  }

  /** Whether the next wait is a `Retry-After` longer than the backoff (the timer's summary says so). */
  get waitIsRetryAfter(): boolean {
    return this.#waitIsRetryAfter;
  }

  /** ISO time of the next poll, for progress and the continuation; undefined when none is due. */
  get nextPollAt(): string | undefined {
    return this.#nextPollAtMs === undefined ? undefined : new Date(this.#nextPollAtMs).toISOString();
  }

  /** The backoff interval for the wait after the next poll (what a watch starts from). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** What the next run needs to keep this clock: the deadline, the interval and the next poll. */
  handOver(): Pick<ContinuationState, 'deadlineAt' | 'nextIntervalMs' | 'nextPollAt'> {
    return { deadlineAt: new Date(this.deadlineMs).toISOString(), nextIntervalMs: this.#intervalMs, nextPollAt: this.nextPollAt ?? new Date().toISOString() };
  }

  /** The next poll: max(Retry-After, interval), never past the deadline; the interval then grows. */
  #schedule(retryAfterMs: number | undefined): void {
    const step = nextPollStep(this.#intervalMs, retryAfterMs, Math.max(0, this.remainingMs()), this.polling);
    this.#waitIsRetryAfter = retryAfterMs !== undefined && retryAfterMs > this.#intervalMs;
    this.#nextPollAtMs = Date.now() + step.waitMs;
    this.#intervalMs = step.nextIntervalMs;
  }
}
