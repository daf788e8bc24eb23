/**
 * Helpers of the observability tests: the worker as a real child process (harness/worker-process.ts:
 * one process, so a signal reaches the worker itself) in a clean environment, its whole output kept
 * for scanning, and a Prometheus text parser.
 */
import { inject } from 'vitest';
import * as harness from '../../harness/worker-process';
import { readyLine } from '../../harness/worker-readiness';

/** The harness's worker process, its exit told as the code (or the signal's name). */
export interface WorkerProcess extends Omit<harness.WorkerProcess, 'exited' | 'stop'> {
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Sends SIGTERM (or `signal`) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** Variables of the test process that must not leak into the worker (they would change its config). */
const STRIPPED = /^(TEMPORAL_|CPP_|AZURE_|OTEL_|METRICS_ADDRESS|HEALTH_ADDRESS|LOG_|WORKER_|WORKFLOW_BUNDLE_PATH|VITEST|NODE_OPTIONS)/;

/** The variables every test worker needs: the shared dev server, its own task queue, the simulator and its token. */
export function workerBaseEnv(taskQueue: string, cppBaseUrl: string, token: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    CPP_BASE_URL: cppBaseUrl,
    CPP_ACCESS_TOKEN: token,
  };
}

const exitValue = (exit: harness.WorkerExit) => exit.code ?? exit.signal ?? 'unknown';

/** Spawns the worker with exactly `env` on top of a clean copy of the test's environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.test(k)));
  const worker = harness.spawnWorkerProcess({ env: { ...base, ...env } });
  return {
    ...worker,
    exited: worker.exited.then(exitValue),
    stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => exitValue(await worker.stop(signal, timeoutMs)),
  };
}

/** The `worker ready` line as JSON, once the worker polls. */
export async function waitUntilReady(worker: WorkerProcess): Promise<Record<string, unknown>> {
  return readyLine(worker, 90_000);
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (samples only; comments skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sumOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
