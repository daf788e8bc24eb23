/**
 * The contract of the cancellation workflow, shared by the workflow, its clients and the tests:
 * names (workflow type, task queue, signals, queries, search attributes) and payload types.
 *
 * Safe to import from workflow code: no Node built-ins, no I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OperationStatus, OperationStep } from './cpp/types';

/** Workflow type name, as typed in the Temporal UI's "Start Workflow" form. */
export const WORKFLOW_TYPE = 'cancelOfferOperation';
/** Task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'cpp-offer-cancellation';
/** The Nexus endpoint `npm run dev` and `npm run setup` create, routing to this namespace and task queue. */
export const NEXUS_ENDPOINT = 'offer-cancellation';
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

/** Answer of the `progress` query, during and after the run. Times are ISO-8601. */
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
  retry?: RetryState;
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

/** The typed failures a run can end with (`ApplicationFailure.type`), all non-retryable. */
export const FailureType = {
  InvalidInput: 'InvalidInput',
  CppBadRequest: 'CppBadRequest',
  CppUnauthorized: 'CppUnauthorized',
  CppForbidden: 'CppForbidden',
  CppNotFound: 'CppNotFound',
  CppUnexpectedStatus: 'CppUnexpectedStatus',
  CppProtocolError: 'CppProtocolError',
  CppConfigError: 'CppConfigError',
  OperationMismatch: 'OperationMismatch',
  CancelOperationFailed: 'CancelOperationFailed',
  PollingDeadlineExceeded: 'PollingDeadlineExceeded',
  UnexpectedError: 'UnexpectedError',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Activity failure types that Temporal retries; a run never ends with one (at most as the last error of `PollingDeadlineExceeded`). */
export const RetriedFailureType = {
  CppThrottled: 'CppThrottled',
  CppServerError: 'CppServerError',
  CppRequestTimeout: 'CppRequestTimeout',
  CppConflict: 'CppConflict',
  CppNetworkError: 'CppNetworkError',
  CppAuthenticationError: 'CppAuthenticationError',
} as const;
export type RetriedFailureType = (typeof RetriedFailureType)[keyof typeof RetriedFailureType];

/**
 * The one table of failures: every type, whether it ends the run (`final`), and what it means (the
 * README's outcomes table says the same, and a test holds them together).
 */
export const FAILURES: Record<FailureType | RetriedFailureType, { final: boolean; meaning: string }> = {
  InvalidInput: { final: true, meaning: 'the input broke a rule above; the message names every bad field; nothing was sent' },
  CppBadRequest: { final: true, meaning: 'the cancel POST answered 400 (e.g. no operation in progress); the error body is in `details[0].body`' },
  CppUnauthorized: { final: true, meaning: 'the API answered 401 to a fresh token, or to a static token that cannot be refreshed: check the token audience and that the service principal was added to the publisher' },
  CppForbidden: { final: true, meaning: 'the API answered 403: no access to this publisher' },
  CppNotFound: { final: true, meaning: 'the API answered 404: no such publisher, offer or operation' },
  CppUnexpectedStatus: { final: true, meaning: 'an answer the reference does not document (a 3xx, never followed, or an odd 2xx or 4xx)' },
  CppProtocolError: { final: true, meaning: '202 without a usable location, a location on another origin (the token is never sent there), an unusable or oversized body' },
  CppConfigError: { final: true, meaning: "the worker's CPP settings are wrong, or Entra refused its credentials (fix the worker's configuration; the message names the variable)" },
  OperationMismatch: { final: true, meaning: '`expectedOperationId` is not the running operation, nothing runs, or it could not be checked; nothing was cancelled' },
  CancelOperationFailed: { final: true, meaning: 'the cancel operation ended `failed`; the message carries its `error`' },
  PollingDeadlineExceeded: { final: true, meaning: '`polling.timeoutSeconds` passed while polling, or while transient errors kept the POST from succeeding (the message names the last one)' },
  UnexpectedError: { final: true, meaning: 'a bug: an error no rule above covers; the message and cause say what it was' },
  CppThrottled: { final: false, meaning: '429: retried after `Retry-After` or the backoff' },
  CppServerError: { final: false, meaning: '5xx: retried with backoff, honouring `Retry-After`' },
  CppRequestTimeout: { final: false, meaning: '408: retried with backoff' },
  CppConflict: { final: false, meaning: '409: retried with backoff' },
  CppNetworkError: { final: false, meaning: 'no answer (refused, reset, timed out): retried with backoff' },
  CppAuthenticationError: { final: false, meaning: 'no token could be had from Entra: retried with backoff' },
};

/** Activity failure types that retrying cannot fix; the retry policies list them. */
export const FINAL_FAILURE_TYPES: string[] = Object.entries(FAILURES).flatMap(([type, { final }]) => (final ? [type] : []));

/** A failure as carried in `details[0]`, in `progress.lastError` and in completion signals. */
export interface FailureInfo {
  type: string;
  message: string;
  httpStatus?: number;
  /** Truncated, secret-free error body from the API. */
  body?: string;
  /** The client's stable error code (`BadRequest`, `ForeignLocation`, …). */
  code?: string;
  /** A retryable failure's `Retry-After`, in ms (a workflow sees no `nextRetryDelay` on a decoded failure). */
  retryAfterMs?: number;
}

/** The calls an activity makes, as people name them. */
export const CALL_NAMES: Record<string, string> = { requestCancellation: 'cancel POST', getOperationStatus: 'poll', watchOperation: 'poll' };

/** A CPP call that failed at least once and that Temporal is retrying. */
export interface RetryState {
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
/**
 * Sent by an activity to its own run when an attempt failed and Temporal will retry it, so the
 * run's progress and current details show the retry (display only; a lost one changes nothing).
 */
export const callRetryingSignal = defineSignal<[RetryState]>('cppCallRetrying');
/**
 * Returns as soon as CPP has answered the cancel POST (at once on a run already past it), or fails
 * with the run's typed failure when it ends before an answer. Takes no arguments. Sent with the
 * start by Update-with-Start (`startOfferCancellation(…, { waitFor: 'accepted' })`).
 */
export const cppAnswerUpdate = defineUpdate<CppAnswer, []>('cppAnswer');

// ── A whole release at once: the batch workflow ────────────────────────────────────────────────

/** Workflow type of the batch: one child cancellation per offer. */
export const RELEASE_WORKFLOW_TYPE = 'cancelReleaseOffers';
/** Most offers one batch takes. */
export const MAX_RELEASE_OFFERS = 1000;
/** Signal the batch asks an already running cancellation to send it at the end (when it attaches). */
export const RELEASE_OFFER_DONE_SIGNAL = 'releaseOfferCompleted';

export interface ReleaseOffer {
  publisherId: string;
  offerId: string;
  expectedOperationId?: string;
}

export interface CancelReleaseInput {
  /** Names the batch (its default workflow id is `cpp-cancel-release/<releaseId>`). */
  releaseId?: string;
  offers: ReleaseOffer[];
  notificationEmails: string[] | string;
  /** Children running at once. @default 5 */
  maxConcurrent?: number;
  /** Polling settings for every child. */
  polling?: Partial<PollingOptions>;
  /** Cancel the rest at the first failure. @default false */
  failFast?: boolean;
  /** Workflows to signal (`offerCancellationCompleted` or their `signalName`) when the batch ends. */
  notify?: NotifyTarget[];
  /** Set by the batch itself when it continues as new; never by callers. */
  continuation?: ReleaseContinuation;
}

/** Where one offer of a batch is. `skipped`: never started (fail-fast or the batch was cancelled). */
export type ReleaseOfferPhase = 'pending' | 'running' | RunOutcome | 'skipped';

export interface ReleaseOfferRow {
  publisherId: string;
  offerId: string;
  /** The cancellation's workflow id (the standard one: a duplicate attaches to the running one). */
  workflowId: string;
  phase: ReleaseOfferPhase;
  mode?: CancelMode;
  /** True when the batch attached to a cancellation that was already running. */
  attached?: boolean;
  failure?: FailureInfo;
}

export interface ReleaseProgress {
  /** e.g. `running · 12 of 40 done · 3 running · 1 failed`. */
  summary: string;
  releaseId?: string;
  phase: 'validating' | 'running' | RunOutcome;
  counts: Record<ReleaseOfferPhase, number>;
  offers: ReleaseOfferRow[];
  startedAt: string;
  finishedAt?: string;
  continuedAsNew: number;
}

/** What a batch returns: every offer's outcome. `outcome` is `failed` when any offer failed. */
export interface ReleaseResult {
  releaseId?: string;
  outcome: 'succeeded' | 'failed';
  counts: Record<ReleaseOfferPhase, number>;
  offers: ReleaseOfferRow[];
  startedAt: string;
  finishedAt: string;
}

/** Internal: what a batch run hands to the next when it continues as new. */
export interface ReleaseContinuation {
  startedAt: string;
  rows: ReleaseOfferRow[];
  continuedAsNew: number;
}

/** Payload of the signal a batch sends its notify targets at the end. */
export interface ReleaseCompletionPayload {
  workflowId: string;
  runId: string;
  outcome: RunOutcome;
  result?: ReleaseResult;
}

export const releaseProgressQuery = defineQuery<ReleaseProgress>('progress');

export function defaultReleaseWorkflowId(releaseId: string): string {
  return `cpp-cancel-release/${releaseId}`;
}
