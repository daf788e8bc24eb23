/**
 * The state of one cancellation run and the ways it ends: progress (answered by the `progress`
 * query), the callers to notify, the search-attribute labels, and the end of the run (metrics,
 * completion signals). Deterministic code only.
 */
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { cancelPhaseSearchAttribute, cppAnswerUpdate, offerIdSearchAttribute, progressQuery, publisherIdSearchAttribute, subscribeSignal, type CancelOfferProgressState, type CancelOfferResult, type CancelPhase, type CppAnswer, type RunOutcome, type NotifyTarget, type OperationView, type CallRetry } from '../contract';
import { callRetryingSignal, type ContinuationState } from '../contract/internal';
import { parseNotifyTarget, type NormalizedInput } from '../workflow-safe/cancel-input';
import { progressDetails, progressSummary } from '../workflow-safe/progress-summary';
import { failureInfo } from './run-failures';
import { recordCancellationEnd } from './metrics';
import { addTargets, notifyAll } from './notify';

/** How a retried POST was found to have taken effect already. */
export interface Confirmation {
  confirmedByLookup?: boolean;
  confirmedByRetriedPost?: boolean;
}

/** History events before a run's first workflow task starts: started, task scheduled, task started. */
const FIRST_TASK_HISTORY_LENGTH = 3;

const iso = (ms: number) => new Date(ms).toISOString();

function rejectArguments(...args: unknown[]): void {
  if (args.length > 0) throw new Error(`the cppAnswer update takes no arguments; it was given ${args.length}`);
}

function isCallRetry(value: unknown): value is CallRetry {
  const v = value as Partial<CallRetry> | null;
  return typeof v === 'object' && v !== null && typeof v.activity === 'string' && typeof v.call === 'string' && typeof v.attempt === 'number';
}

/** One run of the cancellation workflow: what it shows, whom it tells, how it ends. */
export class CancellationRun {
  readonly progress: CancelOfferProgressState;
  readonly targets: NotifyTarget[] = [];
  readonly startedAtMs: number;
  /** The `CppCancelPhase` last written: upsert only real changes (each is a history event). */
  #labelledPhase: string | undefined;
  /** How CPP answered the POST, once it has; or why the run ended before (for the `cppAnswer` update). */
  #answer: CppAnswer | undefined;
  #endedBeforeAnswer: ApplicationFailure | undefined;
  /** Signals handled so far: each one that arrived before the first workflow task is one more event before it. */
  #signalsReceived = 0;

