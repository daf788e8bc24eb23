/**
 * The starter: a CLI for people (`npm start -- --publisher … --offer … --email … --wait`) and,
 * through its exports, the typed API for code.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describeTemporal, loadTemporalConfig } from './config';
import { describeRetry, getCancellationStatus } from './cancellation-status';
import type { CancelOfferInput, CancelOfferProgress, PollingOptions } from './contract';
import { startOfferCancellation, type OfferCancellationHandle } from './start-cancellation';
import { temporalConnectionOptions } from './temporal-connection';

export { startOfferCancellation, InvalidCancellationInputError } from './start-cancellation';
export type { OfferCancellationHandle, StartOfferCancellationOptions } from './start-cancellation';
export { describeRetry, getCancellationStatus } from './cancellation-status';
export type { CancellationStatus, RetryState } from './cancellation-status';

interface CliOptions {
  publisher: string;
  offer: string;
  email: string[];
  apiVersion?: string;
  expectedOperation?: string;
  workflowId?: string;
  taskQueue?: string;
  notify: string[];
  pollInitial?: number;
  pollMax?: number;
  timeout?: number;
  wait?: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** One line that says where the cancellation is, e.g. `polling · 3 polls · Certification 66% · running`. */
export function describeProgress(p: CancelOfferProgress): string {
  const parts: string[] = [p.phase];
  if (p.mode) parts.push(p.mode);
  if (p.polls > 0) parts.push(`${p.polls} poll${p.polls === 1 ? '' : 's'}`);
  const op = p.operation;
  if (op) {
    const active = op.steps.find((s) => s.status !== 'complete') ?? op.steps.at(-1);
    if (active) parts.push(`${active.name} ${active.progressPercentage ?? 0}%`);
    if (op.progressPercentage !== undefined) parts.push(`overall ${op.progressPercentage}%`);
    parts.push(`status ${op.rawStatus ?? op.status}`);
  }
  if (p.nextPollAt && p.phase === 'polling') parts.push(`next poll ${p.nextPollAt}`);
  if (p.lastError) parts.push(`error ${p.lastError.type}: ${p.lastError.message}`);
  return parts.join(' · ');
}

/**
 * Prints each change of progress until the workflow ends, then its result. While Temporal retries
 * the cancel POST or a poll, also prints the attempt, the last error and when the next attempt is.
 * Returns the exit code.
 */
async function follow(handle: OfferCancellationHandle): Promise<number> {
  let lastProgress = '';
  let lastRetry = '';
  const ticker = setInterval(() => {
    getCancellationStatus(handle).then(
      ({ progress, retry }) => {
        const line = describeProgress(progress);
        if (line !== lastProgress) console.log(`  ${line}`);
        lastProgress = line;
        // Compared without the countdown, so a long backoff prints once, not every second.
        const retryKey = retry ? JSON.stringify(retry) : '';
        if (retry && retryKey !== lastRetry) console.log(`  ${describeRetry(retry)}`);
        lastRetry = retryKey;
      },
      () => undefined, // The workflow may not have run its first task yet.
    );
  }, 1000);
  try {
    const result = await handle.result();
    console.log(`cancelled (${result.mode}) after ${result.polls} poll(s) in ${result.durationMs} ms`);
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause) {
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? cause.type : cause.name;
      console.error(`failed: ${type}: ${cause.message}`);
      if (cause instanceof ApplicationFailure && cause.details?.length) console.error(JSON.stringify(cause.details[0], null, 2));
      return 1;
    }
    throw err;
  } finally {
    clearInterval(ticker);
  }
}

export function buildCommand(): Command {
  return new Command('npm start --')
    .description('Start (or attach to) the cancellation of the operation in progress on a Marketplace offer')
    .requiredOption('--publisher <id>', 'publisher id, e.g. contoso')
    .requiredOption('--offer <id>', 'offer id, e.g. contoso-offer')
    .option('--email <address>', 'notification e-mail (repeatable)', collect, [])
    .option('--api-version <version>', 'CPP api-version (default 2017-10-31)')
    .option('--expected-operation <id>', 'refuse to cancel when another operation is running')
    .option('--workflow-id <id>', 'workflow id (default cpp-cancel/<publisher>/<offer>)')
    .option('--task-queue <name>', 'task queue (default $TEMPORAL_TASK_QUEUE or cpp-offer-cancellation)')
    .option('--notify <workflowId>', 'workflow to signal when it ends (repeatable)', collect, [])
    .option('--poll-initial <seconds>', 'first wait after a 202', positiveNumber)
    .option('--poll-max <seconds>', 'longest wait between polls', positiveNumber)
    .option('--timeout <seconds>', 'overall deadline', positiveNumber)
    .option('--wait', 'follow progress until the end; exit 1 on failure');
}

/** Builds the workflow input from CLI options; validation is the workflow's own (same rules). */
export function inputFromOptions(o: CliOptions): CancelOfferInput {
  const polling: Partial<PollingOptions> = {};
  if (o.pollInitial !== undefined) polling.initialIntervalSeconds = o.pollInitial;
  if (o.pollMax !== undefined) polling.maxIntervalSeconds = o.pollMax;
  if (o.timeout !== undefined) polling.timeoutSeconds = o.timeout;
  return {
    publisherId: o.publisher,
    offerId: o.offer,
    notificationEmails: o.email,
    ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}),
    ...(o.expectedOperation ? { expectedOperationId: o.expectedOperation } : {}),
    ...(Object.keys(polling).length ? { polling } : {}),
    ...(o.notify.length ? { notify: o.notify.map((workflowId) => ({ workflowId })) } : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  const options = buildCommand().parse(argv).opts<CliOptions>();
  const config = loadTemporalConfig();
  const connection = await Connection.connect(await temporalConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace });
    const handle = await startOfferCancellation(client, inputFromOptions(options), {
      taskQueue: options.taskQueue ?? config.taskQueue,
      workflowId: options.workflowId,
    });
    console.log(`cancellation ${handle.workflowId} (run ${handle.firstExecutionRunId}) on ${describeTemporal(config)}`);
    if (!options.wait) {
      console.log(`follow it: temporal workflow query --workflow-id '${handle.workflowId}' --name progress`);
      return 0;
    }
    return await follow(handle);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exit(1);
    },
  );
}
