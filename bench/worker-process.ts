/**
 * The worker under measurement runs in its own process (the real `src/worker.ts`), so its RSS is
 * its own and not the benchmark driver's, simulator's or client's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { WORKER_NODE_FLAGS } from '../src/worker-node-flags';

export interface WorkerProcess {
  pid: number;
  /** Resident set size in MiB, read from /proc. */
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

async function isReady(healthAddress: string): Promise<boolean> {
  try {
    return (await fetch(`http://${healthAddress}/readyz`)).ok;
  } catch {
    return false;
  }
}

/** BENCH_WORKER_NODE_FLAGS adds Node flags to the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/** Starts `src/worker.ts` with the shipped Node flags and waits until its /readyz says the worker runs. */
export async function startWorkerProcess(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<WorkerProcess> {
  const healthAddress = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...extraNodeFlags(), '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'worker.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'WARN', HEALTH_ADDRESS: healthAddress, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await isReady(healthAddress))) {
    if (child.exitCode !== null) throw new Error(`worker exited during start-up:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker not ready after ${readyTimeoutMs} ms:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    pid,
    async rssMiB() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return kb / 1024;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      });
    },
  };
}
