/**
 * One cancellation's contract, shared by the workflow, its clients and the tests: names (workflow
 * type, task queue, queries, signals, the update) and the payload types callers write and read.
 *
 * Safe to import from workflow code: no Node built-ins, no I/O.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FailureInfo } from './failure-types';
import type { ContinuationState } from './internal';

/** An operation's status, normalised; `rawStatus` keeps what the API said. */
export type OperationStatus = 'notStarted' | 'running' | 'completed' | 'failed' | 'canceled' | 'unknown';

export interface OperationStepMessage {
  level?: string;
  /** The API's `messageHtml`, as sent. */
  messageHtml: string;
  timestamp?: string;
}

export interface OperationStep {
  id?: string;
  /** `stepName` in the API. */
  name: string;
  /** As sent: `notStarted`, `inProgress`, `complete`, `blocked`, `failed`, … */
  status: string;
  progressPercentage?: number;
  estimatedTimeFrame?: string;
  messages: OperationStepMessage[];
}

/** Workflow type name, as typed in the Temporal UI's "Start Workflow" form. */
export const WORKFLOW_TYPE = 'cancelOfferOperation';
/** Task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'cpp-offer-cancellation';
/** Default name of the signal sent to every notify target when a run ends. */
export const COMPLETION_SIGNAL_NAME = 'offerCancellationCompleted';

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
  /**
   * 0: every poll is an activity and every wait a timer. Above 0: polls run inside one activity
   * (same schedule, same `Retry-After`) that returns on any change of the operation or after this
   * many seconds, so unchanged answers cost no history; a worker killed mid-watch is noticed after
   * the window plus 2 minutes, not in seconds. docs/benchmark.md weighs the two. @default 0
   */
  watchWindowSeconds: number;
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

/**
 * Where a run is. The three ends have one spelling everywhere (phase, result, completion signal,
 * metrics): `succeeded` (the offer's operation was cancelled), `failed`, and `workflowCanceled` (the
 * workflow itself was cancelled). An operation's own `status` (`completed`, `canceled`, …) is CPP's word.
 */
export type CancelPhase = 'validating' | 'requesting' | 'polling' | RunOutcome;
/** How a run ended. */
export type RunOutcome = 'succeeded' | 'failed' | 'workflowCanceled';
export type CancelMode = 'synchronous' | 'asynchronous';

export interface OperationView {
  id?: string;
  status: OperationStatus;
  rawStatus?: string;
  steps: OperationStep[];
  progressPercentage?: number;
  error?: string;
}

/** What a run keeps about itself; the `progress` query answers it with a summary in front. */
export interface CancelOfferProgressState {
  phase: CancelPhase;
  publisherId?: string;
  offerId?: string;
  mode?: CancelMode;
  location?: string;
  /** The operation as last polled (after the end, as last seen: it is no longer polled). */
  operation?: OperationView;
  polls: number;
  lastPolledAt?: string;
  nextPollAt?: string;
  /** While polls run inside one activity (`polling.watchWindowSeconds`): when that activity returns at the latest. */
  watchingUntil?: string;
  lastError?: FailureInfo;
  /** While Temporal retries the cancel POST or a poll after a failed attempt (cleared when the call is answered). */
  retry?: CallRetry;
  startedAt: string;
  finishedAt?: string;
  /** Runs this cancellation has continued as new. */
  continuedAsNew: number;
}

export interface CancelOfferProgress extends CancelOfferProgressState {
  /** One line to read at a glance, e.g. `polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll at 12:00:16Z`. */
  summary: string;
  /** The operation's overall progress, 0–100, when CPP reports step percentages. */
  percent?: number;
}

/** What a successful run returns. */
export interface CancelOfferResult {
  outcome: 'succeeded';
  mode: CancelMode;
  operation: { id?: string; status: OperationStatus; rawStatus?: string; location?: string };
  polls: number;
  /** True when a retry's look-up found the cancel had already taken effect, so the POST was not sent again. */
  confirmedByLookup?: boolean;
  /** True when a retry's look-up could not tell and the POST sent again was answered 400: nothing left to cancel. */
  confirmedByRetriedPost?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** A CPP call that failed at least once and that Temporal is retrying. */
export interface CallRetry {
  /** The activity: `requestCancellation` or `getOperationStatus`. */
  activity: string;
  /** The same for people: `cancel POST` or `poll`. */
  call: string;
  /** The attempt running now, or the next one while Temporal waits to retry (2 after one failure). */
  attempt: number;
  /** The last attempt's failure (secret-free, as the activity reported it). */
  lastError?: { type: string; httpStatus?: number; message: string };
  /** ISO-8601 time of the next attempt while waiting; absent while an attempt runs. */
  nextAttemptAt?: string;
}

/** How CPP answered the cancel POST: what the `cppAnswer` update returns. */
export interface CppAnswer {
  /** `synchronous`: 200, cancelled already; `asynchronous`: 202, an operation to poll at `location`. */
  mode: CancelMode;
  location?: string;
  /** As in the result: a retry found the POST had taken effect already. */
  confirmedByLookup?: boolean;
  confirmedByRetriedPost?: boolean;
}

/** Payload of the completion signal. */
export interface CompletionSignalPayload {
  workflowId: string;
  runId: string;
  outcome: RunOutcome;
  result?: CancelOfferResult;
  failure?: FailureInfo;
}

export const progressQuery = defineQuery<CancelOfferProgress>('progress');
export const subscribeSignal = defineSignal<[NotifyTarget]>('subscribe');
export const completionSignal = defineSignal<[CompletionSignalPayload]>(COMPLETION_SIGNAL_NAME);
/**
 * Returns as soon as CPP has answered the cancel POST (at once on a run already past it), or fails
 * with the run's typed failure when it ends before an answer. Takes no arguments. Sent with the
 * start by Update-with-Start (`startOfferCancellation(…, { waitFor: 'accepted' })`).
 */
export const cppAnswerUpdate = defineUpdate<CppAnswer, []>('cppAnswer');
