/**
 * The state of one batch run (`cancelReleaseOffers`): a row per offer, the counts and summary its
 * `progress` query and the UI's current details show, the completion signals of cancellations it
 * attached to, and the callers to tell at the end. Deterministic code only.
 */
import { condition, defineSignal, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { releaseProgressQuery, type CompletionSignalPayload, type NotifyTarget, type ReleaseOfferPhase, type ReleaseRow, type ReleaseProgress, type ReleaseResult, type RunOutcome } from '../contract';
import { RELEASE_OFFER_DONE_SIGNAL, type ReleaseContinuation } from '../contract/internal';
import type { NormalizedReleaseInput } from '../workflow-safe/release-input';
import { pendingRow, rowName } from '../workflow-safe/release-rows';
import { notifyAll } from './notify';

const PHASES: ReleaseOfferPhase[] = ['pending', 'running', 'succeeded', 'failed', 'workflowCanceled', 'skipped'];
const releaseOfferDoneSignal = defineSignal<[CompletionSignalPayload]>(RELEASE_OFFER_DONE_SIGNAL);

function countsOf(rows: readonly ReleaseRow[]): Record<ReleaseOfferPhase, number> {
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<ReleaseOfferPhase, number>;
  for (const row of rows) counts[row.phase] += 1;
  return counts;
}

/** e.g. `running · 12 of 40 done · 3 running · 1 failed`. */
function releaseSummary(phase: ReleaseProgress['phase'], rows: readonly ReleaseRow[]): string {
  const c = countsOf(rows);
  const done = c.succeeded + c.failed + c.workflowCanceled + c.skipped;
  const parts = [phase, `${done} of ${rows.length} done`];
  if (c.running) parts.push(`${c.running} running`);
  if (c.succeeded) parts.push(`${c.succeeded} succeeded`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.workflowCanceled) parts.push(`${c.workflowCanceled} workflowCanceled`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return parts.join(' · ');
}

export class ReleaseRun {
  rows: ReleaseRow[] = [];
  phase: ReleaseProgress['phase'] = 'validating';
  readonly startedAt: string;
  readonly continuedAsNew: number;
  finishedAt?: string;
  releaseId?: string;
  targets: NotifyTarget[] = [];
  /** Completion signals of cancellations this batch attached to, by workflow id. */
  readonly #done = new Map<string, CompletionSignalPayload>();

  constructor(continuation: ReleaseContinuation | undefined) {
    this.startedAt = continuation?.startedAt ?? new Date().toISOString();
    this.continuedAsNew = continuation?.continuedAsNew ?? 0;
    if (continuation) this.rows = continuation.rows;
    setHandler(releaseProgressQuery, () => this.progress());
    setHandler(releaseOfferDoneSignal, (payload) => {
      if (typeof payload?.workflowId === 'string') this.#done.set(payload.workflowId, payload);
    });
  }

  /** Rows for every offer (unless a continuation brought them), and the callers to tell. */
  begin(input: NormalizedReleaseInput): void {
    this.releaseId = input.releaseId;
    this.targets = input.notify;
    if (this.rows.length === 0) {
      this.rows = input.offers.map(pendingRow);
    }
    this.set('running');
  }

  progress(): ReleaseProgress {
    return {
      summary: releaseSummary(this.phase, this.rows),
      ...(this.releaseId ? { releaseId: this.releaseId } : {}),
      phase: this.phase,
      counts: countsOf(this.rows),
      offers: this.rows,
      startedAt: this.startedAt,
      ...(this.finishedAt ? { finishedAt: this.finishedAt } : {}),
      continuedAsNew: this.continuedAsNew,
    };
  }

  /** Moves the batch to `phase` and shows it in the UI (current details cost no history event). */
  set(phase: ReleaseProgress['phase']): void {
    this.phase = phase;
    this.show();
  }

  show(): void {
    const lines = [`**${releaseSummary(this.phase, this.rows)}**`, ''];
    for (const row of this.rows.filter((r) => r.phase === 'running' || r.phase === 'failed').slice(0, 20)) {
      lines.push(`- \`${rowName(row)}\`: ${row.phase}${row.failure ? ` (${row.failure.type})` : ''}`);
    }
    setCurrentDetails(lines.join('\n'));
  }

  /** Waits for the completion signal of a cancellation this batch attached to. */
  async doneSignalOf(workflowId: string): Promise<CompletionSignalPayload> {
    await condition(() => this.#done.has(workflowId));
    return this.#done.get(workflowId) as CompletionSignalPayload;
  }

  /** The end: every row final, callers told, the result. */
  async finish(outcome: RunOutcome): Promise<ReleaseResult> {
    for (const row of this.rows) if (row.phase === 'pending') row.phase = 'skipped';
    this.finishedAt = new Date().toISOString();
    this.set(outcome);
    const result: ReleaseResult = {
      ...(this.releaseId ? { releaseId: this.releaseId } : {}),
      outcome: outcome === 'succeeded' ? 'succeeded' : 'failed',
      counts: countsOf(this.rows),
      offers: this.rows,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
    };
    const { workflowId, runId } = workflowInfo();
    await notifyAll(this.targets, { workflowId, runId, outcome, ...(outcome === 'workflowCanceled' ? {} : { result }) });
    return result;
  }
}
