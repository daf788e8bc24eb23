/**
 * The starter: a CLI for people (`npm start -- --publisher … --offer … --email … --wait`,
 * `npm start -- --attach <workflowId>`) and, through its exports, the typed API for code.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Client, WorkflowFailedError, type Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describeTemporal, loadTemporalConfig, type TemporalConfig } from './config';
import { describeRetry, getCancellationStatus } from './cancellation-status';
import { DEFAULT_TASK_QUEUE, type CancelOfferInput, type CancelOfferProgress, type CancelOfferResult, type CppAnswer, type PollingOptions } from './contract';
import { validateInput } from './input';
import { formatSeconds, progressSummary } from './progress-summary';
import { releaseInputFromCli, runRelease, type ReleaseCliOptions } from './release-cli';
import { startOfferCancellation, type AcceptedCancellation } from './start-cancellation';
import { connectTemporalClient, TemporalConnectionError } from './temporal-connection';
import type { cancelOfferOperation } from './workflows/cancel-offer-operation';

export { startOfferCancellation, InvalidCancellationInputError } from './start-cancellation';
export type { AcceptedCancellation, OfferCancellationHandle, StartOfferCancellationOptions } from './start-cancellation';
export { describeRetry, getCancellationStatus } from './cancellation-status';
export type { CancellationStatus, RetryState } from './cancellation-status';
export { InvalidReleaseInputError, startReleaseCancellation } from './start-release-cancellation';
export type { ReleaseCancellationHandle } from './start-release-cancellation';

/** The options as commander parses them. */
export interface CliOptions {
  publisher?: string;
  offer?: string;
  email: string[];
  apiVersion?: string;
  expectedOperation?: string;
  workflowId?: string;
  taskQueue?: string;
  notify: string[];
  pollInitial?: number;
  pollMax?: number;
  watchWindow?: number;
  timeout?: number;
  wait?: boolean;
  untilAccepted?: boolean;
  attach?: string;
  offers?: string;
  releaseId?: string;
  maxConcurrent?: number;
  failFast?: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * One line that says where the cancellation is: the workflow's own `summary`, with the next poll
 * relative to `now` (`polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll in 16 s`).
 */
export function describeProgress(p: CancelOfferProgress, now = Date.now()): string {
  return progressSummary(p, now);
}

/** The input's field names as the flags a person typed (`notificationEmails.1` → `--email "c@d"`). */
const FLAG_OF_FIELD: Record<string, string> = {
  publisherId: '--publisher',
  offerId: '--offer',
  notificationEmails: '--email',
  apiVersion: '--api-version',
  expectedOperationId: '--expected-operation',
  'polling.initialIntervalSeconds': '--poll-initial',
  'polling.maxIntervalSeconds': '--poll-max',
  'polling.watchWindowSeconds': '--watch-window',
  'polling.timeoutSeconds': '--timeout',
  notify: '--notify',
};

/**
 * An input problem (`field: message`, as the workflow's validation words it) in the CLI's terms:
 * the flag, and for a list the value that was wrong.
 */
export function problemInFlags(problem: string, input: { notificationEmails: string[]; notify?: { workflowId: string }[] }): string {
  const colon = problem.indexOf(': ');
  const field = colon < 0 ? problem : problem.slice(0, colon);
  let message = colon < 0 ? '' : problem.slice(colon + 2);
  // A rule that names another field (`maxIntervalSeconds must not be smaller than initialIntervalSeconds`).
  for (const [name, flag] of Object.entries(FLAG_OF_FIELD)) if (name.startsWith('polling.')) message = message.replaceAll(name.slice('polling.'.length), flag);
  const indexed = /^(notificationEmails|notify)\.(\d+)/.exec(field);
  if (indexed) {
    const index = Number(indexed[2]);
    const value = indexed[1] === 'notificationEmails' ? input.notificationEmails[index] : input.notify?.[index]?.workflowId;
    return `${FLAG_OF_FIELD[indexed[1] ?? '']} ${JSON.stringify(value ?? '')}: ${message}`;
  }
  const flag = FLAG_OF_FIELD[field];
  if (!flag) return problem;
  return message.startsWith(`${flag} `) ? message : `${flag}: ${message}`;
}

/** Every `--email` value split at commas, as the input's comma-separated form allows. */
function emailsOf(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((e) => e.trim()).filter((e) => e.length > 0);
}

/** Builds the workflow input from CLI options; validation is the workflow's own (same rules). */
export function inputFromOptions(o: CliOptions): CancelOfferInput {
  const polling: Partial<PollingOptions> = {};
  if (o.pollInitial !== undefined) polling.initialIntervalSeconds = o.pollInitial;
  if (o.pollMax !== undefined) polling.maxIntervalSeconds = o.pollMax;
  if (o.watchWindow !== undefined) polling.watchWindowSeconds = o.watchWindow;
  if (o.timeout !== undefined) polling.timeoutSeconds = o.timeout;
  return {
    publisherId: o.publisher ?? '',
    offerId: o.offer ?? '',
    notificationEmails: emailsOf(o.email),
    ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}),
    ...(o.expectedOperation ? { expectedOperationId: o.expectedOperation } : {}),
    ...(Object.keys(polling).length ? { polling } : {}),
    ...(o.notify.length ? { notify: o.notify.map((workflowId) => ({ workflowId })) } : {}),
  };
}

