/**
 * Following a run to its end in the terminal, whatever it is (an offer's cancellation, a job's, a
 * release batch): a look at its progress every second, the result or the typed failure, and on
 * Ctrl-C the commands that follow it again. What each prints is the caller's.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TemporalConfig } from '../client/temporal-config';
import { followCommands, printFailure } from './follow-commands';

export interface RunFollower<R> {
  /** What the run is, for the Ctrl-C line: `cancellation`, `job cancellation`, `release batch`. */
  what: string;
  /** One look at the progress, printing what changed; a rejection (no worker yet) is ignored. */
  look(): Promise<void>;
  /** Prints the result; returns the exit code. */
  printResult(result: R): number;
  /** The line for a run that was cancelled itself, given the cancellation's message. */
  cancelledLine(reason: string): string;
}

/** Follows `handle` until its run ends. Ctrl-C stops following only: the run goes on. Returns the exit code. */
export async function followRun<R>(handle: WorkflowHandle, config: TemporalConfig, follower: RunFollower<R>): Promise<number> {
  let inFlight = false;
  const ticker = setInterval(() => {
    // A query waits for a worker; never stack them up when none answers.
    if (inFlight) return;
    inFlight = true;
    follower
      .look()
      .catch(() => undefined)
      .finally(() => (inFlight = false));
  }, 1000);
  const onSigint = () => {
    clearInterval(ticker);
    console.log(`\nstopped following (Ctrl-C); ${follower.what} ${handle.workflowId} goes on in Temporal. Follow it again with:`);
    for (const command of followCommands(config, handle.workflowId)) console.log(`  ${command}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let result: R;
  try {
    result = (await handle.result()) as R;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      console.error(follower.cancelledLine(err.cause.message || 'by request'));
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
  return follower.printResult(result);
}
