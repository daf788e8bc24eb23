/**
 * `npm start -- …` as a person runs it: the starter CLI as its own process (`node --import tsx
 * src/starter.ts`, what `npm start --` runs) against the shared dev server, a simulator and a worker.
 * Input errors in the flags' terms, connection failures in one line, the task queue the header
 * names, comma-separated e-mails, progress with a relative next poll, Ctrl-C and `--attach` (of a
 * cancellation, of a release batch, of anything else).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collectOutput, type ProcessOutput } from '../harness/process-output';
import { defaultJobWorkflowId, defaultWorkflowId } from '../src/contract';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { inputFromOptions, problemInFlags, type CliOptions } from '../src/cli/flags';
import { startTestStack, type TestStack } from './helpers/stack';

interface Cli extends ProcessOutput {
  exited: Promise<number | null>;
  interrupt(): void;
}

/** The CLI as its own process, with Temporal's variables of the test server unless `env` says otherwise. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const base: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  delete base.TEMPORAL_TASK_QUEUE;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/starter.ts', ...args], { cwd: PROJECT_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { ...output, exited, interrupt: () => child.kill('SIGINT') };
}

const all = (c: Cli) => `${c.stdout()}\n${c.stderr()}`;

describe('flags to input', () => {
  const options = (o: Partial<CliOptions>): CliOptions => ({ publisher: 'contoso', offer: 'o', email: [], notify: [], ...o });

  it('splits --email at commas, and takes it repeated', () => {
    expect(inputFromOptions(options({ email: ['a@b.com, c@d.com', 'e@f.com'] })).notificationEmails).toEqual(['a@b.com', 'c@d.com', 'e@f.com']);
  });

  it('words input problems as the flags a person typed', () => {
    const input = { notificationEmails: ['a@b.com', 'nope'] };
    expect(problemInFlags('notificationEmails.1: must be an e-mail address like jondoe@contoso.com', input)).toBe('--email "nope": must be an e-mail address like jondoe@contoso.com');
    expect(problemInFlags('offerId: must not contain "/" or "\\"', input)).toBe('--offer: must not contain "/" or "\\"');
    expect(problemInFlags('polling.maxIntervalSeconds: maxIntervalSeconds must not be smaller than initialIntervalSeconds', input)).toBe('--poll-max must not be smaller than --poll-initial');
    expect(problemInFlags('notificationEmails: must name at least one e-mail address', input)).toBe('--email: must name at least one e-mail address');
    expect(problemInFlags('polling.watchWindowSeconds: must be at most 3600', input)).toBe('--watch-window: must be at most 3600');
  });

  it('takes --watch-window as polling.watchWindowSeconds', () => {
    expect(inputFromOptions(options({ watchWindow: 900, pollMax: 60 })).polling).toEqual({ maxIntervalSeconds: 60, watchWindowSeconds: 900 });
  });
});

describe('npm start -- … without a server', () => {
  it('refuses bad input in the flags\' terms before connecting (exit 2)', async () => {
    const run = cli(['--publisher', 'contoso', '--offer', 'a/b', '--email', 'a@b.com,not-an-address'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--offer: must not contain "/"');
    expect(run.stderr()).toContain('--email "not-an-address": must be an e-mail address');
    expect(all(run)).not.toContain('Temporal');
  });

  it('--job: a job id that is not a GUID, or CPP flags beside it, are refused before connecting (exit 2)', async () => {
    const bad = cli(['--job', 'not-a-guid', '--job-version', 'latest'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--job: must be a GUID like d4261631-c583-4949-a612-5150882632e9');
    expect(bad.stderr()).toContain('--job-version: must be a schema version like 2022-03-01-preview2');
    const mixed = cli(['--job', randomUUID(), '--offer', 'x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(await mixed.exited).toBe(2);
    expect(mixed.stderr()).toContain('--job cancels a Product Ingestion job: it takes no --publisher, --offer or --email');
  });

  it('names the address and what to check when Temporal does not answer, at once', async () => {
    const started = Date.now();
    const run = cli(['--publisher', 'contoso', '--offer', 'contoso-offer', '--email', 'jondoe@contoso.com', '--wait'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim()).toBe(
      'cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS): connection refused — nothing listens there; start the server (npm run dev starts one on 127.0.0.1:7233) or set TEMPORAL_ADDRESS to where it runs',
    );
    // Well within the client's 5 s connect timeout: a refused port needs no waiting (tsx start-up included).
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});

describe('npm start -- … against a running worker', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ taskQueuePrefix: 'starter-cli' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('--wait: the header names the task queue used, e-mails may be comma-separated, progress says "next poll in N s"', async () => {
    const offerId = stack.offerId('cli');
    stack.simulator.setScenario('contoso', offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3, steps: 3 } });
    const run = cli(['--publisher', 'contoso', '--offer', offerId, '--email', 'a@contoso.com,b@contoso.com', '--task-queue', stack.taskQueue, '--poll-initial', '1', '--poll-max', '2', '--wait']);
    expect(await run.exited, all(run)).toBe(0);
    const out = run.stdout();
    expect(out).toContain(`cancellation ${defaultWorkflowId('contoso', offerId)} (run `);
    expect(out).toContain(`taskQueue=${stack.taskQueue}`);
    expect(out).toMatch(/^ {2}polling · asynchronous · \d+ polls? · .*next poll in \d+ s$/m);
    const progressLines = out.split('\n').filter((l) => l.startsWith('  polling'));
    expect(progressLines.join('\n')).not.toMatch(/next poll at|\d\d:\d\d:\d\d/);
    expect(out).toMatch(/^succeeded: the operation was cancelled \(asynchronous\) after 3 polls in \d+ s$/m);
    const [post] = stack.simulator.requests({ offerId, endpoint: 'cancel' });
    expect(post?.body).toEqual({ metadata: { 'notification-emails': 'a@contoso.com,b@contoso.com' } });
  }, 60_000);

  it('--job --wait: a Product Ingestion job cancelled and followed to its end; --until-accepted returns with the answer; --attach follows a job', async () => {
    const jobId = randomUUID();
    stack.simulator.setJobScenario(jobId, { startedAgoMs: 30_000, runsForMs: 60_000, cancel: { mode: 'accepted', completesAfterPolls: 2 } });
    const run = cli(['--job', jobId, '--task-queue', stack.taskQueue, '--poll-initial', '0.5', '--poll-max', '0.5', '--wait']);
    expect(await run.exited, all(run)).toBe(0);
    expect(run.stdout()).toContain(`job cancellation ${defaultJobWorkflowId(jobId)} on `);
    expect(run.stdout()).toMatch(/^succeeded: job \S+ cancelled \(asynchronous\) after 2 polls in /m);
    expect(run.stdout()).toContain('  it had processed 2 resources before the cancel; those changes stand');

    const refusedJob = randomUUID();
    stack.simulator.setJobScenario(refusedJob, { cancel: { mode: 'refused' } });
    const refused = cli(['--job', refusedJob, '--task-queue', stack.taskQueue, '--until-accepted']);
    expect(await refused.exited, all(refused)).toBe(1);
    expect(refused.stderr()).toContain('JobCancelRefused');

    const attached = cli(['--attach', defaultJobWorkflowId(jobId)]);
    expect(await attached.exited, all(attached)).toBe(0);
    expect(attached.stdout()).toMatch(/^succeeded: job \S+ cancelled \(asynchronous\)/m);
  }, 60_000);

  it('warns when no worker polls the task queue given, and says how to follow the run', async () => {
    const offerId = stack.offerId('cli-q');
    const run = cli(['--publisher', 'contoso', '--offer', offerId, '--email', 'a@contoso.com', '--task-queue', 'q-wrong-nobody-polls']);
    expect(await run.exited, all(run)).toBe(0);
    const workflowId = defaultWorkflowId('contoso', offerId);
    expect(run.stdout()).toContain('taskQueue=q-wrong-nobody-polls');
    expect(run.stdout()).toContain('no worker has polled task queue q-wrong-nobody-polls lately');
    expect(run.stdout()).toContain(`npm start -- --attach ${workflowId}`);
    expect(run.stdout()).toContain(`npm run temporal -- workflow query --workflow-id ${workflowId} --name progress`);
    await stack.client.workflow.getHandle(workflowId).terminate('test: nobody polls its task queue');
  }, 30_000);

  it('Ctrl-C stops following only: the run goes on, the way back is printed, and --attach follows it to the end', async () => {
    const offerId = stack.offerId('cli-int');
    const workflowId = defaultWorkflowId('contoso', offerId);
    stack.simulator.setScenario('contoso', offerId, { cancel: { mode: 'accepted', completeAfterPolls: 4 } });
    const run = cli(['--publisher', 'contoso', '--offer', offerId, '--email', 'a@contoso.com', '--task-queue', stack.taskQueue, '--poll-initial', '2', '--poll-max', '2', '--wait']);
    await run.waitForLine((l) => l.startsWith('  polling'), 30_000);
    run.interrupt();
    expect(await run.exited).toBe(130);
    expect(run.stdout()).toContain(`stopped following (Ctrl-C); cancellation ${workflowId} goes on in Temporal`);
    expect(run.stdout()).toContain(`npm start -- --attach ${workflowId}`);
    expect((await stack.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');

    const attached = cli(['--attach', workflowId]);
    expect(await attached.exited, all(attached)).toBe(0);
    expect(attached.stdout()).toContain(`following cancellation ${workflowId} (run `);
    expect(attached.stdout()).toMatch(/^succeeded: the operation was cancelled \(asynchronous\) after 4 polls/m);
  }, 60_000);

  it('a release batch: Ctrl-C says the batch goes on and how to follow it; --attach recognises the batch and follows it to its result', async () => {
    const slow = stack.offerId('batch-slow');
    const quick = stack.offerId('batch-quick');
    const refused = stack.offerId('batch-refused');
    stack.simulator.setScenario('contoso', slow, { cancel: { mode: 'accepted', completeAfterPolls: 4 } });
    stack.simulator.setScenario('contoso', quick, { cancel: { mode: 'synchronous' } });
    stack.simulator.setScenario('contoso', refused, { cancel: { mode: 'error', status: 400 } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'release-attach-'));
    const file = path.join(dir, 'offers.json');
    await writeFile(file, JSON.stringify([slow, quick, refused].map((offerId) => ({ publisherId: 'contoso', offerId }))));
    const releaseId = `attach-${slow.slice(-8)}`;
    const workflowId = `cpp-cancel-release/${releaseId}`;
    try {
      const run = cli(['--offers', file, '--release-id', releaseId, '--email', 'a@contoso.com', '--task-queue', stack.taskQueue, '--poll-initial', '1', '--poll-max', '1', '--wait']);
      await run.waitForLine((l) => l.startsWith('  running · '), 30_000);
      run.interrupt();
      expect(await run.exited).toBe(130);
      expect(run.stdout()).toContain(`stopped following (Ctrl-C); release batch ${workflowId} goes on in Temporal. Follow it again with:`);
      expect(run.stdout()).toContain(`npm start -- --attach ${workflowId}`);

      const attached = cli(['--attach', workflowId]);
      expect(await attached.exited, all(attached)).toBe(1);
      const out = attached.stdout();
      expect(out).toContain(`following release batch ${workflowId} (run `);
      expect(out).toMatch(/^ {2}running · \d of 3 done · /m);
      expect(out).toContain(`  contoso/${slow}: succeeded (asynchronous)`);
      expect(out).toContain(`  contoso/${quick}: succeeded (synchronous)`);
      expect(out).toMatch(new RegExp(`^  contoso/${refused}: failed CppBadRequest: `, 'm'));
      expect(out).toMatch(/^failed: 2 of 3 offers cancelled$/m);
      // Each offer's line once; nothing of a single cancellation's follow.
      expect(out.split('\n').filter((l) => l.includes(`contoso/${slow}:`))).toHaveLength(1);
      expect(out).not.toMatch(/undefined|NaN/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('--attach names what a run of another type is, instead of following it as a cancellation', async () => {
    const handle = await stack.client.workflow.start('nexusCaller', { taskQueue: 'nobody-polls-this', workflowId: `not-ours-${stack.offerId('x')}`, args: [] });
    const attached = cli(['--attach', handle.workflowId]);
    expect(await attached.exited).toBe(2);
    expect(attached.stderr()).toContain(`--attach ${handle.workflowId}: a nexusCaller workflow, neither a cancellation (cancelOfferOperation, cancelIngestionJob) nor a release batch (cancelReleaseOffers)`);
    await handle.terminate('test: not ours');
  }, 30_000);
});
