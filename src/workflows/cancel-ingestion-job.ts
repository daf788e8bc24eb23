/**
 * A Product Ingestion configure job's cancellation: validate, cancel (made safe to repeat), and
 * while the job still runs poll its status, no more than once a minute by default, until it has
 * ended; then read what it had processed, and tell every caller who asked. Deterministic code only.
 */
import { ApplicationFailure, ContinueAsNew, isCancellation, log, sleep, workflowInfo } from '@temporalio/workflow';
import { FINAL_JOB_FAILURE_TYPES, JobFailureType, type CancelJobInput, type CancelJobResult, type JobView } from '../contract';
import type { JobContinuation } from '../contract/internal';
import { isJobContinuation, validateJobInput, type NormalizedJobInput } from '../workflow-safe/job-input';
import { formatSeconds } from '../workflow-safe/progress-summary';
import { salvageNotifyTargets } from '../workflow-safe/cancel-input';
import { jobActivities, jobSummaryActivity } from './activity-stubs';
import { JobRun, type SummaryOutcome } from './job-run';
import { refusesIllFormedUnicode } from './patches';
import { RunClock } from './run-clock';
import { continueAsNewOntoTarget, targetVersionChanged } from './versioning';
import { toWorkflowFailure, workflowFailure } from './run-failures';

/** How the cancel went: the job ended cancelled, or it still runs and is polled. */
type Started = { job: JobView; running: boolean; confirmedByLookup: boolean };

/**
 * Cancels a configure job and follows it to its end. Fails with a non-retryable `ApplicationFailure`
 * whose `type` is one of `JobFailureType`.
 */
export async function cancelIngestionJob(raw: CancelJobInput): Promise<CancelJobResult> {
  const continuedAsNew = workflowInfo().continuedFromExecutionRunId !== undefined;
  const continuation = continuedAsNew && isJobContinuation(raw?.continuation) ? raw.continuation : undefined;
  const run = new JobRun(continuation);
  const validation = validateJobInput(raw, { allowContinuation: continuedAsNew, refuseIllFormedUnicode: refusesIllFormedUnicode(raw) });
  if (!validation.ok) {
    run.addNotifyTargets(...salvageNotifyTargets(raw));
    throw await run.fail(workflowFailure({ type: JobFailureType.InvalidInput, message: `invalid input: ${validation.problems.join('; ')}`.slice(0, 8_192) }));
  }
  const input = validation.input;
  run.addNotifyTargets(...input.notify, ...(continuation?.notify ?? []));
  run.begin(input, continuation ? 'polling' : 'requesting');
  const clock = continuation ? RunClock.resumed(continuation, input.polling, true) : RunClock.fresh(run.startedAtMs, input.polling);

  let started: Started;
  let job: JobView;
  try {
    started = continuation ? resume(run, continuation, clock) : await requestCancel(run, input, clock);
    job = started.running ? await pollUntilEnded(run, input, clock, raw) : started.job;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      await run.workflowCanceled();
      throw err;
    }
    const phase = run.progress.phase === 'polling' ? 'polling' : 'requesting';
    throw await run.fail(toWorkflowFailure(err, { phase, timeoutSeconds: input.polling.timeoutSeconds, retry: run.progress.retry, finalTypes: FINAL_JOB_FAILURE_TYPES }));
  }
  return run.succeed(job, started.confirmedByLookup, await summarise(run, input, clock));
}

/** Sends the cancel (its activity looks at the status first on a retry) and records how the API answered. */
async function requestCancel(run: JobRun, input: NormalizedJobInput, clock: RunClock): Promise<Started> {
  const answer = await jobActivities(clock, 'job cancel POST (after a look at its status on retries)').requestJobCancellation({ jobId: input.jobId, version: input.version });
  run.answered();
  run.saw(answer.job);
  const confirmedByLookup = answer.confirmedByLookup === true;
  const running = answer.kind === 'running';
  run.progress.mode = running ? 'asynchronous' : 'synchronous';
  run.answeredCancel({ mode: run.progress.mode, job: answer.job, ...(confirmedByLookup ? { confirmedByLookup } : {}) });
  if (running) {
    clock.accepted(answer.kind === 'running' ? answer.retryAfterMs : undefined);
    run.progress.nextPollAt = clock.nextPollAt;
  }
  return { job: answer.job, running, confirmedByLookup };
}

