/**
 * Worker-side metrics: the Prometheus exporter of the SDK's Runtime (its own `temporal_…` metrics
 * and ours on one `/metrics`), and the CPP HTTP request counter fed by the client's `onRequest` hook.
 */
import type { Logger, MetricMeter } from '@temporalio/common';
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { CppRequestEvent } from '../../cpp/types';
import { CPP_REQUEST_DURATION_METRIC, CPP_REQUESTS_METRIC, HISTOGRAM_BUCKETS } from '../../workflow-safe/metric-names';

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
