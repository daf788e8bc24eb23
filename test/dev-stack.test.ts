/**
 * `npm run dev` end to end: the stack it starts (its own Temporal dev server on SQLite, the
 * simulator, the worker), driven by the CLI command it prints, run as a real child process.
 * Then a restart on the same data directory still shows the finished cancellation.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import { demoCliCommand, startDevStack, type DevStack } from '../scripts/dev';
import { defaultWorkflowId, progressQuery } from '../src/contract';
import { freePort } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';

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
    expect(command.text).toBe(`TEMPORAL_ADDRESS=127.0.0.1:${temporalPort} npm start -- --publisher contoso --offer ${offerId} --email jondoe@contoso.com --poll-initial 2 --wait`);

    // `npm start --` is `tsx src/starter.ts`; run it as its own process, as a shell would.
    const finished = await run('npx', ['tsx', 'src/starter.ts', ...command.args], { ...cleanEnv(), ...command.env }, 120_000);
    expect(finished.output).toContain(`cancellation ${defaultWorkflowId('contoso', offerId)}`);
    expect(finished.output).toMatch(/cancelled \(synchronous\)/);
    expect(finished.code, finished.output).toBe(0);
  }, 150_000);

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
