/**
 * The batch's contract (`cancelReleaseOffers`): a whole release at once, one child cancellation per
 * offer. Safe to import from workflow code.
 */
import { defineQuery } from '@temporalio/workflow';
import type { CancelMode, NotifyTarget, PollingOptions, RunOutcome } from './cancellation';
import type { FailureInfo } from './failure-types';
import type { ReleaseContinuation } from './internal';

/** Workflow type of the batch: one child cancellation per offer. */
export const RELEASE_WORKFLOW_TYPE = 'cancelReleaseOffers';
/** Most offers one batch takes. */
export const MAX_RELEASE_OFFERS = 1000;

export interface ReleaseOffer {
  publisherId: string;
  offerId: string;
  expectedOperationId?: string;
}

/** A Product Ingestion configure job in a release, cancelled beside the CPP offers. */
export interface ReleaseJob {
  jobId: string;
  /** The API's `$version` for this job. @default '2022-03-01-preview2' */
  version?: string;
}

export interface CancelReleaseInput {
  /** Names the batch (its default workflow id is `cpp-cancel-release/<releaseId>`). */
  releaseId?: string;
  /** CPP offers and Product Ingestion jobs, mixed (1–1,000 rows, each once). */
  offers: Array<ReleaseOffer | ReleaseJob>;
  /** For the CPP offers' cancel POSTs: required when the release has one (a job's cancel takes none). */
  notificationEmails?: string[] | string;
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

/** One row of a batch: a CPP offer's (`publisherId`, `offerId`) or a Product Ingestion job's (`jobId`). */
export type ReleaseRow = ReleaseOfferRow | ReleaseJobRow;

/** A job's row: its cancellation (`cancelIngestionJob`), as an offer's row is. */
export interface ReleaseJobRow extends Omit<ReleaseOfferRow, 'publisherId' | 'offerId'> {
  jobId: string;
}

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
  offers: ReleaseRow[];
  startedAt: string;
  finishedAt?: string;
  continuedAsNew: number;
}

/** What a batch returns: every offer's outcome. `outcome` is `failed` when any offer failed. */
export interface ReleaseResult {
  releaseId?: string;
  outcome: 'succeeded' | 'failed';
  counts: Record<ReleaseOfferPhase, number>;
  offers: ReleaseRow[];
  startedAt: string;
  finishedAt: string;
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
