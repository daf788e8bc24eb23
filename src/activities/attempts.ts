/**
 * What every activity of ours does around its call: heartbeats while it runs, and, when it fails,
 * the typed failure, a log line and a retry notice to its run.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { toActivityFailure, type Api } from './application-failures';
import { noticeRetry } from './retry-notice';

/** How often a running activity tells Temporal it is alive; the workflow's heartbeat timeout is a few of these. */
const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Heartbeats while `work` runs, so a worker that dies mid-request is noticed within the heartbeat
 * timeout (seconds) instead of the start-to-close timeout (minutes), and a workflow cancellation
 * reaches the request as an abort.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  // A local activity has no heartbeat: its workflow task's timeout notices a dead worker.
  if (activityInfo().isLocal) return work();
  const ticker = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

/** The failure an attempt ends with, after telling the run when Temporal will retry it. */
export async function failAttempt(err: unknown, triesBefore = 0, api: Api = 'cpp'): Promise<never> {
  const failure = toActivityFailure(err, api);
  await noticeRetry(failure, triesBefore);
  throw failure;
}
