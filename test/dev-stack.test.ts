/**
 * `npm run dev` end to end: the stack it starts (its own Temporal dev server on SQLite, the
 * simulator, the worker), driven by the commands it prints — the starter CLI and the Temporal CLI
 * through `npm run temporal --` — each run as a real child process. A second start on the same
 * ports refuses in one line before starting anything. Then a restart on the same data directory
 * still shows the finished cancellation. Also: what the dev console makes of the worker's log.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../src/worker-process/workflow-bundle';
import { DEMO_JOB_ID, DevConsoleLog, DevStackInUseError, demoCliCommand, demoJobCommand, demoTemporalCommands, startDevStack, welcomeText, type DevStack } from '../scripts/dev';
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
  // Fixed, as npm run dev's own (7450): an operation's location names the simulator's port.
  let simulatorPort: number;
  let bundlePath: string;

  const start = async () =>
    startDevStack({ env: { ...cleanEnv(), WORKFLOW_BUNDLE_PATH: bundlePath }, temporalPort, uiPort: false, simulatorPort, dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cpp-dev-stack-'));
    bundlePath = (await buildWorkflowBundle({ outFile: path.join(dataDir, 'workflow-bundle.js') })).outFile;
    temporalPort = await freePort();
    simulatorPort = await freePort();
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

  it('runs the printed Product Ingestion job command to a cancelled job, its processed resources named', async () => {
    const command = demoJobCommand(stack!);
    expect(welcomeText(stack!)).toContain(`  A Product Ingestion configure job: ${command.text}`);
    expect(command.text).toBe(`TEMPORAL_ADDRESS=127.0.0.1:${temporalPort} npm start -- --job ${DEMO_JOB_ID} --wait`);
    const finished = await run('npx', ['tsx', 'src/starter.ts', ...command.args], { ...cleanEnv(), ...command.env }, 120_000);
    expect(finished.output).toMatch(/succeeded: job 00000000-0000-4000-8000-000000000001 cancelled \(synchronous\)/);
    expect(finished.output).toContain('it had processed 2 resources before the cancel; those changes stand');
    expect(finished.code, finished.output).toBe(0);
  }, 150_000);

  it('commands run without TEMPORAL_ADDRESS find the running stack on its own ports (its dev-stack.json)', async () => {
    const current = stack!;
    const otherOffer = `${offerId}-found`;
    const env = { ...cleanEnv(), DEV_DATA_DIR: dataDir };
    const started = await run('npx', ['tsx', 'src/starter.ts', '--publisher', 'contoso', '--offer', otherOffer, '--email', 'jondoe@contoso.com', '--wait'], env, 120_000);
    expect(started.output).toContain(`cancellation ${defaultWorkflowId('contoso', otherOffer)} (run `);
    expect(started.output).toContain(`on ${current.temporalAddress} namespace=default`);
    expect(started.code, started.output).toBe(0);
    const described = await run('npx', ['tsx', 'scripts/temporal.ts', 'workflow', 'describe', '--workflow-id', defaultWorkflowId('contoso', otherOffer)], env, 60_000);
    expect(described.output).toMatch(/Status\s+COMPLETED/);
    expect(described.code, described.output).toBe(0);
  }, 150_000);

  it('a failed connection names the address tried and where it came from', async () => {
    // A dev-stack.json whose process lives (this one) but whose server does not answer.
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'cpp-dev-stack-gone-'));
    try {
      await writeFile(path.join(elsewhere, 'dev-stack.json'), JSON.stringify({ pid: process.pid, temporalAddress: '127.0.0.1:1', taskQueue: 'cpp-offer-cancellation' }));
      const failed = await run('npx', ['tsx', 'src/starter.ts', '--attach', 'cpp-cancel/contoso/x'], { ...cleanEnv(), DEV_DATA_DIR: elsewhere }, 60_000);
      expect(failed.output.trim()).toBe(
        `cannot reach Temporal at 127.0.0.1:1 (the running npm run dev, ${path.join(elsewhere, 'dev-stack.json')}): connection refused — the npm run dev that wrote it does not answer there; restart it, or set TEMPORAL_ADDRESS`,
      );
      expect(failed.code).toBe(1);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

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
    // The simulator's port is fixed too (as npm run dev's own 7450): both are named.
    expect(message).toContain(`ports ${temporalPort} (Temporal gRPC, DEV_TEMPORAL_PORT), ${simulatorPort} (CPP simulator, SIMULATOR_PORT) already in use on 127.0.0.1`);
    // (Another process holding the data directory would add DEV_DATA_DIR=.data-2; this one holds it itself.)
    expect(message).toMatch(/run this one beside it: DEV_TEMPORAL_PORT=\d+ SIMULATOR_PORT=\d+ npm run dev$/);
    expect(message.split('\n')).toHaveLength(1);
    // The first stack is untouched.
    const connection = await Connection.connect({ address: stack!.temporalAddress });
    await connection.close();
  });

  it('keeps the finished cancellation across a restart on the same data directory, and finishes one that was polling', async () => {
    // A cancellation polling when the stack stops: its operation ends 12 s after the POST.
    const polling = `${offerId}-restart`;
    const scenario = { cancel: { mode: 'accepted', completeAfterMs: 12_000, steps: 2 } };
    const put = await fetch(`${stack!.simulatorUrl}/_admin/scenarios/contoso/${polling}`, { method: 'PUT', body: JSON.stringify(scenario) });
    expect(put.status).toBe(200);
    const before = await Connection.connect({ address: stack!.temporalAddress });
    try {
      const client = new Client({ connection: before });
      await client.workflow.start('cancelOfferOperation', {
        taskQueue: stack!.taskQueue,
        workflowId: defaultWorkflowId('contoso', polling),
        args: [{ publisherId: 'contoso', offerId: polling, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1 } }],
      });
      const handle = client.workflow.getHandle(defaultWorkflowId('contoso', polling));
      for (let i = 0; (await handle.query(progressQuery)).polls < 1; i++) {
        expect(i).toBeLessThan(150);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await before.close();
    }
    await stack!.stop();
    stack = undefined;
    stack = await start();
    const finishing = await Connection.connect({ address: stack.temporalAddress });
    try {
      // The simulator came back with the operation: the run polls it to its end, as it would against CPP.
      const result: unknown = await new Client({ connection: finishing }).workflow.getHandle(defaultWorkflowId('contoso', polling)).result();
      expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', operation: { status: 'completed' } });
      const requests = (await (await fetch(`${stack.simulatorUrl}/_admin/requests?offerId=${polling}`)).json()) as { endpoint: string }[];
      // No second POST after the restart: only polls.
      expect(requests.filter((r) => r.endpoint === 'cancel')).toEqual([]);
      expect(requests.length).toBeGreaterThan(0);
    } finally {
      await finishing.close();
    }

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

describe('npm run dev against a real CPP (CPP_BASE_URL set)', () => {
  it('prints commands for your offers, with what to fill in, and no demo offer', () => {
    const text = welcomeText({ temporalAddress: '127.0.0.1:7233', taskQueue: 'cpp-offer-cancellation', simulatorUrl: 'https://cloudpartner.azure.com', uiUrl: 'http://127.0.0.1:8233', stop: async () => undefined });
    expect(text).toContain('npm start -- --publisher <publisherId> --offer <offerId> --email <you@your-company.com> --wait');
    expect(text).toContain('Workflow ID cpp-cancel/<publisherId>/<offerId>');
    expect(text).toContain('real offers only');
    expect(text).not.toContain('contoso');
    expect(text).not.toContain('Demo offers');
    expect(text).not.toMatch(/(long|sync)-offer/);
  });
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

  it("shows the activity's own line for an attempt Temporal retries (not the SDK's, whose attempt counts differently); leaves out a final one at WARN", () => {
    const log = new DevConsoleLog('WARN');
    const throttled = ApplicationFailure.create({ type: 'CppThrottled', message: 'CPP cancel POST answered HTTP 429' });
    expect(log.format(entry('WARN', 'Activity failed', { workflowId: 'cpp-cancel/contoso/t', activityType: 'requestCancellation', attempt: 1, error: throttled }))).toBeUndefined();
    const own = 'cancel POST attempt 2 failed: CppThrottled HTTP 429: CPP cancel POST answered HTTP 429; attempt 3 at 12:00:03Z';
    expect(log.format(entry('WARN', own, { workflowId: 'cpp-cancel/contoso/t', activityType: 'requestCancellation', attempt: 2, call: 'cancel POST' }))).toBe(`WARN ${own} (cpp-cancel/contoso/t)`);
    const notFound = ApplicationFailure.create({ type: 'CppNotFound', message: '404', nonRetryable: true });
    expect(log.format(entry('WARN', 'Activity failed', { workflowId: 'w', activityType: 'requestCancellation', attempt: 1, error: notFound }))).toBeUndefined();
    expect(new DevConsoleLog('INFO').format(entry('WARN', 'Activity failed', { workflowId: 'w', activityType: 'requestCancellation', attempt: 1, error: notFound }))).toBe(
      'WARN requestCancellation of w failed: CppNotFound: 404',
    );
  });
});
