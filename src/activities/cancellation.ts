/**
 * The activities of the cancellation workflow: thin adapters from Temporal to the CPP client.
 * Built by a factory over their dependencies, so the worker wires the real client and tests
 * wire one pointed at the simulator.
 */
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, type FailureInfo, type OperationView } from '../contract';
import type { CppClient, CppOperation } from '../cpp/types';
import { toActivityFailure } from './failures';

export interface RequestCancellationInput {
  publisherId: string;
  offerId: string;
  notificationEmails: string[];
  apiVersion: string;
  expectedOperationId?: string;
}

export type RequestCancellationResult =
  | { kind: 'synchronous'; confirmedByLookup?: boolean }
  | { kind: 'accepted'; location: string; retryAfterMs?: number; confirmedByLookup?: boolean };

export interface OperationStatusResult {
  operation: OperationView;
  retryAfterMs?: number;
}

export interface CancellationActivityDeps {
  client: CppClient;
}

function isCancelOperation(op: CppOperation): boolean {
  return /cancel/i.test(op.submissionType ?? '');
}

function viewOf(op: CppOperation): OperationView {
  return {
    id: op.id,
    status: op.status,
    rawStatus: op.rawStatus,
    steps: op.steps,
    progressPercentage: op.progressPercentage,
    error: op.error,
  };
}

function operationMismatch(message: string, expected: string, actual?: string): ApplicationFailure {
  const info: FailureInfo = { type: FailureType.OperationMismatch, message, code: actual ?? 'none' };
  return ApplicationFailure.create({ type: FailureType.OperationMismatch, message, nonRetryable: true, details: [{ ...info, expected }] });
}

/** How often a running activity tells Temporal it is alive; the workflow's heartbeat timeout is a few of these. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Heartbeats while `work` runs, so a worker that dies mid-request is noticed within the heartbeat
 * timeout (seconds) instead of the start-to-close timeout (minutes), and a workflow cancellation
 * reaches the request as an abort.
 */
async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const ticker = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

/** Builds the activities over a CPP client. */
export function createCancellationActivities({ client }: CancellationActivityDeps) {
  /**
   * Where an earlier attempt may have sent the POST (its answer lost to a crash or a timeout),
   * looks at the offer's running operations before sending it again: a running cancel operation
   * is adopted, and no running operation at all means the cancel already took effect.
   */
  async function earlierAttemptOutcome(input: RequestCancellationInput): Promise<{ result?: RequestCancellationResult; running: CppOperation[] }> {
    const running = await client.listOperations(input.publisherId, input.offerId, {
      status: 'running',
      apiVersion: input.apiVersion,
      signal: cancellationSignal(),
    });
    if (activityInfo().attempt === 1) return { running };
    const cancelOp = running.find(isCancelOperation);
    if (cancelOp?.id) {
      const path = `/api/publishers/${encodeURIComponent(input.publisherId)}/offers/${encodeURIComponent(input.offerId)}/operations/${encodeURIComponent(cancelOp.id)}?api-version=${encodeURIComponent(input.apiVersion)}`;
      log.info('cancel operation already running: not sending the POST again', { operationId: cancelOp.id });
      return { running, result: { kind: 'accepted', location: path, confirmedByLookup: true } };
    }
    if (running.length === 0) {
      log.info('no operation running any more: the earlier POST took effect', { attempt: activityInfo().attempt });
      return { running, result: { kind: 'synchronous', confirmedByLookup: true } };
    }
    return { running };
  }

  return {
    /** Sends the cancel POST (at most once per attempt) and reports 200 vs 202. */
    async requestCancellation(input: RequestCancellationInput): Promise<RequestCancellationResult> {
      return withHeartbeat(() => requestCancellationOnce(input));
    },

    /** One GET of the operation at `location`. */
    async getOperationStatus(input: { location: string }): Promise<OperationStatusResult> {
      return withHeartbeat(async () => {
        try {
          const poll = await client.getOperation(input.location, { signal: cancellationSignal() });
          return { operation: viewOf(poll.operation), retryAfterMs: poll.retryAfterMs };
        } catch (err) {
          throw toActivityFailure(err);
        }
      });
    },
  };

  /** The POST, after checking what an earlier attempt may already have done. */
  async function requestCancellationOnce(input: RequestCancellationInput): Promise<RequestCancellationResult> {
    try {
      const needsLookup = activityInfo().attempt > 1 || input.expectedOperationId !== undefined;
      if (needsLookup) {
        const { result, running } = await earlierAttemptOutcome(input);
        if (result) return result;
        if (input.expectedOperationId !== undefined) {
          const current = running.find((op) => !isCancelOperation(op));
          if (current?.id !== input.expectedOperationId) {
            throw operationMismatch(
              current
                ? `offer ${input.publisherId}/${input.offerId} is running operation ${current.id ?? '(no id)'}, not the expected ${input.expectedOperationId}; nothing was cancelled`
                : `offer ${input.publisherId}/${input.offerId} has no running operation (expected ${input.expectedOperationId}); nothing was cancelled`,
              input.expectedOperationId,
              current?.id,
            );
          }
        }
      }
      const response = await client.cancelOperation(input, { signal: cancellationSignal() });
      if (response.kind === 'synchronous') return { kind: 'synchronous' };
      return { kind: 'accepted', location: response.location, retryAfterMs: response.retryAfterMs };
    } catch (err) {
      throw toActivityFailure(err);
    }
  }
}

export type CancellationActivities = ReturnType<typeof createCancellationActivities>;
