/**
 * Worker-side metrics: the Prometheus exporter of the SDK's Runtime (its own `temporal_…` metrics
 * and ours on one `/metrics`), and the CPP HTTP request counter fed by the client's `onRequest` hook.
 */
import type { Logger, MetricMeter } from '@temporalio/common';
import { Runtime, type MetricsExporterConfig } from '@temporalio/worker';
import type { PollObserver } from '../../activities/poll-observer';
import type { TokenRequestListener } from '../../cpp/token-provider';
import type { CppRequestEvent } from '../../cpp/types';
import {
  CPP_REQUEST_DURATION_METRIC,
  CPP_REQUESTS_METRIC,
  CREDENTIALS_REFUSED_METRIC,
  HISTOGRAM_BUCKETS,
  POLL_LATENESS_METRIC,
  TOKEN_REQUESTS_METRIC,
  WORKER_START_TIME_METRIC,
} from '../../workflow-safe/metric-names';

/** The Runtime's meter with the tags every one of our metrics carries: the worker's namespace and task queue. */
export function workerMeter(temporal: { namespace: string; taskQueue: string }): MetricMeter {
  return Runtime.instance().metricMeter.withTags({ namespace: temporal.namespace, taskQueue: temporal.taskQueue });
}

/** The Runtime's metrics exporter: Prometheus text on `http://<bindAddress>/metrics`. */
export function prometheusExporter(bindAddress: string): MetricsExporterConfig {
  return { prometheus: { bindAddress, histogramBucketOverrides: HISTOGRAM_BUCKETS } };
}

/**
 * The client's `onRequest` hook: counts and times every HTTP exchange with the CPP API by
 * endpoint, method and status (or error code), and logs it at DEBUG. Never sees a header.
 */
export function cppRequestRecorder(meter: MetricMeter, logger?: Logger): (event: CppRequestEvent) => void {
  const requests = meter.createCounter(CPP_REQUESTS_METRIC, undefined, 'HTTP exchanges with the CPP API, by endpoint, method and status or error code');
  const duration = meter.createHistogram(CPP_REQUEST_DURATION_METRIC, 'int', 'ms', 'Duration of one HTTP exchange with the CPP API');
  return (event) => {
    const tags = { endpoint: event.endpoint, method: event.method, status: String(event.outcome) };
    requests.add(1, tags);
    duration.record(Math.max(0, Math.round(event.durationMs)), tags);
    logger?.debug('CPP request', { ...tags, durationMs: event.durationMs });
  };
}

/**
 * Counts each request to Entra for `audience` by outcome, and holds `entra_credentials_refused` at 1
 * once Entra refused the credentials (the provider never asks again: only a restart with fixed ones
 * clears it), at 0 after a token was issued.
 */
export function tokenRequestRecorder(meter: MetricMeter, audience: 'cpp' | 'ingestion'): TokenRequestListener {
  const requests = meter.createCounter(TOKEN_REQUESTS_METRIC, undefined, 'Token requests to Entra, by audience and outcome');
  const refused = meter.createGauge(CREDENTIALS_REFUSED_METRIC, 'int', undefined, "1 while Entra refuses the worker's credentials for the audience");
  return (outcome) => {
    requests.add(1, { audience, outcome });
    if (outcome !== 'failed') refused.set(outcome === 'refused' ? 1 : 0, { audience });
  };
}

/** How late each status poll started against the time it was due (`cancellation_poll_lateness`). */
export function pollLatenessRecorder(meter: MetricMeter): PollObserver {
  const lateness = meter.createHistogram(POLL_LATENESS_METRIC, 'int', 'ms', 'How long after it was due a status poll started');
  return {
    pollStarted(endpoint, lateMs) {
      lateness.record(Math.max(0, Math.round(lateMs)), { endpoint });
    },
  };
}

/** `cancellation_worker_start_time_seconds`: a new value per process, so `changes()` counts restarts. */
export function recordWorkerStart(meter: MetricMeter, startedAtMs = Date.now()): void {
  meter.createGauge(WORKER_START_TIME_METRIC, 'float', 's', 'When this worker process started, in Unix seconds').set(startedAtMs / 1000);
}
