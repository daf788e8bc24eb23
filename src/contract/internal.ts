/**
 * What the workflows and their own activities share that callers never write: the state a run
 * hands to the next when it continues as new, and the signals our own code sends. Not part of the
 * package's API (src/contract/index.ts leaves it out). Safe to import from workflow code.
 */
import { defineSignal } from '@temporalio/workflow';
import type { CallRetry, CancelMode, NotifyTarget, OperationView } from './cancellation';
import type { JobView } from './ingestion';
import type { ReleaseRow } from './release';

/** The calls an activity makes, as people name them. */
export const CALL_NAMES: Record<string, string> = {
  requestCancellation: 'cancel POST',
  getOperationStatus: 'poll',
  watchOperation: 'poll',
  requestJobCancellation: 'job cancel POST',
  getJobStatus: 'job status poll',
  getJobSummary: 'job summary',
};

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

/**
 * Sent by an activity to its own run when an attempt failed and Temporal will retry it, so the
 * run's progress and current details show the retry (display only; a lost one changes nothing).
 */
export const callRetryingSignal = defineSignal<[CallRetry]>('cppCallRetrying');

/** Signal the batch asks an already running cancellation to send it at the end (when it attaches). */
export const RELEASE_OFFER_DONE_SIGNAL = 'releaseOfferCompleted';

/** Internal: what a batch run hands to the next when it continues as new. */
export interface ReleaseContinuation {
  startedAt: string;
  rows: ReleaseRow[];
  continuedAsNew: number;
}


/** Internal: what a job cancellation's run hands to the next when it continues as new. */
export interface JobContinuation {
  startedAt: string;
  deadlineAt: string;
  mode: 'synchronous' | 'asynchronous';
  polls: number;
  nextIntervalMs: number;
  nextPollAt: string;
  job?: JobView;
  lastPolledAt?: string;
  notify: NotifyTarget[];
  continuedAsNew: number;
}
