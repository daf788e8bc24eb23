/**
 * The product's worker entry point (`src/worker.ts`) as a child process: its own pid, RSS and
 * signals, as operators run it. The observability tests, the reliability suite and the benchmark
 * start it here, each with its own environment and preloads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { collectOutput, type ProcessOutput } from './process-output';

const WORKER_ENTRY = path.join(PROJECT_ROOT, 'src', 'worker.ts');

/** Options of {@link spawnWorkerProcess}. */
export interface WorkerProcessOptions {
  /** The process's whole environment: nothing is inherited that the caller does not put here. */
  env: NodeJS.ProcessEnv;
  /** Node flags, e.g. the shipped heap cap (src/worker-process/node-flags.ts). */
  nodeFlags?: readonly string[];
  /** Absolute paths of modules to `--import` once tsx is loaded (guards, test doubles). */
  preloads?: readonly string[];
}

/** How the process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running (or ended) worker process and everything it has written. */
export interface WorkerProcess extends ProcessOutput {
  child: ChildProcess;
  pid: number | undefined;
  /** Resolves once the process has exited and all its output is read. */
  exited: Promise<WorkerExit>;
  isRunning(): boolean;
  /** Sends `signal` unless the process has ended, and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<WorkerExit>;
  /** Resident set size in MiB, read from /proc. */
  rssMiB(): Promise<number>;
}

/** Starts `node [nodeFlags] --import tsx [--import preload…] src/worker.ts` in the project root. */
export function spawnWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const preloads = (options.preloads ?? []).flatMap((file) => ['--import', pathToFileURL(file).href]);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', ...preloads, WORKER_ENTRY], {
    cwd: PROJECT_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  // 'close', not 'exit': by then stdout and stderr are read to the end.
  const exited = new Promise<WorkerExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return {
    ...output,
    child,
    pid: child.pid,
    exited,
    isRunning,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (isRunning()) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
    rssMiB: () => rssMiBOf(child.pid),
  };
}

async function rssMiBOf(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}
