/**
 * Completion signals: every caller that asked to be told hears how the run ended.
 * A target that is gone is logged, never fatal.
 */
import { CancellationScope, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { COMPLETION_SIGNAL_NAME, type CompletionSignalPayload, type JobCompletionSignalPayload, type NotifyTarget, type ReleaseCompletionPayload } from '../contract';

function keyOf(target: NotifyTarget): string {
  return JSON.stringify([target.workflowId, target.runId ?? '', target.signalName ?? COMPLETION_SIGNAL_NAME]);
}

/** Adds targets, ignoring ones already present (a caller may subscribe twice). */
export function addTargets(list: NotifyTarget[], ...targets: NotifyTarget[]): void {
  const known = new Set(list.map(keyOf));
  for (const target of targets) {
    const key = keyOf(target);
    if (!known.has(key)) {
      known.add(key);
      list.push(target);
    }
  }
}

/**
 * Signals every target in a non-cancellable scope, so the signals go out even when the
 * workflow itself is being cancelled.
 */
export async function notifyAll(
  targets: readonly NotifyTarget[],
  payload: CompletionSignalPayload | ReleaseCompletionPayload | JobCompletionSignalPayload,
  defaultSignalName = COMPLETION_SIGNAL_NAME,
): Promise<void> {
  if (targets.length === 0) return;
  await CancellationScope.nonCancellable(async () => {
    const results = await Promise.allSettled(
      targets.map((t) => getExternalWorkflowHandle(t.workflowId, t.runId).signal(t.signalName ?? defaultSignalName, payload)),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        log.warn('completion signal not delivered', { target: targets[i], error: String(r.reason) });
      }
    });
  });
}
