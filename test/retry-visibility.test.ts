/**
 * Retries are visible: while Temporal retries a failed cancel POST, `getCancellationStatus` and
 * the CLI's `--wait` output show the attempt, the last error and the next attempt's time.
 * Real dev server, real worker, real HTTP to the CPP simulator, the CLI as a child process.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OfferScenario } from '../src/simulator/scenario';
import { startOfferCancellation } from '../src/start-cancellation';
import { describeRetry, getCancellationStatus, type CancellationStatus } from '../src/starter';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { startTestStack, type TestStack } from './helpers/stack';

const PUBLISHER = 'contoso';
/** The POST answers 503 (Retry-After: 3) twice, then 200. */
const FLAKY_POST: OfferScenario = {
  cancel: { mode: 'synchronous' },
  faults: [{ on: 'cancel', fault: { kind: 'status', status: 503, retryAfter: '3' }, times: 2 }],
};

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ taskQueuePrefix: 'retry-visibility' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('getCancellationStatus', () => {
  it('shows the attempt, last error and next attempt while the cancel POST is retried, and no retry after', async () => {
    const offerId = stack.offerId();
    stack.simulator.setScenario(PUBLISHER, offerId, FLAKY_POST);
    const handle = await startOfferCancellation(
      stack.client,
      { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'] },
      { taskQueue: stack.taskQueue },
    );

    // The first sample that shows a retry waiting for its next attempt (3 s after each 503).
    const deadline = Date.now() + 30_000;
    let seen: CancellationStatus | undefined;
    let last: CancellationStatus | undefined;
    let askedAt = 0;
    while (!seen) {
      askedAt = Date.now();
      last = await getCancellationStatus(handle).catch(() => last);
      const retry = last?.retry;
      if (retry && retry.attempt >= 2 && retry.lastError && retry.nextAttemptAt) seen = last;
      else if (Date.now() > deadline) throw new Error(`no retry seen; last status: ${JSON.stringify(last)}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    const retry = seen.retry!;
    expect(seen.progress.phase).toBe('requesting');
    expect(retry.activity).toBe('requestCancellation');
    expect(retry.call).toBe('cancel POST');
    expect(retry.attempt).toBeGreaterThanOrEqual(2);
    expect(retry.lastError?.type).toBe('CppServerError');
    expect(retry.lastError?.httpStatus).toBe(503);
    expect(retry.lastError?.message).toContain('HTTP 503');
    expect(Date.parse(retry.nextAttemptAt!)).toBeGreaterThan(askedAt);
    expect(describeRetry(retry)).toMatch(/^retrying cancel POST · attempt \d+ · last error CppServerError HTTP 503: .+ · next attempt in \d+ s$/);

    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const after = await getCancellationStatus(handle);
    expect(after.progress.phase).toBe('succeeded');
    expect(after.retry).toBeUndefined();
    expect(stack.simulator.requests({ offerId, endpoint: 'cancel' })).toHaveLength(3);
  });
});

describe('describeRetry', () => {
  it('cuts long messages and counts down to the next attempt', () => {
    const now = Date.parse('2025-01-01T00:00:00.000Z');
    const line = describeRetry(
      { activity: 'getOperationStatus', call: 'poll', attempt: 3, lastError: { type: 'CppThrottled', httpStatus: 429, message: `x\n${'y'.repeat(300)}` }, nextAttemptAt: '2025-01-01T00:00:02.500Z' },
      now,
    );
    expect(line).toMatch(/^retrying poll · attempt 3 · last error CppThrottled HTTP 429: x y+… · next attempt in 3 s$/);
    expect(line.length).toBeLessThan(220);
    expect(describeRetry({ activity: 'requestCancellation', call: 'cancel POST', attempt: 2 }, now)).toBe('retrying cancel POST · attempt 2 · attempt running');
  });
});

describe('CLI --wait', () => {
  it('prints the attempt and the last error while the cancel POST is retried, then exits 0', async () => {
    const offerId = stack.offerId('cli');
    stack.simulator.setScenario(PUBLISHER, offerId, FLAKY_POST);
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
    for (const name of ['TEMPORAL_TASK_QUEUE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH']) delete env[name];
    const args = ['tsx', 'src/starter.ts', '--publisher', PUBLISHER, '--offer', offerId, '--email', 'jondoe@contoso.com', '--task-queue', stack.taskQueue, '--wait'];

    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 80_000);
      child.once('error', reject);
      child.once('close', (exitCode) => {
        clearTimeout(killer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    });

    const output = `${stdout}\n--- stderr ---\n${stderr}`;
    expect(stdout, output).toMatch(/retrying cancel POST · attempt 2 · last error CppServerError HTTP 503: /);
    expect(stdout, output).toContain('attempt 2');
    expect(stdout, output).toContain('CppServerError');
    expect(stdout, output).toContain('HTTP 503');
    expect(stdout, output).toMatch(/cancelled \(synchronous\)/);
    expect(code, output).toBe(0);
  }, 90_000);
});
