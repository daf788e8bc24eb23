/**
 * Names, tags and buckets of the product's own metrics, shared by the workflow (which records
 * cancellations through the replay-safe workflow `metricMeter`) and the worker (which records CPP
 * requests and installs the Prometheus exporter). Safe to import from workflow code: no I/O.
 *
 * The SDK's own metrics (`temporal_…`) come out of the same endpoint; ours are not prefixed.
 */
import type { RunOutcome } from '../contract';

/** Counter: cancellations that reached an end, tagged `outcome`, `mode`, `failure_type`. */
export const CANCELLATIONS_METRIC = 'cpp_cancellations';
/** Histogram: polls a cancellation needed before its end (0 for a 200 or an early failure), tagged `outcome`, `mode`. */
export const CANCELLATION_POLLS_METRIC = 'cpp_cancellation_polls';
/** Histogram, milliseconds: from the workflow's start (first run) to the end, tagged `outcome`, `mode`. */
export const CANCELLATION_DURATION_METRIC = 'cpp_cancellation_duration';
/** Counter: Product Ingestion job cancellations that reached an end, tagged `outcome`, `mode`, `failure_type`. */
export const JOB_CANCELLATIONS_METRIC = 'ingestion_job_cancellations';
/** Histogram, milliseconds: from the start of a job's cancellation to its end, tagged `outcome`, `mode`. */
export const JOB_CANCELLATION_DURATION_METRIC = 'ingestion_job_cancellation_duration';
/** Counter: HTTP exchanges with the CPP API and the Product Ingestion API (`endpoint` `jobCancel`, `jobStatus`, `jobSummary`), tagged `endpoint`, `method`, `status` (HTTP status or error code). */
export const CPP_REQUESTS_METRIC = 'cpp_http_requests';
/** Histogram, milliseconds: duration of one HTTP exchange with the CPP API, tagged `endpoint`, `method`, `status`. */
export const CPP_REQUEST_DURATION_METRIC = 'cpp_http_request_duration';
/** Histogram, milliseconds: how long after it was due a status poll started (`endpoint` `getOperation` or `jobStatus`). */
export const POLL_LATENESS_METRIC = 'cancellation_poll_lateness';
/** Counter: token requests to Entra, tagged `audience` (`cpp` / `ingestion`) and `outcome` (`issued` / `refused` / `failed`). */
export const TOKEN_REQUESTS_METRIC = 'entra_token_requests';
/** Gauge, 0 or 1: whether Entra refused the worker's credentials for `audience` (stays 1 until a restart with fixed ones). */
export const CREDENTIALS_REFUSED_METRIC = 'entra_credentials_refused';
/** Gauge, Unix seconds: when this worker process started; `changes()` over it counts restarts. */
export const WORKER_START_TIME_METRIC = 'cancellation_worker_start_time_seconds';
/** Gauge: running cancellations in the namespace by `workflowType` and `phase` (a visibility count; every worker reports the same). */
export const IN_FLIGHT_METRIC = 'cancellations_in_flight';

/** How a cancellation ended: a result, a typed failure, or the workflow itself was cancelled. */
export type CancellationOutcome = RunOutcome;

/** Bucket boundaries for the exporter, where the SDK's latency-shaped defaults do not fit. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [CANCELLATION_POLLS_METRIC]: [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000],
  // 1 s … 24 h (the default polling deadline).
  [JOB_CANCELLATION_DURATION_METRIC]: [1_000, 5_000, 15_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 14_400_000, 43_200_000, 86_400_000],
  [CANCELLATION_DURATION_METRIC]: [1_000, 5_000, 15_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 14_400_000, 43_200_000, 86_400_000],
  // The alert's margin (60 s) is a boundary, so "later than due by more than a minute" is exact.
  [POLL_LATENESS_METRIC]: [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000],
  [CPP_REQUEST_DURATION_METRIC]: [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000],
};
