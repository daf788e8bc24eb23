/**
 * The activities of the cancellation workflow: thin adapters from Temporal to the CPP client.
 * Built by a factory over their dependencies, so the worker wires the real client and tests
 * wire one pointed at the simulator.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import type { OperationView } from '../contract';
import { cancelAtMostOnce, type CancelRequest } from '../cpp/cancel-at-most-once';
import type { CppClient, CppOperation } from '../cpp/types';
import { observePollStart, observingFirstPoll, type PollObserver } from './poll-observer';
import { watchOperation, type WatchRequest, type WatchResult } from './watch-operation';
import { failAttempt, withHeartbeat } from './attempts';

/**
 * `lookUpFirst`: an earlier worker may have sent this POST already (the workflow asks for it when it
 * runs the POST as a local activity again after a workflow task timed out or failed): the first
 * attempt then looks up running operations as a retry would.
 */
export type RequestCancellationInput = CancelRequest & { notificationEmails: string[]; lookUpFirst?: boolean };

/**
 * How the POST went. `confirmedByLookup`: a retry found the earlier POST had taken effect (nothing
 * running, or a cancel operation to adopt); `confirmedByRetriedPost`: a retry whose look-up could
 * not tell was answered 400, nothing left to cancel.
 */
export type RequestCancellationResult =
  | { kind: 'synchronous'; confirmedByLookup?: boolean; confirmedByRetriedPost?: boolean }
  | { kind: 'asynchronous'; location: string; retryAfterMs?: number; confirmedByLookup?: boolean };

export interface OperationStatusResult {
  operation: OperationView;
  retryAfterMs?: number;
}

export interface CancellationActivityDeps {
  client: CppClient;
  /** Told how late each poll started, for the "polls overdue" alert. */
  observer?: PollObserver;
}

/** What the workflow keeps of a polled operation (and what a watch compares to tell a change). */
export function viewOf(op: CppOperation): OperationView {
  return {
    id: op.id,
    status: op.status,
    rawStatus: op.rawStatus,
    steps: op.steps,
    progressPercentage: op.progressPercentage,
    error: op.error,
  };
}

/** Builds the activities over a CPP client. */
export function createCancellationActivities({ client, observer }: CancellationActivityDeps) {
  const pollOnce = async (location: string, signal: AbortSignal | undefined): Promise<OperationStatusResult> => {
    const poll = await client.getOperation(location, { signal });
    return { operation: viewOf(poll.operation), retryAfterMs: poll.retryAfterMs };
  };
  return {
    /** Sends the cancel POST (at most once per attempt, after a look-up on retries) and reports 200 vs 202. */
    async requestCancellation({ lookUpFirst, ...input }: RequestCancellationInput): Promise<RequestCancellationResult> {
      return withHeartbeat(async () => {
        try {
          const outcome = await cancelAtMostOnce(client, input, {
            // A local activity run again by another worker starts over at attempt 1: it counts as a retry.
            attempt: activityInfo().attempt + (lookUpFirst ? 1 : 0),
            signal: cancellationSignal(),
            log: (message, attributes) => {
              log.info(message, attributes);
            },
          });
          const { confirmedBy, ...rest } = outcome;
          if (confirmedBy === 'lookup') return { ...rest, confirmedByLookup: true };
          if (confirmedBy === 'retriedPost') return { ...rest, confirmedByRetriedPost: true };
          return rest;
        } catch (err) {
          return failAttempt(err, lookUpFirst ? 1 : 0);
        }
      });
    },

    /** One GET of the operation at `location`; `dueAt` is when the workflow planned it (the run's `nextPollAt`). */
    async getOperationStatus(input: { location: string; dueAt?: string }): Promise<OperationStatusResult> {
      observePollStart(observer, 'getOperation', input.dueAt);
      return withHeartbeat(async () => {
        try {
          return await pollOnce(input.location, cancellationSignal());
        } catch (err) {
          return failAttempt(err);
        }
      });
    },

    /**
     * Polls inside one attempt until the operation changes, ends, or the window closes (see
     * src/activities/watch-operation.ts). No heartbeats: each would be a billable action. A retried attempt
     * polls at once, since Temporal has already waited its backoff or the Retry-After.
     */
    async watchOperation(input: WatchRequest): Promise<WatchResult> {
      const signal = cancellationSignal();
      try {
        const firstWaitMs = activityInfo().attempt > 1 ? 0 : input.firstWaitMs;
        const poll = observingFirstPoll(observer, 'getOperation', input.dueAt, (s: AbortSignal | undefined) => pollOnce(input.location, s));
        return await watchOperation({ ...input, firstWaitMs }, { poll, signal });
      } catch (err) {
        // A cancelled wait (worker shutdown, or a cancel that reached us) ends as the SDK's cancellation.
        if (signal.aborted) throw signal.reason;
        return failAttempt(err);
      }
    },
  };
}

export type CancellationActivities = ReturnType<typeof createCancellationActivities>;
