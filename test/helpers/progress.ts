/** Waiting on a running cancellation's `progress` query. */
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type CancelOfferProgress } from '../../src/contract';

/**
 * Queries `progress` every `everyMs` until `predicate` holds and returns that answer; throws with the
 * last answer after `timeoutMs`. A query that fails (the run not yet started) counts as no answer.
 */
export async function waitForProgress(
  handle: WorkflowHandle,
  predicate: (p: CancelOfferProgress) => boolean,
  { timeoutMs = 20_000, everyMs = 100 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<CancelOfferProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p && predicate(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress never matched; last: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
