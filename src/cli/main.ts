/**
 * The CLI for people: `npm start -- --publisher … --offer … --email … --wait`, `--attach
 * <workflowId>`, `--offers <file>` for a release, `--until-accepted`. Checks the input as the
 * workflow would before connecting; exit 0 done, 1 failed, 2 a mistake in the command line.
 */
import { Client, type Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startOfferCancellation, type AcceptedCancellation } from '../client/start-cancellation';
import { describeTemporal, loadTemporalConfig, type TemporalConfig } from '../client/temporal-config';
import { connectTemporalClient, TemporalConnectionError } from '../client/temporal-connection';
import { DEFAULT_TASK_QUEUE, defaultWorkflowId, INGESTION_WORKFLOW_TYPE, RELEASE_WORKFLOW_TYPE, WORKFLOW_TYPE, type CancelOfferInput, type CppAnswer } from '../contract';
import { validateJobInput } from '../workflow-safe/job-input';
import type { cancelIngestionJob } from '../workflows/cancel-ingestion-job';
import { followJob, runJob } from './job';
import { validateInput } from '../workflow-safe/cancel-input';
import type { cancelOfferOperation } from '../workflows/cancel-offer-operation';
import type { cancelReleaseOffers } from '../workflows/cancel-release-offers';
import { buildCommand, emailsOf, inputFromOptions, jobInputFromOptions, problemInFlags, type CliOptions } from './flags';
import { follow } from './follow';
import { followCommands, printFailure } from './follow-commands';
import { followRelease } from './follow-release';
import { releaseInputFromCli, runRelease, type ReleaseCliOptions } from './release';
import { hasWorker } from './task-queue-pollers';

/** How CPP answered, as `--until-accepted` prints it. */
function describeAnswer(answer: CppAnswer): string {
  const confirmed = answer.confirmedByLookup || answer.confirmedByRetriedPost ? ' (a retry found the POST had taken effect)' : '';
  return answer.mode === 'synchronous'
    ? `CPP answered 200: synchronous; the operation is cancelled${confirmed}`
    : `CPP answered 202: asynchronous; polling the operation at ${answer.location ?? '(no location)'}${confirmed}`;
}

/** `--until-accepted`: starts (or attaches) and returns once CPP answered the POST; a refusal exits 1. */
async function startUntilAccepted(client: Client, input: CancelOfferInput, config: TemporalConfig, options: CliOptions): Promise<number> {
  if ((await hasWorker(client, config.namespace, config.taskQueue)) === false) {
    console.log(`  no worker has polled task queue ${config.taskQueue} lately: CPP's answer waits until one does`);
  }
  let accepted: AcceptedCancellation;
  // The header first, as every other path prints it, whether CPP accepts or refuses.
  console.log(`cancellation ${options.workflowId ?? defaultWorkflowId(input.publisherId, input.offerId)} on ${describeTemporal(config)}`);
  try {
    accepted = await startOfferCancellation(client, input, { taskQueue: config.taskQueue, workflowId: options.workflowId, waitFor: 'accepted' });
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    printFailure(err);
    return 1;
  }
  const { handle, answer } = accepted;
  console.log(describeAnswer(answer));
  if (options.wait) return follow(handle, config);
  if (answer.mode === 'asynchronous') {
    console.log('follow it:');
    for (const line of followCommands(config, handle.workflowId)) console.log(`  ${line}`);
  }
  return 0;
}

/** `--attach`: follows the run of that id, a cancellation or a release batch (told apart by its workflow type). */
async function attach(client: Client, workflowId: string, config: TemporalConfig): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const what = description.type === RELEASE_WORKFLOW_TYPE ? 'release batch' : description.type === INGESTION_WORKFLOW_TYPE ? 'job cancellation' : 'cancellation';
  console.log(`following ${what} ${workflowId} (run ${description.runId}, ${description.status.name}) on ${describeTemporal({ ...config, taskQueue: description.taskQueue })}`);
  if (description.type === RELEASE_WORKFLOW_TYPE) return followRelease(client.workflow.getHandle<typeof cancelReleaseOffers>(workflowId), config);
  if (description.type === WORKFLOW_TYPE) return follow(client.workflow.getHandle<typeof cancelOfferOperation>(workflowId), config);
  if (description.type === INGESTION_WORKFLOW_TYPE) return followJob(client.workflow.getHandle<typeof cancelIngestionJob>(workflowId), config);
  throw new UsageError(`--attach ${workflowId}: a ${description.type} workflow, neither a cancellation (${WORKFLOW_TYPE}, ${INGESTION_WORKFLOW_TYPE}) nor a release batch (${RELEASE_WORKFLOW_TYPE})`);
}

