/** What one worker process did, read from its Prometheus endpoint (METRICS_ADDRESS). */

/** Counters summed over their label sets. */
export interface WorkerCounts {
  /** Activity attempts the worker finished (succeeded or failed): the SDK's execution-latency histogram count. */
  activityTasks: number;
  /** Workflow tasks the worker finished. */
  workflowTasks: number;
  /** Cancel POSTs it sent (the product's `cpp_http_requests`, endpoint=cancel). */
  cancelPosts: number;
  /** Every HTTP exchange with CPP (POSTs, look-ups, polls). */
  cppRequests: number;
}

export const NO_COUNTS: WorkerCounts = { activityTasks: 0, workflowTasks: 0, cancelPosts: 0, cppRequests: 0 };

interface Sample {
  name: string;
  labels: string;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) samples.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return samples;
}

const sum = (samples: Sample[], name: string, labels = '') =>
  samples.filter((s) => s.name === name && s.labels.includes(labels)).reduce((n, s) => n + s.value, 0);

/** The SDK's metric names differ by exporter settings (unit suffixes); the first name present counts. */
function first(samples: Sample[], names: string[]): number {
  const name = names.find((n) => samples.some((s) => s.name === n));
  return name ? sum(samples, name) : 0;
}

export async function scrapeWorker(metricsAddress: string): Promise<WorkerCounts> {
  const response = await fetch(`http://${metricsAddress}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const samples = parse(await response.text());
  return {
    activityTasks: first(samples, ['temporal_activity_execution_latency_count', 'temporal_activity_execution_latency_seconds_count', 'temporal_activity_execution_latency_milliseconds_count']),
    workflowTasks: first(samples, ['temporal_workflow_task_execution_latency_count', 'temporal_workflow_task_execution_latency_seconds_count', 'temporal_workflow_task_execution_latency_milliseconds_count']),
    cancelPosts: sum(samples, 'cpp_http_requests', 'endpoint="cancel"') || sum(samples, 'cpp_http_requests_total', 'endpoint="cancel"'),
    cppRequests: sum(samples, 'cpp_http_requests') || sum(samples, 'cpp_http_requests_total'),
  };
}

/** Metric names the endpoint serves, to say what was there when an expected one is missing. */
export async function metricNames(metricsAddress: string): Promise<string[]> {
  const response = await fetch(`http://${metricsAddress}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return [...new Set(parse(await response.text()).map((s) => s.name))].sort();
}