/** Picks up where the previous run continued as new. */
function resume(run: JobRun, continuation: JobContinuation, clock: RunClock): Started {
  const job = continuation.job as JobView;
  Object.assign(run.progress, { mode: continuation.mode, lastPolledAt: continuation.lastPolledAt, nextPollAt: clock.nextPollAt });
  run.saw(job);
  run.answeredCancel({ mode: continuation.mode, job });
  return { job, running: true, confirmedByLookup: false };
}

/** Polls the job's status until it has ended; a job that ended otherwise than cancelled fails the run. */
async function pollUntilEnded(run: JobRun, input: NormalizedJobInput, clock: RunClock, raw: CancelJobInput): Promise<JobView> {
  run.enter('polling');
  const { progress } = run;
  for (let pollsThisRun = 0; ; ) {
    const waitMs = clock.waitMs();
    if (waitMs > 0) await sleep(waitMs, { summary: `wait ${formatSeconds(waitMs / 1000)} before job poll #${progress.polls + 1}${clock.waitIsRetryAfter ? ' (Retry-After)' : ''}` });
    const { job, retryAfterMs } = await jobActivities(clock, `job status poll #${progress.polls + 1}`).getJobStatus({ jobId: input.jobId, version: input.version, ...(clock.nextPollAt ? { dueAt: clock.nextPollAt } : {}) });
    run.answered();
    run.saw(job);
    progress.polls += 1;
    pollsThisRun += 1;
    progress.lastPolledAt = new Date().toISOString();
    if (job.status === 'completed') {
      clock.stopped();
      progress.nextPollAt = clock.nextPollAt;
      if (job.result === 'cancelled') return job;
      throw endedBeforeCancel(job);
    }
    if (clock.hasPassed()) {
      throw workflowFailure({ type: JobFailureType.PollingDeadlineExceeded, message: `job ${input.jobId} was still ${job.status} after ${input.polling.timeoutSeconds} s and ${progress.polls} polls` });
    }
    clock.polled(retryAfterMs);
    progress.nextPollAt = clock.nextPollAt;
    run.show();
    if (pollsThisRun >= input.polling.maxPollsPerRun || workflowInfo().continueAsNewSuggested || targetVersionChanged()) await continueWith(run, clock, raw);
  }
}

/** `JobEndedBeforeCancel`, as the activity makes it (kept in step with src/activities/ingestion.ts). */
function endedBeforeCancel(job: JobView): ApplicationFailure {
  const errors = job.errors.length ? `: ${job.errors.map((e) => e.message).join('; ').slice(0, 500)}` : '';
  return workflowFailure({ type: JobFailureType.JobEndedBeforeCancel, message: `job ${job.jobId} ended ${job.result} before the cancel took effect${errors}`, jobResult: job.result, jobErrors: job.errors.slice(0, 20) });
}

/** What the job had processed before the cancel took effect; a summary that cannot be read is said so, not fatal. */
async function summarise(run: JobRun, input: NormalizedJobInput, clock: RunClock): Promise<SummaryOutcome> {
  run.enter('summarising');
  try {
    return await jobSummaryActivity(clock).getJobSummary({ jobId: input.jobId, version: input.version });
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    return { unavailable: `the job's summary could not be read: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}

/** Hands the run's state to a fresh run, so the history stays short however long the job runs. */
async function continueWith(run: JobRun, clock: RunClock, raw: CancelJobInput): Promise<never> {
  const { progress } = run;
  const state: JobContinuation = {
    startedAt: progress.startedAt,
    ...clock.handOver(),
    mode: 'asynchronous',
    polls: progress.polls,
    ...(progress.job ? { job: progress.job } : {}),
    ...(progress.lastPolledAt ? { lastPolledAt: progress.lastPolledAt } : {}),
    notify: run.targets,
    continuedAsNew: progress.continuedAsNew + 1,
  };
  log.info('continuing as new to keep history short', { polls: progress.polls });
  const { continuation: _previous, ...input } = raw;
  return continueAsNewOntoTarget<typeof cancelIngestionJob>({ ...input, continuation: state });
}
