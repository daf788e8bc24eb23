/**
 * `npm run dev` end to end: the stack it starts (its own Temporal dev server on SQLite, the
 * simulator, the worker), driven by the commands it prints — the starter CLI and the Temporal CLI
 * through `npm run temporal --` — each run as a real child process. A second start on the same
 * ports refuses in one line before starting anything. Then a restart on the same data directory
 * still shows the finished cancellation. Also: what the dev console makes of the worker's log.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../src/worker-process/workflow-bundle';
import { DevConsoleLog, DevStackInUseError, demoCliCommand, demoTemporalCommands, startDevStack, welcomeText, type DevStack } from '../scripts/dev';
import { defaultWorkflowId, progressQuery } from '../src/contract';
import { freePort } from '../temporal-cli/dev-server';
import { PROJECT_ROOT } from '../temporal-cli/resolve';

/**
 * The environment of a developer who set nothing: the stack starts its own server and simulator.
 * (The stack's worker is given the production workflow bundle, built by the Dockerfile's script:
 * bundling from `src/workflows` by module path works under tsx but not inside vitest.)
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_API_KEY', 'CPP_BASE_URL', 'CPP_ACCESS_TOKEN', 'WORKFLOW_BUNDLE_PATH']) {
    delete env[name];
  }
  return env;
}

interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end (or kills it after `timeoutMs`), with stdout and stderr together. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

describe('npm run dev (startDevStack)', () => {
  let dataDir: string;
  let stack: DevStack | undefined;
  let temporalPort: number;
  let bundlePath: string;

  const start = async () =>
    startDevStack({ env: { ...cleanEnv(), WORKFLOW_BUNDLE_PATH: bundlePath }, temporalPort, uiPort: false, simulatorPort: 0, dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cpp-dev-stack-'));
    bundlePath = (await buildWorkflowBundle({ outFile: path.join(dataDir, 'workflow-bundle.js') })).outFile;
    temporalPort = await freePort();
    stack = await start();
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const offerId = `demo-${randomUUID().slice(0, 8)}`;

  it('runs the printed demo CLI command to a cancelled result', async () => {
    const current = stack!;
    expect(current.temporalAddress).toBe(`127.0.0.1:${temporalPort}`);
    const command = demoCliCommand(current, offerId);
    // What a developer copies: the address is spelled out because the port is not the default.
    expect(command.text).toBe(`TEMPORAL_ADDRESS=127.0.0.1:${temporalPort} npm start -- --publisher contoso --offer ${offerId} --email jondoe@contoso.com --wait`);

    // `npm start --` is `tsx src/starter.ts`; run it as its own process, as a shell would.
    const finished = await run('npx', ['tsx', 'src/starter.ts', ...command.args], { ...cleanEnv(), ...command.env }, 120_000);
    expect(finished.output).toContain(`cancellation ${defaultWorkflowId('contoso', offerId)}`);
    expect(finished.output).toMatch(/succeeded: the operation was cancelled \(synchronous\)/);
    expect(finished.code, finished.output).toBe(0);
  }, 150_000);

  it('runs the printed Temporal CLI commands (npm run temporal -- …): start, then the progress query', async () => {
    const current = stack!;
    const otherOffer = `${offerId}-cli`;
    const commands = demoTemporalCommands(current, otherOffer);
    expect(commands.text[0]).toMatch(/^npm run temporal -- workflow start --address 127\.0\.0\.1:\d+ --type cancelOfferOperation .* --static-summary 'Cancel operation on contoso\/.*' --input '\{.*\}'$/);
    // `npm run temporal --` is `tsx scripts/temporal.ts`, which runs the resolved CLI (not on PATH here either).
    const started = await run('npx', ['tsx', 'scripts/temporal.ts', ...commands.start], cleanEnv(), 60_000);
    expect(started.code, started.output).toBe(0);
    const connection = await Connection.connect({ address: current.temporalAddress });
    try {
      await new Client({ connection }).workflow.getHandle(defaultWorkflowId('contoso', otherOffer)).result();
    } finally {
      await connection.close();
    }
    const queried = await run('npx', ['tsx', 'scripts/temporal.ts', ...commands.query], cleanEnv(), 60_000);
    expect(queried.code, queried.output).toBe(0);
    expect(queried.output).toMatch(/"summary":"succeeded · synchronous · 0 polls · after \d+ s"/);
  }, 150_000);

  it('prints every demo offer of the seed with what it does', () => {
    const text = welcomeText(stack!);
    for (const offer of ['sync-offer', 'contoso-offer', 'legacy-offer', 'long-offer', 'throttled-offer', 'failing-offer', 'bad-request-offer', 'forbidden-offer', 'missing-offer']) {
      expect(text).toMatch(new RegExp(`^ {4}contoso/${offer} +\\S.+$`, 'm'));
    }
    expect(text).toContain('npm run temporal -- workflow query');
    expect(text).not.toMatch(/^\s*temporal workflow/m);
  });

  it('a second start on the same ports says which port and which variable moves it, and starts nothing', async () => {
    const error = await start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DevStackInUseError);
    const message = (error as Error).message;
    expect(message).toContain(`port ${temporalPort} (Temporal gRPC, DEV_TEMPORAL_PORT) already in use on 127.0.0.1`);
    // (Another process holding the data directory would add DEV_DATA_DIR=.data-2; this one holds it itself.)
    expect(message).toMatch(/run this one beside it: DEV_TEMPORAL_PORT=\d+ npm run dev$/);
    expect(message.split('\n')).toHaveLength(1);
    // The first stack is untouched.
    const connection = await Connection.connect({ address: stack!.temporalAddress });
    await connection.close();
  });

  it('keeps the finished cancellation across a restart on the same data directory', async () => {
    await stack!.stop();
    stack = undefined;
    stack = await start();

    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(defaultWorkflowId('contoso', offerId));
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect((await handle.query(progressQuery)).phase).toBe('succeeded');
      // Visibility and the search attributes came back from SQLite too.
      const listed: string[] = [];
      for await (const execution of client.workflow.list({ query: `CppOfferId = '${offerId}'` })) listed.push(execution.workflowId);
      expect(listed).toEqual([defaultWorkflowId('contoso', offerId)]);
    } finally {
      await connection.close();
    }
  }, 150_000);
});

describe('the dev console (DevConsoleLog)', () => {
  const entry = (level: LogEntry['level'], message: string, meta: Record<string, unknown>): LogEntry => ({ level, message, meta, timestampNanos: 0n });
  const finished = (runId: string) =>
    entry('INFO', 'cancellation cpp-cancel/contoso/x CppNotFound in 70 ms after 0 polls', { workflowId: 'cpp-cancel/contoso/x', runId, outcome: 'failed', failureType: 'CppNotFound', durationMs: 70, polls: 0 });

  it('shows the finished line at WARN, and not the SDK\'s Workflow failed that repeats it', () => {
    const log = new DevConsoleLog('WARN');
    expect(log.format(finished('r1'))).toBe('cancellation cpp-cancel/contoso/x CppNotFound in 70 ms after 0 polls');
    const failure = ApplicationFailure.create({ type: 'CppNotFound', message: 'CPP cancel POST answered HTTP 404', nonRetryable: true });
    expect(log.format(entry('WARN', 'Workflow failed', { workflowId: 'cpp-cancel/contoso/x', runId: 'r1', error: failure }))).toBeUndefined();
    // Without its finished line (a run this code did not write), it says which workflow and why.
    expect(log.format(entry('WARN', 'Workflow failed', { workflowId: 'cpp-cancel/contoso/y', runId: 'r2', error: failure }))).toBe(
      'WARN workflow cpp-cancel/contoso/y failed: CppNotFound: CPP cancel POST answered HTTP 404',
    );
    expect(log.format(entry('INFO', 'Worker state changed', { state: 'RUNNING' }))).toBeUndefined();
  });

  it('names the activity, attempt, workflow and reason of a failure Temporal retries; leaves out a final one at WARN', () => {
    const log = new DevConsoleLog('WARN');
    const throttled = ApplicationFailure.create({ type: 'CppThrottled', message: 'CPP cancel POST answered HTTP 429' });
    expect(log.format(entry('WARN', 'Activity failed', { workflowId: 'cpp-cancel/contoso/t', activityType: 'requestCancellation', attempt: 1, error: throttled }))).toBe(
      'WARN requestCancellation attempt 1 of cpp-cancel/contoso/t failed: CppThrottled: CPP cancel POST answered HTTP 429 (Temporal retries it)',
    );
    const notFound = ApplicationFailure.create({ type: 'CppNotFound', message: '404', nonRetryable: true });
    expect(log.format(entry('WARN', 'Activity failed', { workflowId: 'w', activityType: 'requestCancellation', attempt: 1, error: notFound }))).toBeUndefined();
    expect(new DevConsoleLog('INFO').format(entry('WARN', 'Activity failed', { workflowId: 'w', activityType: 'requestCancellation', attempt: 1, error: notFound }))).toBe(
      'WARN requestCancellation attempt 1 of w failed: CppNotFound: 404',
    );
  });
});