  /** Registers the `progress` query and the `subscribe` signal at once, so neither is ever missed. */
  constructor(continuation: ContinuationState | undefined) {
    this.startedAtMs = continuation ? Date.parse(continuation.startedAt) : Date.now();
    this.progress = { phase: 'validating', polls: continuation?.polls ?? 0, startedAt: iso(this.startedAtMs), continuedAsNew: continuation?.continuedAsNew ?? 0 };
    this.#labelledPhase = workflowInfo().typedSearchAttributes.get(cancelPhaseSearchAttribute);
    // Summary first: the line a person reads; the rest is the detail behind it.
    setHandler(progressQuery, () => ({ summary: progressSummary(this.progress), percent: this.progress.operation?.progressPercentage, ...this.progress }));
    setHandler(subscribeSignal, (target) => {
      this.#signalsReceived += 1;
      const parsed = parseNotifyTarget(target);
      if (parsed) addTargets(this.targets, parsed);
      else log.warn('subscribe signal ignored: not a notify target', { target });
    });
    setHandler(
      cppAnswerUpdate,
      async () => {
        await condition(() => this.#answer !== undefined || this.#endedBeforeAnswer !== undefined);
        if (this.#answer) return this.#answer;
        throw this.#endedBeforeAnswer as ApplicationFailure;
      },
      // Refused before history: an update with arguments is a caller's mistake.
      { validator: rejectArguments },
    );
    setHandler(callRetryingSignal, (notice) => {
      this.#signalsReceived += 1;
      // Sent by our own activities; anything else, or a late one after the end, is only logged.
      if (this.progress.finishedAt || !isCallRetry(notice)) return log.warn('retry notice ignored', { notice });
      this.retrying(notice);
    });
  }

  /**
   * Whether an earlier worker may have run this workflow task's work already, the POST included: the
   * history is being replayed, or an earlier workflow task timed out or failed (its end, a new
   * schedule and start are three more events before this task). Call it in the first activation.
   */
  mayHavePostedBefore(): boolean {
    const { historyLength, unsafe } = workflowInfo();
    return unsafe.isReplaying || historyLength > FIRST_TASK_HISTORY_LENGTH + this.#signalsReceived;
  }

  /** CPP answered the POST: `cppAnswer` updates return this from now on. */
  cppAnswered(answer: CppAnswer): void {
    this.#answer = answer;
  }

  /** A CPP call failed and will be tried again: shown until it is answered. */
  retrying(retry: CallRetry): void {
    this.progress.retry = retry;
    this.show();
  }

  /** The CPP call in flight was answered: any retry it went through is over. */
  answered(): void {
    this.progress.retry = undefined;
  }

  /** Adds callers to tell at the end (a caller may subscribe twice: kept once); the end sends the signals. */
  addNotifyTargets(...targets: NotifyTarget[]): void {
    addTargets(this.targets, ...targets);
  }

  /** Names the offer in progress and labels the run for search, in one upsert, only where the starter did not. */
  begin(input: NormalizedInput, phase: CancelPhase): void {
    this.progress.publisherId = input.publisherId;
    this.progress.offerId = input.offerId;
    const attrs = workflowInfo().typedSearchAttributes;
    const updates: SearchAttributeUpdatePair[] = [];
    if (attrs.get(publisherIdSearchAttribute) !== input.publisherId) updates.push({ key: publisherIdSearchAttribute, value: input.publisherId });
    if (attrs.get(offerIdSearchAttribute) !== input.offerId) updates.push({ key: offerIdSearchAttribute, value: input.offerId });
    if (this.#labelledPhase !== phase) updates.push({ key: cancelPhaseSearchAttribute, value: phase });
    this.progress.phase = phase;
    this.#labelledPhase = phase;
    this.show();
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  /** Shows the current progress in the Temporal UI (current details: no history event). */
  show(): void {
    setCurrentDetails(progressDetails(this.progress));
  }

  /** Moves to `phase`, relabelling the run when the label changes. */
  enter(phase: CancelPhase): void {
    this.progress.phase = phase;
    this.show();
    if (this.#labelledPhase === phase) return;
    this.#labelledPhase = phase;
    upsertSearchAttributes([{ key: cancelPhaseSearchAttribute, value: phase }]);
  }

  /** Ends the run successfully: labels, counts, tells every caller, and returns the result. */
  async succeed(operation: Pick<OperationView, 'id' | 'status' | 'rawStatus'>, confirmation: Confirmation = {}): Promise<CancelOfferResult> {
    const durationMs = this.#finish('succeeded');
    const mode = this.progress.mode ?? 'synchronous';
    recordCancellationEnd({ outcome: 'succeeded', mode, polls: this.progress.polls, durationMs });
    const result: CancelOfferResult = {
      outcome: 'succeeded',
      mode,
      operation: { id: operation.id, status: operation.status, rawStatus: operation.rawStatus, location: this.progress.location },
      polls: this.progress.polls,
      ...(confirmation.confirmedByLookup ? { confirmedByLookup: true } : {}),
      ...(confirmation.confirmedByRetriedPost ? { confirmedByRetriedPost: true } : {}),
      startedAt: this.progress.startedAt,
      finishedAt: this.progress.finishedAt as string,
      durationMs,
    };
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'succeeded', result });
    await this.#handlersFinished();
    return result;
  }

  /** Ends the run failed: labels, counts, tells every caller; returns the failure for the caller to throw. */
  async fail(failure: ApplicationFailure): Promise<ApplicationFailure> {
    this.progress.lastError = failureInfo(failure);
    this.#endedBeforeAnswer ??= failure;
    const durationMs = this.#finish('failed', this.progress.lastError.type);
    recordCancellationEnd({ outcome: 'failed', mode: this.progress.mode, failureType: this.progress.lastError.type, polls: this.progress.polls, durationMs });
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'failed', failure: this.progress.lastError });
    await this.#handlersFinished();
    return failure;
  }

  /** Ends the run because the workflow itself was cancelled: polling stops, callers are told. */
  async workflowCanceled(): Promise<void> {
    const durationMs = this.#finish('workflowCanceled');
    recordCancellationEnd({ outcome: 'workflowCanceled', mode: this.progress.mode, polls: this.progress.polls, durationMs });
    this.#endedBeforeAnswer ??= ApplicationFailure.create({ type: 'WorkflowCanceled', nonRetryable: true, message: 'the cancellation workflow was cancelled before CPP answered the cancel POST' });
    await notifyAll(this.targets, { ...this.#ids(), outcome: 'workflowCanceled' });
    await this.#handlersFinished();
  }

  /** Lets a waiting `cppAnswer` update answer before the run closes (it would be lost otherwise). */
  async #handlersFinished(): Promise<void> {
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }

  /** Stamps the end and the final phase, and logs one line for the finished cancellation; returns its duration. */
  #finish(phase: RunOutcome, failureType?: string): number {
    const finishedAtMs = Date.now();
    this.progress.finishedAt = iso(finishedAtMs);
    this.progress.nextPollAt = undefined;
    this.progress.watchingUntil = undefined;
    this.progress.retry = undefined;
    this.enter(phase);
    const durationMs = finishedAtMs - this.startedAtMs;
    const { workflowId } = workflowInfo();
    log.info(`cancellation ${workflowId} ${failureType ?? phase} in ${durationMs} ms after ${this.progress.polls} polls`, {
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
