/**
 * The state of one Product Ingestion job cancellation's run and the ways it ends: progress (the
 * `progress` query), the callers to tell, the phase label, the `cancelAnswer` update, and the end
 * (metrics, completion signals). The CPP run's counterpart (cancellation-run.ts). Deterministic code only.
 */
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  cancelPhaseSearchAttribute,
  jobCancelAnswerUpdate,
  jobIdSearchAttribute,
  jobProgressQuery,
  JOB_COMPLETION_SIGNAL_NAME,
  subscribeSignal,
  type CallRetry,
  type CancelJobProgressState,
  type CancelJobResult,
  type JobCancelAnswer,
  type JobCancelPhase,
  type JobView,
  type NotifyTarget,
  type ProcessedResource,
  type RunOutcome,
} from '../contract';
import { callRetryingSignal, type JobContinuation } from '../contract/internal';
import { parseNotifyTarget } from '../workflow-safe/cancel-input';
import { jobProgressDetails, jobProgressSummary } from '../workflow-safe/job-progress-summary';
import type { NormalizedJobInput } from '../workflow-safe/job-input';
import { recordJobCancellationEnd } from './metrics';
import { addTargets, notifyAll } from './notify';
import { failureInfo } from './run-failures';

const iso = (ms: number) => new Date(ms).toISOString();

/** What the summary read after the end gave: the resources processed, or why there are none. */
export type SummaryOutcome = { resources: ProcessedResource[] } | { unavailable: string };

function rejectArguments(...args: unknown[]): void {
  if (args.length > 0) throw new Error(`the cancelAnswer update takes no arguments; it was given ${args.length}`);
}

export class JobRun {
  readonly progress: CancelJobProgressState;
  readonly targets: NotifyTarget[] = [];
  readonly startedAtMs: number;
  #labelledPhase: string | undefined;
  #answer: JobCancelAnswer | undefined;
  #endedBeforeAnswer: ApplicationFailure | undefined;