export function buildCommand(): Command {
  return new Command('npm start --')
    .description('Start (or attach to) the cancellation of the operation in progress on a Marketplace offer')
    .option('--publisher <id>', 'publisher id, e.g. contoso (required unless --attach)')
    .option('--offer <id>', 'offer id, e.g. contoso-offer (required unless --attach)')
    .option('--email <address>', 'notification e-mail; repeatable, or comma-separated', collect, [])
    .option('--api-version <version>', 'CPP api-version (default 2017-10-31)')
    .option('--expected-operation <id>', 'refuse to cancel when another operation is running')
    .option('--workflow-id <id>', 'workflow id (default cpp-cancel/<publisher>/<offer>)')
    .option('--task-queue <name>', `task queue (default $TEMPORAL_TASK_QUEUE or ${DEFAULT_TASK_QUEUE})`)
    .option('--notify <workflowId>', 'workflow to signal when it ends (repeatable)', collect, [])
    .option('--poll-initial <seconds>', 'first wait after a 202', positiveNumber)
    .option('--poll-max <seconds>', 'longest wait between polls', positiveNumber)
    .option('--watch-window <seconds>', 'poll inside one activity that returns on a change or after this long (cheaper; a killed worker is noticed late)', positiveNumber)
    .option('--timeout <seconds>', 'overall deadline', positiveNumber)
    .option('--wait', 'follow progress until the end; exit 1 on failure')
    .option('--until-accepted', "return once CPP has answered the cancel POST, in one call; exit 1 if it refused (with --wait, follow on)")
    .option('--attach <workflowId>', 'start nothing: follow a cancellation already started, until its end')
    .option('--offers <file>', 'a whole release: a JSON array of {publisherId, offerId, expectedOperationId?} (instead of --publisher/--offer)')
    .option('--release-id <id>', 'with --offers: names the batch (workflow id cpp-cancel-release/<id>)')
    .option('--max-concurrent <n>', 'with --offers: cancellations at once (default 5)', positiveInteger)
    .option('--fail-fast', 'with --offers: cancel the rest at the first failure')
    .addHelpText(
      'after',
      [
        '',
        'Examples (npm run dev lists the demo offers):',
        '  npm start -- --publisher contoso --offer long-offer --email jondoe@contoso.com --wait',
        '  npm start -- --attach cpp-cancel/contoso/long-offer',
        '  npm start -- --offers offers.json --release-id 2026.12 --email jondoe@contoso.com --wait',
        '',
        'Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS*.',
      ].join('\n'),
    );
}

