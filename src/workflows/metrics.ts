/**
 * The cancellation's own metrics, recorded from workflow code through the SDK's workflow
 * `metricMeter`: the SDK skips it while replaying and it writes nothing to history, so it neither
 * double-counts after a worker restart nor changes what replay compares.
 */
import { metricMeter } from '@temporalio/workflow';
import type { CancelMode } from '../contract';
import {
  CANCELLATION_DURATION_METRIC,
  CANCELLATION_POLLS_METRIC,
  CANCELLATIONS_METRIC,
  JOB_CANCELLATION_DURATION_METRIC,
  JOB_CANCELLATIONS_METRIC,
  type CancellationOutcome,
} from '../workflow-safe/metric-names';

export interface CancellationEnd {
  outcome: CancellationOutcome;
  /** Unknown when the run ended before the POST answered. */
  mode?: CancelMode;
  /** The failure's `type` when `outcome` is `failed`. */
  failureType?: string;
  polls: number;
  durationMs: number;
}

/** Counts one cancellation that reached its end (never a continue-as-new). */
export function recordCancellationEnd(end: CancellationEnd): void {
  const tags = { outcome: end.outcome, mode: end.mode ?? 'none' };
  metricMeter
    .createCounter(CANCELLATIONS_METRIC, undefined, 'Offer cancellations that reached an end, by outcome, mode and failure type')
    .add(1, { ...tags, failure_type: end.failureType ?? '' });
  metricMeter.createHistogram(CANCELLATION_POLLS_METRIC, 'int', undefined, 'Polls a cancellation needed before its end').record(end.polls, tags);
  metricMeter
    .createHistogram(CANCELLATION_DURATION_METRIC, 'int', 'ms', 'Time from the start of a cancellation to its end')
    .record(Math.max(0, Math.round(end.durationMs)), tags);
}

/** Counts one Product Ingestion job cancellation that reached its end. */
export function recordJobCancellationEnd(end: CancellationEnd): void {
  const tags = { outcome: end.outcome, mode: end.mode ?? 'none' };
  metricMeter
    .createCounter(JOB_CANCELLATIONS_METRIC, undefined, 'Product Ingestion job cancellations that reached an end, by outcome, mode and failure type')
    .add(1, { ...tags, failure_type: end.failureType ?? '' });
  metricMeter
    .createHistogram(JOB_CANCELLATION_DURATION_METRIC, 'int', 'ms', 'Time from the start of a job cancellation to its end')
    .record(Math.max(0, Math.round(end.durationMs)), tags);
}