  /** Registers the query, the signals and the update at once, so none is ever missed. */
  constructor(continuation: JobContinuation | undefined) {
    this.startedAtMs = continuation ? Date.parse(continuation.startedAt) : Date.now();
    this.progress = { phase: 'validating', polls: continuation?.polls ?? 0, startedAt: iso(this.startedAtMs), continuedAsNew: continuation?.continuedAsNew ?? 0 };
    this.#labelledPhase = workflowInfo().typedSearchAttributes.get(cancelPhaseSearchAttribute);
    setHandler(jobProgressQuery, () => ({ summary: jobProgressSummary(this.progress), ...this.progress }));
    setHandler(subscribeSignal, (target) => {
      const parsed = parseNotifyTarget(target);
      if (parsed) addTargets(this.targets, parsed);
      else log.warn('subscribe signal ignored: not a notify target', { target });
    });
    setHandler(
      jobCancelAnswerUpdate,
      async () => {
        await condition(() => this.#answer !== undefined || this.#endedBeforeAnswer !== undefined);
        if (this.#answer) return this.#answer;
        throw this.#endedBeforeAnswer as ApplicationFailure;
      },
      { validator: rejectArguments },
    );
    setHandler(callRetryingSignal, (notice) => {
      if (this.progress.finishedAt || typeof notice?.attempt !== 'number') return log.warn('retry notice ignored', { notice });
      this.retrying(notice);
    });
  }

  /** The API answered the cancel: `cancelAnswer` updates return this from now on. */
  answeredCancel(answer: JobCancelAnswer): void {
    this.#answer = answer;
  }

  retrying(retry: CallRetry): void {
    this.progress.retry = retry;
    this.show();
  }

  /** The call in flight was answered: any retry it went through is over. */
  answered(): void {
    this.progress.retry = undefined;
  }

  addNotifyTargets(...targets: NotifyTarget[]): void {
    addTargets(this.targets, ...targets);
  }

  /** Names the job in progress, and labels the run with it and its phase. */
  begin(input: NormalizedJobInput, phase: JobCancelPhase): void {
    this.progress.jobId = input.jobId;
    this.progress.phase = phase;
    this.show();
    // One upsert, and only of what the starter did not set (a UI start, a batch's child set none).
    const updates: SearchAttributeUpdatePair[] = [];
    if (workflowInfo().typedSearchAttributes.get(jobIdSearchAttribute) !== input.jobId) updates.push({ key: jobIdSearchAttribute, value: input.jobId });
    if (this.#labelledPhase !== phase) updates.push({ key: cancelPhaseSearchAttribute, value: phase });
    this.#labelledPhase = phase;
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  show(): void {
    setCurrentDetails(jobProgressDetails(this.progress));
  }

  /** Moves to `phase`, relabelling the run when the label changes (each upsert is a history event). */
  enter(phase: JobCancelPhase): void {
    this.progress.phase = phase;
    this.show();
    if (this.#labelledPhase === phase) return;
    this.#labelledPhase = phase;
    upsertSearchAttributes([{ key: cancelPhaseSearchAttribute, value: phase }]);
  }

  /** The job as just seen. */
  saw(job: JobView): void {
    this.progress.job = job;
  }

  /** Ends the run successfully: the job ended `cancelled`; callers are told. */
  async succeed(job: JobView, confirmedByLookup: boolean, summary: SummaryOutcome): Promise<CancelJobResult> {
    const durationMs = this.#finish('succeeded');
    const mode = this.progress.mode ?? 'synchronous';
    recordJobCancellationEnd({ outcome: 'succeeded', mode, polls: this.progress.polls, durationMs });
    const result: CancelJobResult = {
      outcome: 'succeeded',
      mode,
      job,
      ...('resources' in summary ? { processedResources: summary.resources } : { processedResourcesUnavailable: summary.unavailable }),
      polls: this.progress.polls,
      ...(confirmedByLookup ? { confirmedByLookup: true } : {}),
      startedAt: this.progress.startedAt,
      finishedAt: this.progress.finishedAt as string,
      durationMs,
    };
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'succeeded', result }, JOB_COMPLETION_SIGNAL_NAME);
    await this.#handlersFinished();
    return result;
  }

  /** Ends the run failed; returns the failure for the caller to throw. */
  async fail(failure: ApplicationFailure): Promise<ApplicationFailure> {
    this.progress.lastError = failureInfo(failure);
    this.#endedBeforeAnswer ??= failure;
    const durationMs = this.#finish('failed', this.progress.lastError.type);
    recordJobCancellationEnd({ outcome: 'failed', mode: this.progress.mode, failureType: this.progress.lastError.type, polls: this.progress.polls, durationMs });
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'failed', failure: this.progress.lastError }, JOB_COMPLETION_SIGNAL_NAME);
    await this.#handlersFinished();
    return failure;
  }

  /** Ends the run because the workflow itself was cancelled: polling stops, callers are told. */
  async workflowCanceled(): Promise<void> {
    const durationMs = this.#finish('workflowCanceled');
    recordJobCancellationEnd({ outcome: 'workflowCanceled', mode: this.progress.mode, polls: this.progress.polls, durationMs });
    this.#endedBeforeAnswer ??= ApplicationFailure.create({ type: 'WorkflowCanceled', nonRetryable: true, message: 'the job cancellation workflow was cancelled before the API answered the cancel' });
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'workflowCanceled' }, JOB_COMPLETION_SIGNAL_NAME);
    await this.#handlersFinished();
  }

  async #handlersFinished(): Promise<void> {
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }

  #finish(phase: RunOutcome, failureType?: string): number {
    const finishedAtMs = Date.now();
    this.progress.finishedAt = iso(finishedAtMs);
    this.progress.nextPollAt = undefined;
    this.progress.retry = undefined;
    this.enter(phase);
    const durationMs = finishedAtMs - this.startedAtMs;
    const { workflowId } = workflowInfo();
    log.info(`job cancellation ${workflowId} ${failureType ?? phase} in ${durationMs} ms after ${this.progress.polls} polls`, {
      workflowId,
      outcome: phase,
      ...(failureType ? { failureType } : {}),
      durationMs,
      polls: this.progress.polls,
    });
    return durationMs;
  }

  #ids(): { workflowId: string; runId: string } {
    const { workflowId, runId } = workflowInfo();
    return { workflowId, runId };
  }
}
