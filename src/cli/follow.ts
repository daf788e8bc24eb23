/**
 * Following one offer's cancellation to its end in the terminal: a line per change of progress and
 * per retry, then the result or the typed failure (follow-run.ts does the following).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { getCancellationStatus } from '../client/cancellation-status';
import type { TemporalConfig } from '../client/temporal-config';
import type { CancelOfferResult } from '../contract';
import { describeRetry, formatSeconds, progressSummary } from '../workflow-safe/progress-summary';
import type { cancelOfferOperation } from '../workflows/cancel-offer-operation';
import { followRun } from './follow-run';

function printResult(result: CancelOfferResult): number {
  console.log(`succeeded: the operation was cancelled (${result.mode}) after ${result.polls} poll${result.polls === 1 ? '' : 's'} in ${formatSeconds(result.durationMs / 1000)}`);
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

/**
 * Prints each change of progress until the workflow ends, then its result. While Temporal retries
 * the cancel POST or a poll, also prints the attempt, the last error and when the next attempt is.
 * Returns the exit code.
 */
export async function follow(handle: WorkflowHandle<typeof cancelOfferOperation>, config: TemporalConfig): Promise<number> {
  let lastProgress = '';
  let lastRetry = '';
  return followRun(handle, config, {
    what: 'cancellation',
    async look() {
      const { progress: reported, retry } = await getCancellationStatus(handle);
      // The retry gets a line of its own below, from Temporal's own record of the attempts.
      const progress = { ...reported, retry: undefined };
      // Compared without the countdown (relative to now), so a line prints when something changes, not every second.
      const key = progressSummary(progress);
      if (key !== lastProgress) console.log(`  ${progressSummary(progress, Date.now())}`);
      lastProgress = key;
      const retryKey = retry ? JSON.stringify(retry) : '';
      if (retry && retryKey !== lastRetry) console.log(`  ${describeRetry(retry, Date.now())}`);
      lastRetry = retryKey;
    },
    printResult,
    cancelledLine: (reason) => `workflowCanceled: the workflow was cancelled (${reason}); polling stopped`,
  });
}