/** `TEMPORAL_ADDRESS=… ` when the address is not the default, so a printed command works as copied. */
function addressPrefix(config: TemporalConfig): string {
  return config.address === 'localhost:7233' || config.address === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${config.address} `;
}

/** The commands that follow `workflowId` again: this CLI, and the Temporal CLI's progress query. */
function followCommands(config: TemporalConfig, workflowId: string): string[] {
  const quoted = /^[\w./:@-]+$/.test(workflowId) ? workflowId : `'${workflowId.replaceAll("'", "'\\''")}'`;
  return [`${addressPrefix(config)}npm start -- --attach ${quoted}`, `${addressPrefix(config)}npm run temporal -- workflow query --workflow-id ${quoted} --name progress`];
}

/** Whether a worker polled `taskQueue` recently; undefined when the server cannot say. */
async function hasWorker(client: Client, namespace: string, taskQueue: string): Promise<boolean | undefined> {
  try {
    const answer = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (answer.pollers?.length ?? 0) > 0;
  } catch {
    return undefined;
  }
}

function printResult(result: CancelOfferResult): void {
  console.log(`succeeded: the operation was cancelled (${result.mode}) after ${result.polls} poll${result.polls === 1 ? '' : 's'} in ${formatSeconds(result.durationMs / 1000)}`);
  console.log(JSON.stringify(result, null, 2));
}

/**
 * Prints each change of progress until the workflow ends, then its result. While Temporal retries
 * the cancel POST or a poll, also prints the attempt, the last error and when the next attempt is.
 * Ctrl-C stops following only: the cancellation goes on, and the way back is printed.
 * Returns the exit code.
 */
async function follow(handle: WorkflowHandle<typeof cancelOfferOperation>, config: TemporalConfig): Promise<number> {
  let lastProgress = '';
  let lastRetry = '';
  let inFlight = false;
  const ticker = setInterval(() => {
    // A query waits for a worker; never stack them up when none answers.
    if (inFlight) return;
    inFlight = true;
    getCancellationStatus(handle)
      .then(
        ({ progress: reported, retry }) => {
          // The retry gets a line of its own below, from Temporal's own record of the attempts.
          const progress = { ...reported, retry: undefined };
          // Compared without the countdown, so a line prints when something changes, not every second.
          const key = progressSummary(progress);
          if (key !== lastProgress) console.log(`  ${describeProgress(progress)}`);
          lastProgress = key;
          const retryKey = retry ? JSON.stringify(retry) : '';
          if (retry && retryKey !== lastRetry) console.log(`  ${describeRetry(retry)}`);
          lastRetry = retryKey;
        },
        () => undefined, // The workflow may not have run its first task yet.
      )
      .finally(() => (inFlight = false));
  }, 1000);
  const onSigint = () => {
    clearInterval(ticker);
    console.log(`\nstopped following (Ctrl-C); cancellation ${handle.workflowId} goes on in Temporal. Follow it again with:`);
    for (const command of followCommands(config, handle.workflowId)) console.log(`  ${command}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    printResult(await handle.result());
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      console.error(`workflowCanceled: the workflow was cancelled (${err.cause.message || 'by request'}); polling stopped`);
      return 1;
    }
    if (err instanceof WorkflowFailedError && err.cause) {
      printFailure(err.cause);
      return 1;
    }
    throw err;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
  }
}

/** `failed: <type>: <message>`, then the failure's details (the error body) when it has them. */
function printFailure(cause: Error): void {
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : cause.name;
  console.error(`failed: ${type}: ${cause.message}`);
  if (cause instanceof ApplicationFailure && cause.details?.length) console.error(JSON.stringify(cause.details[0], null, 2));
}

/** How CPP answered, as `--until-accepted` prints it. */
export function describeAnswer(answer: CppAnswer): string {
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
  try {
    accepted = await startOfferCancellation(client, input, { taskQueue: config.taskQueue, workflowId: options.workflowId, waitFor: 'accepted' });
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    printFailure(err);
    return 1;
  }
  const { handle, answer } = accepted;
  console.log(`cancellation ${handle.workflowId} on ${describeTemporal(config)}`);
  console.log(describeAnswer(answer));
  if (options.wait) return follow(handle, config);
  if (answer.mode === 'asynchronous') {
    console.log('follow it:');
    for (const line of followCommands(config, handle.workflowId)) console.log(`  ${line}`);
  }
  return 0;
}

/** A mistake in the command line: printed as one line with the usage hint, exit 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const command = buildCommand();
  const options = command.parse(argv).opts<CliOptions>();
  const env = loadTemporalConfig();
  const config: TemporalConfig = { ...env, taskQueue: options.taskQueue ?? env.taskQueue };

  if (options.offers) return mainRelease(options, config);

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
    if (options.attach) {
      const handle = client.workflow.getHandle<typeof cancelOfferOperation>(options.attach);
      const description = await handle.describe();
      console.log(`following ${options.attach} (run ${description.runId}, ${description.status.name}) on ${describeTemporal({ ...config, taskQueue: description.taskQueue })}`);
      return await follow(handle, config);
    }
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
    return await runRelease(client, built.input, releaseOptions, config.taskQueue, describeTemporal(config));
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

if (require.main === module) {
  main(process.argv).then(
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
