/**
 * `npx tsx scripts/record-histories.ts`: records the histories that test/replay.test.ts replays.
 *
 * Starts the harness's stack (its own in-memory Temporal dev server, the CPP simulator and a worker
 * on `src/workflows`), runs every main path of the cancellation workflow once, and writes each
 * history as JSON to test/fixtures/histories/<name>.json (format: see {@link historyFileText}).
 * Re-record after an intended, `patched()`-guarded change to the workflow's commands, and keep the
 * old files as well while executions recorded by the old code may still be running (see
 * docs/operations.md, "Changing workflow code safely").
 *
 * `--only name1,name2` records a subset; `--out dir` writes there instead (to compare with the
 * committed fixtures without touching them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { INGESTION_WORKFLOW_TYPE, progressQuery, WORKFLOW_TYPE, type CancelJobInput, type CancelOfferInput } from '../src/contract';
import { StaticTokenProvider } from '../src/cpp/token-provider';
import type { JobScenario } from '../simulator/job-scenario';
import type { OfferScenario } from '../simulator/scenario';
import type { RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startJobCancellation } from '../src/client/start-job-cancellation';
import { startReleaseCancellation } from '../src/client/start-release-cancellation';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { cancellationWorker } from '../harness/in-process-worker';
import { withStack } from '../harness/stack';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const PUBLISHER = 'contoso';
const TOKEN = 'record-histories-token';
const TASK_QUEUE = 'record-histories';
const FAST = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.2, backoffCoefficient: 2 };

interface Env {
  client: Client;
  simulator: RunningSimulator;
}

/** One path through the workflow: starts it and returns the handles whose histories to keep, by name. */
interface Recording {
  name: string;
  run(env: Env): Promise<Array<[string, WorkflowHandle]>>;
}

function input(offerId: string, extra: Partial<CancelOfferInput> = {}): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST, ...extra };
}

/** Starts one cancellation of `offerId` under `scenario` and waits for its end (success or failure). */
function simple(name: string, scenario: OfferScenario, extra: Partial<CancelOfferInput> = {}): Recording {
  return {
    name,
    async run({ client, simulator }) {
      const offerId = `${name}-offer`;
      simulator.setScenario(PUBLISHER, offerId, scenario);
      const handle = await startOfferCancellation(client, input(offerId, extra), { taskQueue: TASK_QUEUE, workflowId: `replay/${name}` });
      await handle.result().catch(() => undefined);
      return [[name, handle]];
    },
  };
}

/** Starts `raw` untyped, as the UI would, so the workflow's own validation answers, and waits for its end. */
function untyped(name: string, raw: unknown): Recording {
  return {
    name,
    async run({ client }) {
      const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue: TASK_QUEUE, workflowId: `replay/${name}`, args: [raw] });
      await handle.result().catch(() => undefined);
      return [[name, handle]];
    },
  };
}

