/** When a worker process polls: from its log, or from its health endpoint when it logs too little. */
import type { ProcessOutput } from './process-output';
import type { WorkerProcess } from './worker-process';

/** The worker's `worker ready` log line (JSON, the default LOG_FORMAT) once it polls; see {@link ProcessOutput.waitForLine}. */
export async function readyLine(worker: ProcessOutput, timeoutMs?: number): Promise<Record<string, unknown>> {
  const line = await worker.waitForLine((l) => l.includes('"msg":"worker ready"'), timeoutMs);
  return JSON.parse(line) as Record<string, unknown>;
}

async function answersReady(healthAddress: string): Promise<boolean> {
  try {
    return (await fetch(`http://${healthAddress}/readyz`)).ok;
  } catch {
    return false;
  }
}

/**
 * Polls the worker's `/readyz` on `healthAddress` (its HEALTH_ADDRESS) until it says the worker
 * runs. For workers whose LOG_LEVEL hides the ready line. Throws, with the worker's output, if it
 * exits first or `timeoutMs` passes.
 */
export async function waitUntilHealthy(worker: WorkerProcess, healthAddress: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await answersReady(healthAddress))) {
    if (!worker.isRunning()) throw new Error(`worker exited during start-up:\n${worker.lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`worker not ready after ${timeoutMs} ms:\n${worker.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
