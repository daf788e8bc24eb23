/**
 * Following one cancellation to its end in the terminal: a line per change of progress and per
 * retry, the result or the typed failure, and on Ctrl-C the commands that follow it again.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { getCancellationStatus } from '../client/cancellation-status';
import type { TemporalConfig } from '../client/temporal-config';
import type { CancelOfferProgress, CancelOfferResult } from '../contract';
import { describeRetry, formatSeconds, progressSummary } from '../workflow-safe/progress-summary';
import type { cancelOfferOperation } from '../workflows/cancel-offer-operation';

/**
 * One line that says where the cancellation is: the workflow's own `summary`, with the next poll
 * relative to `now` (`polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll in 16 s`).
 */
function describeProgress(p: CancelOfferProgress, now = Date.now()): string {
  return progressSummary(p, now);
}

/** `TEMPORAL_ADDRESS=… ` when the address is not the default, so a printed command works as copied. */
function addressPrefix(config: TemporalConfig): string {
  return config.address === 'localhost:7233' || config.address === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${config.address} `;
}

/** The commands that follow `workflowId` again: this CLI, and the Temporal CLI's progress query. */
export function followCommands(config: TemporalConfig, workflowId: string): string[] {
  const quoted = /^[\w./:@-]+$/.test(workflowId) ? workflowId : `'${workflowId.replaceAll("'", "'\\''")}'`;
  return [`${addressPrefix(config)}npm start -- --attach ${quoted}`, `${addressPrefix(config)}npm run temporal -- workflow query --workflow-id ${quoted} --name progress`];
}

function printResult(result: CancelOfferResult): void {
  console.log(`succeeded: the operation was cancelled (${result.mode}) after ${result.polls} poll${result.polls === 1 ? '' : 's'} in ${formatSeconds(result.durationMs / 1000)}`);
  console.log(JSON.stringify(result, null, 2));
}

/**
 * Prints each change of progress until the workflow ends, then its result. While Temporal retries
 * the cancel POST or a poll, also prints the attempt, the last error and when the next attempt is.
 * Ctrl-C stops following only: the cancellation goes on, and the way back is printed.
 * Returns the exit code.
 */
export async function follow(handle: WorkflowHandle<typeof cancelOfferOperation>, config: TemporalConfig): Promise<number> {
  let lastProgress = '';
  let lastRetry = '';
  let inFlight = false;
  const ticker = setInterval(() => {
    // A query waits for a worker; never stack them up when none answers.
    if (inFlight) return;
    inFlight = true;
    getCancellationStatus(handle)
      .then(
        ({ progress: reported, retry }) => {
          // The retry gets a line of its own below, from Temporal's own record of the attempts.
          const progress = { ...reported, retry: undefined };
          // Compared without the countdown, so a line prints when something changes, not every second.
          const key = progressSummary(progress);
          if (key !== lastProgress) console.log(`  ${describeProgress(progress)}`);
          lastProgress = key;
          const retryKey = retry ? JSON.stringify(retry) : '';
          if (retry && retryKey !== lastRetry) console.log(`  ${describeRetry(retry, Date.now())}`);
          lastRetry = retryKey;
        },
        () => undefined, // The workflow may not have run its first task yet.
      )
      .finally(() => (inFlight = false));
  }, 1000);
  const onSigint = () => {
    clearInterval(ticker);
    console.log(`\nstopped following (Ctrl-C); cancellation ${handle.workflowId} goes on in Temporal. Follow it again with:`);
    for (const command of followCommands(config, handle.workflowId)) console.log(`  ${command}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    printResult(await handle.result());
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      console.error(`workflowCanceled: the workflow was cancelled (${err.cause.message || 'by request'}); polling stopped`);
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
}

/** `failed: <type>: <message>`, then the failure's details (the error body) when it has them. */
export function printFailure(cause: Error): void {
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : cause.name;
  console.error(`failed: ${type}: ${cause.message}`);
  if (cause instanceof ApplicationFailure && cause.details?.length) console.error(JSON.stringify(cause.details[0], null, 2));
}
