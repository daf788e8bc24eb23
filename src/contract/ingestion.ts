/**
 * The contract of a Product Ingestion job's cancellation (`cancelIngestionJob`): the modern API's
 * counterpart of the CPP offer cancellation, with the same guarantees and the same shape of
 * progress, result and failures. Safe to import from workflow code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallRetry, NotifyTarget, PollingOptions, RunOutcome } from './cancellation';
import type { FailureInfo } from './failure-types';
import type { JobContinuation } from './internal';

/** Workflow type name, as typed in the Temporal UI's "Start Workflow" form. */
export const INGESTION_WORKFLOW_TYPE = 'cancelIngestionJob';
/** Default name of the signal sent to every notify target when a job's cancellation ends. */
export const JOB_COMPLETION_SIGNAL_NAME = 'jobCancellationCompleted';
export { DEFAULT_INGESTION_VERSION } from './api-versions';

/** The default workflow id: one cancellation per job at a time; a second start attaches. */
export function defaultJobWorkflowId(jobId: string): string {
  return `ingestion-cancel/${jobId.toLowerCase()}`;
}

/** A configure job's `jobStatus`. */
export type JobStatus = 'notStarted' | 'running' | 'completed';
/** A configure job's `jobResult`. */
export type JobResult = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** One entry of a job's `errors` (the reference leaves its shape open; these are the fields other pages show). */
export interface JobError {
  code?: string;
  message: string;
  resource?: string;
}

/** The job as its configure-status answer shows it. */
export interface JobView {
  jobId: string;
  status: JobStatus;
  result: JobResult;
  /** `jobStatus`/`jobResult` as sent, when the API used a spelling the reference does not list. */
  rawStatus?: string;
  rawResult?: string;
  /** ISO-8601; absent when the API gave none. */
  start?: string;
  /** ISO-8601 once the job has ended (the API's `0001-01-01T00:00:00` while it runs is left out). */
  end?: string;
  errors: JobError[];
}

/** A resource the job had processed, as its summary lists it: a cancel only stops the rest. */
export interface ProcessedResource {
  id?: string;
  /** The resource's `$schema`, which says what kind of resource it is. */
  schema?: string;
  /** Other fields of the resource as sent (a name, a durable id, …), kept short. */
  name?: string;
}

/** The input: one JSON object, pasteable in the Temporal UI. */
export interface CancelJobInput {
  /** The configure job's id (a GUID), as `POST configure` answered it. */
  jobId: string;
  /** The `$version` of every call. @default '2022-03-01-preview2' */
  version?: string;
  /**
   * How the workflow polls a job that is still running after the cancel. All optional; the
   * defaults poll no more than once a minute, as the reference asks for jobs: first wait 60 s,
   * cap 300 s. `watchWindowSeconds` is not offered here.
   */
  polling?: Partial<Omit<PollingOptions, 'watchWindowSeconds'>>;
  notify?: NotifyTarget[];
  /** Set by the workflow itself when it continues as new; never by callers. */
  continuation?: JobContinuation;
}

/** Where a job's cancellation is. The ends are spelled as a CPP cancellation's. */
export type JobCancelPhase = 'validating' | 'requesting' | 'polling' | 'summarising' | RunOutcome;

/** What a run keeps about itself; the `progress` query answers it with a summary in front. */
export interface CancelJobProgressState {
  phase: JobCancelPhase;
  jobId?: string;
  /** `synchronous`: the cancel answered with the job cancelled; `asynchronous`: the job went on for a while. */
  mode?: 'synchronous' | 'asynchronous';
  /** The job as last seen. */
  job?: JobView;
  polls: number;
  lastPolledAt?: string;
  nextPollAt?: string;
  lastError?: FailureInfo;
  /** While Temporal retries a call after a failed attempt. */
  retry?: CallRetry;
  startedAt: string;
  finishedAt?: string;
  continuedAsNew: number;
}

export interface CancelJobProgress extends CancelJobProgressState {
  /** One line to read at a glance, e.g. `polling · asynchronous · job running · 2 polls · next poll at 12:01:00Z`. */
  summary: string;
}

/** What a successful run returns: the job ended `cancelled`. */
export interface CancelJobResult {
  outcome: 'succeeded';
  mode: 'synchronous' | 'asynchronous';
  job: JobView;
  /** What the job had processed before the cancel took effect (its summary); those changes stand. */
  processedResources?: ProcessedResource[];
  /** Why `processedResources` is missing (the summary could not be read), when it is. */
  processedResourcesUnavailable?: string;
  polls: number;
  /** True when a retry's look-up found the job cancelled already: the cancel was not sent again. */
  confirmedByLookup?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** How the API answered the cancel: what the `cancelAnswer` update returns. */
export interface JobCancelAnswer {
  /** `synchronous`: cancelled at once; `asynchronous`: the job is still running, the run polls it. */
  mode: 'synchronous' | 'asynchronous';
  job: JobView;
  confirmedByLookup?: boolean;
}

/** Payload of the completion signal. */
export interface JobCompletionSignalPayload {
  workflowId: string;
  runId: string;
  outcome: RunOutcome;
  result?: CancelJobResult;
  failure?: FailureInfo;
}

export const jobProgressQuery = defineQuery<CancelJobProgress>('progress');
export const jobCompletionSignal = defineSignal<[JobCompletionSignalPayload]>(JOB_COMPLETION_SIGNAL_NAME);
/**
 * Returns as soon as the API has answered the cancel (at once on a run already past it), or fails
 * with the run's typed failure when it ends before an answer. Sent with the start by Update-with-Start.
 */
export const jobCancelAnswerUpdate = defineUpdate<JobCancelAnswer, []>('cancelAnswer');
