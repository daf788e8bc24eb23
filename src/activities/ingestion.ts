/**
 * The activities of a Product Ingestion job's cancellation: thin adapters from Temporal to the
 * ingestion client, built by a factory over it. The cancel is made safe to repeat as the CPP one
 * is: a retry, or an answer that may not have arrived, looks at the job's status first, so no
 * cancel is sent blind twice; a status that cannot tell (the job still runs) is the only case where
 * a cancel goes again. A 200 whose body cannot be read is taken as the yes it is, and the job's
 * status read instead.
 */
import { activityInfo, ApplicationFailure, cancellationSignal, log } from '@temporalio/activity';
import { JobFailureType, type FailureInfo, type JobView, type ProcessedResource } from '../contract';
import { CppProtocolError } from '../cpp/errors';
import type { IngestionClient } from '../ingestion/types';
import { failAttempt, withHeartbeat } from './attempts';
import { observePollStart, type PollObserver } from './poll-observer';

export interface RequestJobCancellationInput {
  jobId: string;
  version: string;
  /** An earlier try may have reached the API: look at the job's status before sending the cancel. */
  lookUpFirst?: boolean;
}

/**
 * How the cancel went: `cancelled`, the job ended cancelled (at once, or found so by a look-up);
 * `running`, the cancel was taken but the job has not ended yet: poll it.
 */
export type RequestJobCancellationResult =
  | { kind: 'cancelled'; job: JobView; confirmedByLookup?: boolean }
  | { kind: 'running'; job: JobView; retryAfterMs?: number; confirmedByLookup?: boolean };

export interface JobStatusResult {
  job: JobView;
  retryAfterMs?: number;
}

export interface IngestionActivityDeps {
  client: IngestionClient;
  /** Told how late each status poll started, for the "polls overdue" alert. */
  observer?: PollObserver;
}

/** The job ended on its own before the cancel took effect: final, with how it ended. */
function endedBeforeCancel(job: JobView): ApplicationFailure {
  const info: FailureInfo = {
    type: JobFailureType.JobEndedBeforeCancel,
    message: `job ${job.jobId} ended ${job.result} before the cancel took effect${job.errors.length ? `: ${job.errors.map((e) => e.message).join('; ').slice(0, 500)}` : ''}`,
    jobResult: job.result,
    jobErrors: job.errors.slice(0, 20),
  };
  return ApplicationFailure.create({ type: info.type, message: info.message, nonRetryable: true, details: [info] });
}

/** The API refused the cancel while the job runs on (too far along): final; the job goes on. */
function refusedWhileRunning(job: JobView, refusal: { code?: string; message: string; body?: string }): ApplicationFailure {
  const info: FailureInfo = {
    type: JobFailureType.JobCancelRefused,
    message: `the API refused to cancel job ${job.jobId}, which goes on (${job.status}): ${refusal.message}`,
    httpStatus: 400,
    ...(refusal.code ? { code: refusal.code } : {}),
    ...(refusal.body ? { body: refusal.body } : {}),
  };
  return ApplicationFailure.create({ type: info.type, message: info.message, nonRetryable: true, details: [info] });
}

/** What a job's status means for the cancel: ended cancelled, ended otherwise (thrown), or still to be seen to. */
function settled(job: JobView, confirmedByLookup: boolean): RequestJobCancellationResult | undefined {
  if (job.status !== 'completed') return undefined;
  if (job.result === 'cancelled') return { kind: 'cancelled', job, ...(confirmedByLookup ? { confirmedByLookup } : {}) };
  throw endedBeforeCancel(job);
}

/**
 * Sends the cancel at most once per attempt, after a look at the status on retries (once more after
 * a 200 whose body was lost, when the job still runs); reports how it went.
 */
async function cancelJob(client: IngestionClient, { jobId, version, lookUpFirst }: RequestJobCancellationInput): Promise<RequestJobCancellationResult> {
  const signal = cancellationSignal();
  const status = async () => client.getJobStatus(jobId, { version, signal });
  // An earlier try of ours may have reached the API (a retry, or a 200 whose body was lost).
  let earlierTry = lookUpFirst === true || activityInfo().attempt > 1;
  if (earlierTry) {
    const seen = settled((await status()).job, true);
    if (seen) return seen;
    log.info('the job still runs after an earlier try: sending the cancel again (its status cannot tell whether that try took effect)', { jobId });
  }
  for (let sends = 1; ; sends++) {
    let answer: Awaited<ReturnType<IngestionClient['cancelJob']>>;
    try {
      answer = await client.cancelJob(jobId, { version, signal });
    } catch (err) {
      if (!(err instanceof CppProtocolError && err.status === 200) || sends > 1) throw err;
      // A 200 whose body cannot be read: the status says whether it took effect; if the job still runs, send it once more.
      log.warn('the cancel was answered 200 with a body that cannot be read; looking at the job status', { jobId, error: err.message });
      const seen = settled((await status()).job, true);
      if (seen) return seen;
      earlierTry = true;
      continue;
    }
    if (!('kind' in answer)) return settled(answer.job, false) ?? { kind: 'running', job: answer.job, ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}) };
    // Refused: what is true now decides (an earlier cancel of ours may have taken effect).
    const { job } = await status();
    const seen = settled(job, true);
    if (seen) return seen;
    // Whether the API refuses a repeated cancel of a job it is already cancelling, the reference does not say: poll, and let the job's end tell.
    if (earlierTry) {
      log.info('a repeated cancel was refused while the job still runs: polling it, its end tells whether an earlier cancel took effect', { jobId });
      return { kind: 'running', job };
    }
    throw refusedWhileRunning(job, answer);
  }
}

/** Builds the activities over an ingestion client. */
export function createIngestionActivities({ client, observer }: IngestionActivityDeps) {
  return {
    /** The cancel POST, made safe to repeat (see above). */
    async requestJobCancellation(input: RequestJobCancellationInput): Promise<RequestJobCancellationResult> {
      return withHeartbeat(async () => {
        try {
          return await cancelJob(client, input);
        } catch (err) {
          if (err instanceof ApplicationFailure) throw err;
          return failAttempt(err, input.lookUpFirst ? 1 : 0, 'ingestion');
        }
      });
    },

    /** One GET of the job's status; `dueAt` is when the workflow planned it (the run's `nextPollAt`). */
    async getJobStatus(input: { jobId: string; version: string; dueAt?: string }): Promise<JobStatusResult> {
      observePollStart(observer, 'jobStatus', input.dueAt);
      return withHeartbeat(async () => {
        try {
          const { job, retryAfterMs } = await client.getJobStatus(input.jobId, { version: input.version, signal: cancellationSignal() });
          return retryAfterMs === undefined ? { job } : { job, retryAfterMs };
        } catch (err) {
          return failAttempt(err, 0, 'ingestion');
        }
      });
    },

    /** The resources a finished job had processed (its summary). */
    async getJobSummary(input: { jobId: string; version: string }): Promise<{ resources: ProcessedResource[] }> {
      return withHeartbeat(async () => {
        try {
          return { resources: (await client.getJobSummary(input.jobId, { version: input.version, signal: cancellationSignal() })).resources };
        } catch (err) {
          return failAttempt(err, 0, 'ingestion');
        }
      });
    },
  };
}

export type IngestionActivities = ReturnType<typeof createIngestionActivities>;
