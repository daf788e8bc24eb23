/**
 * Helpers of the observability tests: the worker as a real child process (`node --import tsx
 * src/worker.ts`, one process so a signal reaches the worker itself), its whole output kept for
 * scanning, and a Prometheus text parser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporal-cli/resolve';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Resolves once a stdout line matches; rejects when the process exits first or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends SIGTERM (or `signal`) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

const WORKER_ENTRY = path.join(PROJECT_ROOT, 'src', 'worker.ts');

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

/** Spawns the worker with exactly `env` on top of a clean copy of the test's environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], { cwd: PROJECT_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    listeners.forEach((l) => l());
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      listeners.forEach((l) => l());
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let exitValue: number | string | undefined;
  void exited.then((v) => (exitValue = v));

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(match, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find(match);
          if (line !== undefined) return done(() => resolve(line));
          if (exitValue !== undefined || child.exitCode !== null) {
            return done(() => reject(new Error(`worker exited (${String(exitValue ?? child.exitCode)}) before the line appeared; stderr:\n${err}\nstdout tail:\n${out.slice(-3000)}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no matching line within ${timeoutMs} ms; stderr:\n${err}\nstdout tail:\n${out.slice(-3000)}`))), timeoutMs);
        const done = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The `worker ready` line as JSON, once the worker polls. */
export async function waitUntilReady(worker: WorkerProcess): Promise<Record<string, unknown>> {
  const line = await worker.waitForLine((l) => l.includes('"msg":"worker ready"'));
  return JSON.parse(line) as Record<string, unknown>;
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
