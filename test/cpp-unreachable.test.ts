/**
 * A worker pointed at a CPP_BASE_URL where nothing listens, as a release engineer meets it: it says
 * so at start-up in one line and keeps running; its health endpoint reports CPP unreachable; every
 * failed attempt is one log line without a stack, numbered as the CLI numbers it; and the run ends
 * at its deadline naming how many attempts failed and the last error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../temporal-cli/dev-server';
import { runStarterCli } from './helpers/starter-cli';
import { spawnWorker, waitUntilReady, workerBaseEnv, type WorkerProcess } from './helpers/observability';
import { uniqueTaskQueue } from './helpers/temporal';

let worker: WorkerProcess;
let healthPort: number;
let cppUrl: string;
const taskQueue = uniqueTaskQueue('cpp-unreachable');

beforeAll(async () => {
  // A port that was free a moment ago: nothing listens there.
  cppUrl = `http://127.0.0.1:${await freePort()}`;
  healthPort = await freePort();
  worker = spawnWorker({ ...workerBaseEnv(taskQueue, cppUrl, `unreachable-token-${randomUUID()}`), HEALTH_ADDRESS: `127.0.0.1:${healthPort}`, LOG_FORMAT: 'json' });
  await waitUntilReady(worker);
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
});

const entries = () => worker.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

it('says at start-up, in one line, that CPP cannot be reached, keeps running, and reports it on its health endpoint', async () => {
  const line = await worker.waitForLine((l) => l.includes('cannot be reached'), 15_000);
  expect(JSON.parse(line)).toMatchObject({
    level: 'WARN',
    msg: `CPP at ${cppUrl} cannot be reached: connection refused (ECONNREFUSED): nothing listens there. The worker keeps running; cancellations retry until it answers or their deadline passes (check CPP_BASE_URL)`,
  });
  expect(entries().filter((e) => String(e.msg).includes('cannot be reached'))).toHaveLength(1);
  expect(worker.isRunning()).toBe(true);
  const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', state: 'RUNNING', cpp: { status: 'unreachable', baseUrl: cppUrl } });
});

it('a cancellation: one log line per failed attempt, no stack, numbered as the CLI shows them; the deadline names the attempts and the last error', async () => {
  const offerId = `unreachable-${randomUUID().slice(0, 8)}`;
  const workflowId = `cpp-cancel/contoso/${offerId}`;
  const cli = await runStarterCli(['--publisher', 'contoso', '--offer', offerId, '--email', 'jondoe@contoso.com', '--task-queue', taskQueue, '--timeout', '10', '--wait']);
  expect(cli.code, cli.stderr).toBe(1);

  // The failure names how many attempts failed; the worker logged a line for each (its log may trail the CLI's exit a little).
  const named = new RegExp(
    '^failed: PollingDeadlineExceeded: the overall deadline of 10 s passed while requesting: (\\d+) attempts of the cancel POST failed; last error CppNetworkError: CPP cancel POST got no answer: ',
    'm',
  ).exec(cli.stderr);
  expect(named, cli.stderr).not.toBeNull();
  const failed = Number(named![1]);
  expect(failed).toBeGreaterThanOrEqual(3);
  await worker.waitForLine((l) => l.includes(workflowId) && l.includes(`"msg":"cancel POST attempt ${failed} failed`), 10_000);
  const attempts = entries()
    .filter((e) => e.workflowId === workflowId && typeof e.msg === 'string' && e.msg.startsWith('cancel POST attempt'))
    .map((e) => e.attempt as number);
  // Consecutive from the first (local) try, each once: the numbers the failure counts.
  expect(attempts).toEqual(Array.from({ length: failed }, (_, i) => i + 1));
  const own = entries().filter((e) => e.workflowId === workflowId && e.level === 'WARN');
  for (const e of own) expect(JSON.stringify(e)).not.toMatch(/"stack"|\n\s+at /);
  // The SDK's own line for a retried attempt (its attempt counts restart at the activity task) is not at WARN.
  expect(own.filter((e) => e.msg === 'Activity failed')).toEqual([]);
  expect(own[0]?.msg).toMatch(/^cancel POST attempt 1 failed: CppNetworkError: CPP cancel POST got no answer: /);

  // The CLI's retry lines name the attempt coming next: one the log shows failing, or the one the deadline cut short.
  const shown = [...cli.stdout.matchAll(/retrying cancel POST · attempt (\d+)/g)].map((m) => Number(m[1]));
  expect(shown.length).toBeGreaterThan(0);
  for (const n of shown) expect(n >= 2 && n <= failed + 1, `attempt ${n}`).toBe(true);
}, 90_000);
