/**
 * The CLI's flags: how commander reads them, how they become the workflow's input, and how the
 * workflow's own input problems read in the flags' terms (`--email "jondoe": must be an e-mail …`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_INGESTION_VERSION, DEFAULT_TASK_QUEUE, type CancelJobInput, type CancelOfferInput, type PollingOptions } from '../contract';
import { DEFAULT_MAX_CONCURRENT } from '../workflow-safe/release-input';
import { DEFAULT_API_VERSION } from '../workflow-safe/value-rules';

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
  job?: string;
  jobVersion?: string;
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

/** The input's field names as the flags a person typed (`notificationEmails.1` → `--email "c@d"`). */
const FLAG_OF_FIELD: Record<string, string> = {
  jobId: '--job',
  version: '--job-version',
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
export function emailsOf(values: string[]): string[] {
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
    .option('--api-version <version>', `CPP api-version (default ${DEFAULT_API_VERSION})`)
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
    .option('--job <jobID>', 'a Product Ingestion configure job to cancel (instead of --publisher/--offer; no --email)')
    .option('--job-version <version>', `with --job: the API's $version (default ${DEFAULT_INGESTION_VERSION})`)
    .option('--offers <file>', 'a whole release: a JSON array of {publisherId, offerId, expectedOperationId?} and {jobId} rows (instead of --publisher/--offer)')
    .option('--release-id <id>', 'with --offers: names the batch (workflow id cpp-cancel-release/<id>)')
    .option('--max-concurrent <n>', `with --offers: cancellations at once (default ${DEFAULT_MAX_CONCURRENT})`, positiveInteger)
    .option('--fail-fast', 'with --offers: cancel the rest at the first failure')
    .addHelpText(
      'after',
      [
        '',
        'Examples (npm run dev lists the demo offers):',
        '  npm start -- --publisher contoso --offer long-offer --email jondoe@contoso.com --wait',
        '  npm start -- --attach cpp-cancel/contoso/long-offer',
        '  npm start -- --job d4261631-c583-4949-a612-5150882632e9 --wait',
        '  npm start -- --offers offers.json --release-id 2026.12 --email jondoe@contoso.com --wait',
        '',
        'Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS*.',
      ].join('\n'),
    );
}

/** A job's cancellation input from the CLI options; validation is the workflow's own. */
export function jobInputFromOptions(o: CliOptions): CancelJobInput {
  const { polling, notify } = inputFromOptions(o);
  const { watchWindowSeconds: _notForJobs, ...jobPolling } = polling ?? {};
  return {
    jobId: o.job ?? '',
    ...(o.jobVersion ? { version: o.jobVersion } : {}),
    ...(Object.keys(jobPolling).length ? { polling: jobPolling } : {}),
    ...(notify ? { notify } : {}),
  };
}