/** A mistake in the command line: printed as one line with the usage hint, exit 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const command = buildCommand();
  const options = command.parse(argv).opts<CliOptions>();
  const env = loadTemporalConfig(process.env, { devStack: true });
  const config: TemporalConfig = { ...env, taskQueue: options.taskQueue ?? env.taskQueue };

  if (options.offers) return mainRelease(options, config);
  if (options.job) return mainJob(options, config);

  let input: CancelOfferInput | undefined;
  if (!options.attach) {
    if (!options.publisher || !options.offer) command.error(`error: ${!options.publisher ? '--publisher' : '--offer'} is required (or --attach <workflowId> to follow one already started)`, { exitCode: 2 });
    input = inputFromOptions(options);
    // The workflow's own rules, checked before connecting, in the flags' terms.
    const validation = validateInput(input);
    if (!validation.ok) {
      const inFlags = validation.problems.map((p) => problemInFlags(p, { notificationEmails: emailsOf(options.email), notify: input?.notify }));
      throw new UsageError(inFlags.join('\n'));
    }
  }

  const connection: Connection = await connectTemporalClient(config);
  try {
    const client = new Client({ connection, namespace: config.namespace });
    if (options.attach) return await attach(client, options.attach, config);
    if (options.untilAccepted) return await startUntilAccepted(client, input as CancelOfferInput, config, options);
    const handle = await startOfferCancellation(client, input as CancelOfferInput, { taskQueue: config.taskQueue, workflowId: options.workflowId });
    console.log(`cancellation ${handle.workflowId} (run ${handle.firstExecutionRunId}) on ${describeTemporal(config)}`);
    if ((await hasWorker(client, config.namespace, config.taskQueue)) === false) {
      const hint = config.taskQueue === DEFAULT_TASK_QUEUE ? 'start one: npm run dev, or npm run worker' : `npm run dev's worker polls ${DEFAULT_TASK_QUEUE} unless TEMPORAL_TASK_QUEUE says otherwise`;
      console.log(`  no worker has polled task queue ${config.taskQueue} lately: the cancellation waits until one does (${hint})`);
    }
    if (!options.wait) {
      console.log('follow it:');
      for (const line of followCommands(config, handle.workflowId)) console.log(`  ${line}`);
      return 0;
    }
    return await follow(handle, config);
  } finally {
    await connection.close();
  }
}

/** `--job`: the job's input from the flags, checked before connecting; then its cancellation. */
async function mainJob(options: CliOptions, config: TemporalConfig): Promise<number> {
  if (options.publisher || options.offer || options.email.length > 0) throw new UsageError('--job cancels a Product Ingestion job: it takes no --publisher, --offer or --email');
  const input = jobInputFromOptions(options);
  const validation = validateJobInput(input);
  if (!validation.ok) throw new UsageError(validation.problems.map((p) => problemInFlags(p, { notificationEmails: [], notify: input.notify })).join('\n'));
  const connection: Connection = await connectTemporalClient(config);
  try {
    return await runJob(new Client({ connection, namespace: config.namespace }), input, config, options);
  } finally {
    await connection.close();
  }
}

/** `--offers`: the batch's input from the file and flags, checked before connecting; then the batch. */
async function mainRelease(options: CliOptions, config: TemporalConfig): Promise<number> {
  const { polling } = inputFromOptions(options);
  const releaseOptions: ReleaseCliOptions = {
    offers: options.offers as string,
    releaseId: options.releaseId,
    maxConcurrent: options.maxConcurrent,
    failFast: options.failFast,
    emails: emailsOf(options.email),
    polling: polling ?? {},
    notify: options.notify,
    workflowId: options.workflowId,
    wait: options.wait,
  };
  let built: Awaited<ReturnType<typeof releaseInputFromCli>>;
  try {
    built = await releaseInputFromCli(releaseOptions);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (built.problems.length) throw new UsageError(built.problems.map((p) => p.replace(/^notificationEmails/, '--email').replace(/^offers/, `--offers ${releaseOptions.offers}: offers`)).join('\n'));
  const connection: Connection = await connectTemporalClient(config);
  try {
    const client = new Client({ connection, namespace: config.namespace });
    return await runRelease(client, built.input, releaseOptions, config);
  } finally {
    await connection.close();
  }
}

/** One line for an error the CLI did not expect: its cause too (a ServiceError says only 'Failed to start Workflow'), and a hint where one is known. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const text = `${err.name}: ${err.message}${cause}`;
  return /search attribute/i.test(text) ? `${text}\n(the namespace lacks this project's search attributes: register them once with npm run setup)` : text;
}

/** Runs the CLI on `argv` and exits with its code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof TemporalConnectionError) {
        console.error(err.message);
        process.exit(1);
      }
      if (err instanceof UsageError) {
        console.error(`${err.message}\n(npm start -- --help lists every option)`);
        process.exit(2);
      }
      console.error(describeError(err));
      process.exit(1);
    },
  );
}