/** A fixed job id per recording, so re-recorded histories differ only where the workflow does. */
const jobIdOf = (n: number) => `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;

/** Starts one job cancellation under `scenario` and waits for its end (success or failure). */
function job(name: string, n: number, scenario: JobScenario, extra: Partial<CancelJobInput> = {}): Recording {
  return {
    name,
    async run({ client, simulator }) {
      const jobId = jobIdOf(n);
      simulator.setJobScenario(jobId, scenario);
      const handle = await startJobCancellation(client, { jobId, polling: FAST, ...extra }, { taskQueue: TASK_QUEUE, workflowId: `replay/${name}` });
      await handle.result().catch(() => undefined);
      return [[name, handle]];
    },
  };
}

export const RECORDINGS: Recording[] = [
  simple('sync-200', { cancel: { mode: 'synchronous' } }),
  simple('async-202-migrated-location', { cancel: { mode: 'accepted', locationForm: 'migrated', completeAfterPolls: 3 } }),
  simple('async-202-legacy-location', { cancel: { mode: 'accepted', locationForm: 'legacy', completeAfterPolls: 3 } }),
  simple('retry-429-then-200', { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'status', status: 429, retryAfter: '1' } }] }),
  simple('failed-cpp-bad-request', { cancel: { mode: 'error', status: 400, body: { error: { code: 'BadRequest', message: 'bad' } } } }),
  simple('failed-cpp-forbidden', { cancel: { mode: 'error', status: 403 } }),
  simple('failed-cpp-not-found', { cancel: { mode: 'error', status: 404 } }),
  simple('failed-cancel-operation-failed', { cancel: { mode: 'accepted', completeAfterPolls: 2, outcome: 'failed', error: 'Certification could not be stopped' } }),
  simple('failed-polling-deadline-exceeded', { cancel: { mode: 'accepted', completeAfterPolls: 100_000 } }, { polling: { ...FAST, timeoutSeconds: 2 } }),
  simple('failed-operation-mismatch', { cancel: { mode: 'synchronous' } }, { expectedOperationId: 'not-the-running-one' }),
  // The POST as a local activity (patch `cancel-post-as-local-activity`); the fixtures above are from
  // before it, when it was an activity task, and must keep replaying as they are.
  simple('local-post-sync-200', { cancel: { mode: 'synchronous' } }),
  simple('local-post-async-202', { cancel: { mode: 'accepted', completeAfterPolls: 2 } }),
  simple('local-post-failed-cpp-bad-request', { cancel: { mode: 'error', status: 400, body: { error: { code: 'BadRequest', message: 'bad' } } } }),
  // The local try fails retryably: a timer, then the retry as an activity task, which looks up first.
  simple('local-post-retry-503-then-200', { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'status', status: 503 } }] }),
  {
    name: 'failed-invalid-input',
    async run({ client }) {
      // Started untyped, as the UI would, so the workflow's own validation answers.
      const handle = await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: TASK_QUEUE,
        workflowId: 'replay/failed-invalid-input',
        args: [{ publisherId: 'contoso', offerId: '../x', notificationEmails: 'not-an-email' }],
      });
      await handle.result().catch(() => undefined);
      return [['failed-invalid-input', handle]];
    },
  },
  // An id with a lone surrogate (valid as a JSON escape): refused by validation, naming the field, behind
  // the patch `refuse-ill-formed-unicode`. The `-before-rule` fixture was recorded by the code before it
  // (the activity refused it, after the look-up for expectedOperationId) and must keep replaying.
  untyped('ill-formed-offer-id', { publisherId: 'contoso', offerId: 'a\udc00b', notificationEmails: ['jondoe@contoso.com'], expectedOperationId: 'op-1' }),
  untyped('ill-formed-offer-id-before-rule', { publisherId: 'contoso', offerId: 'b\udc00c', notificationEmails: ['jondoe@contoso.com'], expectedOperationId: 'op-1' }),
  {
    name: 'workflow-cancelled',
    async run({ client, simulator }) {
      const offerId = 'workflow-cancelled-offer';
      simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 100_000 } });
      const handle = await startOfferCancellation(client, input(offerId), { taskQueue: TASK_QUEUE, workflowId: 'replay/workflow-cancelled' });
      for (let i = 0; i < 200 && (await handle.query(progressQuery)).polls < 2; i++) await new Promise((r) => setTimeout(r, 100));
      await handle.cancel();
      await handle.result().catch(() => undefined);
      return [['workflow-cancelled', handle]];
    },
  },
  // Polls inside watch activities: a first answer, a retried 503, a change, the end.
  simple(
    'watch-202',
    { cancel: { mode: 'accepted', steps: 0, rawStatuses: ['running', 'running', 'running', 'pendingReview', 'pendingReview', 'Completed'] }, faults: [{ on: 'poll', fault: { kind: 'status', status: 503 } }] },
    { polling: { ...FAST, watchWindowSeconds: 30 } },
  ),
  // Watching, but each Retry-After (2 s) is longer than the window (1 s): those waits are timers.
  simple('watch-retry-after-longer-than-window', { cancel: { mode: 'accepted', completeAfterPolls: 3, steps: 0, retryAfterSeconds: 2 } }, { polling: { ...FAST, watchWindowSeconds: 1 } }),
  // A poll retried after two 500s: the run is told of each failed attempt (cppCallRetrying signals).
  simple('retried-poll-notices', { cancel: { mode: 'accepted', completeAfterPolls: 2 }, faults: [{ on: 'poll', fault: { kind: 'status', status: 500 }, times: 2 }] }),
  {
    name: 'update-with-start-202',
    async run({ client, simulator }) {
      const offerId = 'update-with-start-202-offer';
      simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3 } });
      const { handle } = await startOfferCancellation(client, input(offerId), { taskQueue: TASK_QUEUE, workflowId: 'replay/update-with-start-202', waitFor: 'accepted' });
      await handle.result();
      return [['update-with-start-202', handle]];
    },
  },
  {
    name: 'release-batch',
    async run({ client, simulator }) {
      const offers = ['sync', 'async', 'refused'].map((kind) => ({ publisherId: PUBLISHER, offerId: `release-batch-${kind}` }));
      simulator.setScenario(PUBLISHER, 'release-batch-sync', { cancel: { mode: 'synchronous' } });
      simulator.setScenario(PUBLISHER, 'release-batch-async', { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
      simulator.setScenario(PUBLISHER, 'release-batch-refused', { cancel: { mode: 'error', status: 400 } });
      const handle = await startReleaseCancellation(client, { releaseId: 'replay', offers, notificationEmails: ['jondoe@contoso.com'], polling: FAST, maxConcurrent: 2 }, { taskQueue: TASK_QUEUE, workflowId: 'replay/release-batch' });
      await handle.result();
      return [['release-batch', handle]];
    },
  },
  // A Product Ingestion configure job's cancellation (cancelIngestionJob).
  job('job-cancelled-at-once', 1, { cancel: { mode: 'immediate' }, startedAgoMs: 30_000 }),
  job('job-cancel-accepted', 2, { cancel: { mode: 'accepted', completesAfterPolls: 2 } }),
  job('job-cancel-refused', 3, { cancel: { mode: 'refused' } }),
  job('job-ended-before-cancel', 4, { startsAs: 'completed', jobResult: 'failed' }),
  job('job-retry-503-then-cancelled', 5, { cancel: { mode: 'immediate' }, faults: [{ on: 'jobCancel', fault: { kind: 'status', status: 503 } }] }),
  {
    name: 'job-invalid-input',
    async run({ client }) {
      const handle = await client.workflow.start(INGESTION_WORKFLOW_TYPE, { taskQueue: TASK_QUEUE, workflowId: 'replay/job-invalid-input', args: [{ jobId: 'not-a-guid', offerId: 'x' }] });
      await handle.result().catch(() => undefined);
      return [['job-invalid-input', handle]];
    },
  },
  {
    name: 'job-continue-as-new',
    async run({ client, simulator }) {
      const jobId = jobIdOf(6);
      simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 4 } });
      const first = await startJobCancellation(client, { jobId, polling: { ...FAST, maxPollsPerRun: 2 } }, { taskQueue: TASK_QUEUE, workflowId: 'replay/job-continue-as-new' });
      await first.result();
      return [
        ['job-continue-as-new-first-run', client.workflow.getHandle(first.workflowId, first.firstExecutionRunId)],
        ['job-continue-as-new-last-run', client.workflow.getHandle(first.workflowId)],
      ];
    },
  },
  {
    // A release mixing a CPP offer and a Product Ingestion job.
    name: 'release-batch-mixed',
    async run({ client, simulator }) {
      simulator.setScenario(PUBLISHER, 'release-mixed-async', { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
      simulator.setJobScenario(jobIdOf(7), { cancel: { mode: 'accepted', completesAfterPolls: 1 } });
      const offers = [{ publisherId: PUBLISHER, offerId: 'release-mixed-async' }, { jobId: jobIdOf(7) }];
      const handle = await startReleaseCancellation(client, { releaseId: 'replay-mixed', offers, notificationEmails: ['jondoe@contoso.com'], polling: FAST, maxConcurrent: 2 }, { taskQueue: TASK_QUEUE, workflowId: 'replay/release-batch-mixed' });
      await handle.result();
      return [['release-batch-mixed', handle]];
    },
  },
  {
    // The continued run keeps the carried wait (patch `continue-as-new-keeps-next-poll`); the
    // continue-as-new-* fixtures are from before it and must keep replaying as they are.
    name: 'continue-as-new-kept-wait',
    async run({ client, simulator }) {
      const offerId = 'continue-as-new-kept-wait-offer';
      simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 3, retryAfterSeconds: 1 } });
      const first = await startOfferCancellation(client, input(offerId, { polling: { ...FAST, maxPollsPerRun: 2 } }), { taskQueue: TASK_QUEUE, workflowId: 'replay/continue-as-new-kept-wait' });
      await first.result();
      return [['continue-as-new-kept-wait-last-run', client.workflow.getHandle(first.workflowId)]];
    },
  },
  {
    name: 'continue-as-new',
    async run({ client, simulator }) {
      const offerId = 'continue-as-new-offer';
      simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 5 } });
      const first = await startOfferCancellation(client, input(offerId, { polling: { ...FAST, maxPollsPerRun: 3 } }), {
        taskQueue: TASK_QUEUE,
        workflowId: 'replay/continue-as-new',
      });
      await first.result();
      // `first` follows the chain to the last run; the first run is fetched by its own id.
      const firstRun = client.workflow.getHandle(first.workflowId, first.firstExecutionRunId);
      const lastRun = client.workflow.getHandle(first.workflowId);
      return [
        ['continue-as-new-first-run', firstRun],
        ['continue-as-new-last-run', lastRun],
      ];
    },
  },
];

/**
 * A history as JSON: protobufjs' object form (enums by name, 64-bit numbers and bytes as strings),
 * read back with `History.fromObject` (see test/replay.test.ts). The SDK's `historyToJSON` /
 * `historyFromJSON` (the CLI's format) fail in this install: @temporalio/common and
 * @temporalio/proto each carry their own protobufjs copy, and protojson checks `instanceof Type`.
 * Worker identities and sticky queue names carry the host and pid, stack traces the checkout's path;
 * replay reads neither, so they are replaced.
 */
export function historyFileText(history: temporal.api.history.v1.IHistory): string {
  const object = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
  // The SDK's identity (and sticky queue name) is `<pid>@<hostname>`.
  const identity = new RegExp(`\\d+@${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
  // Stack traces carry this checkout's absolute path; fixtures must not (they hold no machine's paths).
  const text = JSON.stringify(object, null, 1).replace(identity, 'record-histories').split(`${PROJECT_ROOT}${path.sep}`).join('');
  return `${text}\n`;
}

