/**
 * Following a release batch in the terminal: its summary as it changes (`running · 12 of 40 done ·
 * 3 running · 1 failed`), a line per offer as it ends, and the result; Ctrl-C stops following only,
 * and prints how to follow the batch again.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TemporalConfig } from '../client/temporal-config';
import { releaseProgressQuery, type ReleaseResult, type ReleaseRow } from '../contract';
import { rowName, rowsLabel } from '../workflow-safe/release-rows';
import type { cancelReleaseOffers } from '../workflows/cancel-release-offers';
import { followRun } from './follow-run';

const ENDED = new Set<ReleaseRow['phase']>(['succeeded', 'failed', 'workflowCanceled', 'skipped']);

/** `contoso/contoso-offer: failed CppBadRequest: …` */
function describeRow(row: ReleaseRow): string {
  const detail = row.failure ? ` ${row.failure.type}: ${row.failure.message}` : row.mode ? ` (${row.mode})` : '';
  return `${rowName(row)}: ${row.phase}${row.attached ? ' (attached to the run already going)' : ''}${detail}`;
}

/** Prints what is new in `rows`: each offer that has ended since the last look, once. */
function printEnded(rows: readonly ReleaseRow[], printed: Set<string>): void {
  for (const row of rows) {
    if (!ENDED.has(row.phase) || printed.has(row.workflowId)) continue;
    printed.add(row.workflowId);
    console.log(`  ${describeRow(row)}`);
  }
}

/** Follows the batch to its end. Exit code: 0 when every offer succeeded, 1 otherwise. */
export async function followRelease(handle: WorkflowHandle<typeof cancelReleaseOffers>, config: TemporalConfig): Promise<number> {
  let lastSummary = '';
  const printed = new Set<string>();
  return followRun<ReleaseResult>(handle, config, {
    what: 'release batch',
    async look() {
      const p = await handle.query(releaseProgressQuery);
      if (p.summary !== lastSummary) console.log(`  ${p.summary}`);
      lastSummary = p.summary;
      printEnded(p.offers, printed);
    },
    printResult(result) {
      printEnded(result.offers, printed);
      console.log(`${result.outcome}: ${result.counts.succeeded} of ${rowsLabel(result.offers)} cancelled`);
      return result.outcome === 'succeeded' ? 0 : 1;
    },
    cancelledLine: (reason) => `workflowCanceled: the batch was cancelled (${reason}); its running cancellations were cancelled with it`,
  });
}
