/**
 * Following a release batch in the terminal: its summary as it changes (`running · 12 of 40 done ·
 * 3 running · 1 failed`), a line per offer as it ends, and the result; Ctrl-C stops following only,
 * and prints how to follow the batch again.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TemporalConfig } from '../client/temporal-config';
import { releaseProgressQuery, type ReleaseProgress, type ReleaseResult, type ReleaseRow } from '../contract';
import { rowName, rowsLabel } from '../workflow-safe/release-rows';
import type { cancelReleaseOffers } from '../workflows/cancel-release-offers';
import { followCommands, printFailure } from './follow';

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
  let inFlight = false;
  const printed = new Set<string>();
  const show = (p: ReleaseProgress) => {
    if (p.summary !== lastSummary) console.log(`  ${p.summary}`);
    lastSummary = p.summary;
    printEnded(p.offers, printed);
  };
  const ticker = setInterval(() => {
    // A query waits for a worker; never stack them up when none answers.
    if (inFlight) return;
    inFlight = true;
    handle
      .query(releaseProgressQuery)
      .then(show, () => undefined)
      .finally(() => (inFlight = false));
  }, 1000);
  const onSigint = () => {
    clearInterval(ticker);
    console.log(`\nstopped following (Ctrl-C); release batch ${handle.workflowId} goes on in Temporal. Follow it again with:`);
    for (const command of followCommands(config, handle.workflowId)) console.log(`  ${command}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let result: ReleaseResult;
  try {
    result = await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      console.error(`workflowCanceled: the batch was cancelled (${err.cause.message || 'by request'}); its running cancellations were cancelled with it`);
      return 1;
    }
    if (err instanceof WorkflowFailedError && err.cause) {
      printFailure(err.cause);
      return 1;
    }
    throw err;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
  }
  printEnded(result.offers, printed);
  console.log(`${result.outcome}: ${result.counts.succeeded} of ${rowsLabel(result.offers)} cancelled`);
  return result.outcome === 'succeeded' ? 0 : 1;
}