const USAGE = `npx tsx scripts/record-histories.ts [--only name1,name2] [--out dir]
  recordings: ${RECORDINGS.map((r) => r.name).join(', ')}
  --out: where the files go (default test/fixtures/histories)`;

/** The command line; an unknown flag throws, so a mistyped one cannot overwrite the fixtures. */
function parseCommandLine(args: string[]): { only?: Set<string>; outDir: string; help: boolean } {
  const { values } = parseArgs({ args, options: { only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  return {
    only: values.only === undefined ? undefined : new Set(values.only.split(',')),
    outDir: values.out === undefined ? HISTORIES_DIR : path.resolve(values.out),
    help: values.help === true,
  };
}

async function main(): Promise<void> {
  const { only, outDir, help } = parseCommandLine(process.argv.slice(2));
  if (help) return console.log(USAGE);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stack = {
    temporal: { log: (line: string) => console.log(`[temporal] ${line}`) },
    simulator: { port: 0, tokens: [TOKEN] },
    workflowBundle: { workflowsPath: path.join(PROJECT_ROOT, 'src', 'workflows', 'index.ts'), outFile: path.join(PROJECT_ROOT, 'test', '.cache', 'record-histories-workflow-bundle.js') },
    client: true as const,
    worker: cancellationWorker({ taskQueue: TASK_QUEUE, tokenProvider: new StaticTokenProvider(TOKEN) }),
  };
  await withStack(stack, async ({ client, simulator }) => {
    await mkdir(outDir, { recursive: true });
    for (const recording of RECORDINGS) {
      if (only && !only.has(recording.name)) continue;
      for (const [name, handle] of await recording.run({ client, simulator })) {
        const file = path.join(outDir, `${name}.json`);
        await writeFile(file, historyFileText(await handle.fetchHistory()));
        console.log(`recorded ${path.relative(process.cwd(), file)}`);
      }
    }
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
