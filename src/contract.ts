/**
 * The contract of the cancellation workflow, shared by the workflow, its clients and the tests:
 * names (workflow type, task queue, signals, queries, search attributes) and payload types.
 *
 * Safe to import from workflow code: no Node built-ins, no I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OperationStatus, OperationStep } from './cpp/types';

/** Workflow type name, as typed in the Temporal UI's "Start Workflow" form. */
export const WORKFLOW_TYPE = 'cancelOfferOperation';
/** Task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'cpp-offer-cancellation';
/** Default name of the signal sent to every notify target when a run ends. */
export const COMPLETION_SIGNAL_NAME = 'offerCancellationCompleted';

export const SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase'] as const;
export const publisherIdSearchAttribute = defineSearchAttributeKey('CppPublisherId', SearchAttributeType.KEYWORD);
export const offerIdSearchAttribute = defineSearchAttributeKey('CppOfferId', SearchAttributeType.KEYWORD);
export const cancelPhaseSearchAttribute = defineSearchAttributeKey('CppCancelPhase', SearchAttributeType.KEYWORD);

/** The default workflow id: one cancellation per offer at a time; a second start attaches. */
export function defaultWorkflowId(publisherId: string, offerId: string): string {
  return `cpp-cancel/${publisherId}/${offerId}`;
}

/** Who to signal when the run ends. */
export interface NotifyTarget {
  workflowId: string;
  runId?: string;
  /** @default 'offerCancellationCompleted' */
  signalName?: string;
}

/** How the workflow polls a 202's operation. All optional in the input. */
export interface PollingOptions {
  /** First wait after the 202 (unless `Retry-After` asks for longer). @default 5 */
  initialIntervalSeconds: number;
  /** Cap of the exponential backoff between polls. @default 60 */
  maxIntervalSeconds: number;
  /** @default 2 */
  backoffCoefficient: number;
  /** Overall deadline from the workflow's start, for the POST and all polls. @default 86400 (24 h) */
  timeoutSeconds: number;
  /** Polls per run before continue-as-new keeps history short. @default 100 */
  maxPollsPerRun: number;
}

/** The input: one JSON object, pasteable in the Temporal UI. */
export interface CancelOfferInput {
  publisherId: string;
  offerId: string;
  /** An array, or a comma-separated string. */
  notificationEmails: string[] | string;
  /** @default '2017-10-31' */
  apiVersion?: string;
  polling?: Partial<PollingOptions>;
  notify?: NotifyTarget[];
  /** Refuse to cancel when the offer's running operation is another one. */
  expectedOperationId?: string;
  /** Set by the workflow itself when it continues as new; never by callers. */
  continuation?: ContinuationState;
}

export type CancelPhase = 'validating' | 'requesting' | 'polling' | 'completed' | 'failed' | 'canceled';
export type CancelMode = 'synchronous' | 'asynchronous';

export interface OperationView {
  id?: string;
  status: OperationStatus;
  rawStatus?: string;
  steps: OperationStep[];
  progressPercentage?: number;
  error?: string;
}

/** Answer of the `progress` query, during and after the run. Times are ISO-8601. */
export interface CancelOfferProgress {
  phase: CancelPhase;
  publisherId?: string;
  offerId?: string;
  mode?: CancelMode;
  location?: string;
  operation?: OperationView;
  polls: number;
  lastPolledAt?: string;
  nextPollAt?: string;
  lastError?: FailureInfo;
  startedAt: string;
  finishedAt?: string;
  /** Runs this cancellation has continued as new. */
  continuedAsNew: number;
}

/** What a successful run returns. */
export interface CancelOfferResult {
  outcome: 'canceled';
  mode: CancelMode;
  operation: { id?: string; status: OperationStatus; rawStatus?: string; location?: string };
  polls: number;
  /** True when a retried POST found the cancel had already taken effect and was not re-sent. */
  confirmedByLookup?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** The typed failures of the workflow (`ApplicationFailure.type`), all non-retryable. */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  CppBadRequest: 'CppBadRequest',
  CppForbidden: 'CppForbidden',
  CppNotFound: 'CppNotFound',
  CancelOperationFailed: 'CancelOperationFailed',
  PollingDeadlineExceeded: 'PollingDeadlineExceeded',
  CppProtocolError: 'CppProtocolError',
  OperationMismatch: 'OperationMismatch',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** A failure as carried in `details[0]`, in `progress.lastError` and in completion signals. */
export interface FailureInfo {
  type: string;
  message: string;
  httpStatus?: number;
  /** Truncated, secret-free error body from the API. */
  body?: string;
  /** The client's stable error code (`BadRequest`, `ForeignLocation`, …). */
  code?: string;
}

/** Payload of the completion signal. */
export interface CompletionSignalPayload {
  workflowId: string;
  runId: string;
  outcome: 'canceled' | 'failed' | 'workflowCanceled';
  result?: CancelOfferResult;
  failure?: FailureInfo;
}

/** Internal: what a run hands to the next when it continues as new. */
export interface ContinuationState {
  startedAt: string;
  deadlineAt: string;
  location: string;
  mode: CancelMode;
  polls: number;
  nextIntervalMs: number;
  nextPollAt: string;
  operation?: OperationView;
  lastPolledAt?: string;
  notify: NotifyTarget[];
  continuedAsNew: number;
}

export const progressQuery = defineQuery<CancelOfferProgress>('progress');
export const subscribeSignal = defineSignal<[NotifyTarget]>('subscribe');
export const completionSignal = defineSignal<[CompletionSignalPayload]>(COMPLETION_SIGNAL_NAME);
