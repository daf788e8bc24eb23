/**
 * The smallest real workflow: one no-op activity. The baseline the benchmark compares cancellation
 * throughput against, and the tests' proof that a worker runs workflows at all. Not in the
 * production bundle: bench/workflows/index.ts and test/workflows/index.ts add it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { HelloActivities } from '../activities/hello';

const { noop } = proxyActivities<HelloActivities>({ startToCloseTimeout: '10 seconds' });

/** Runs the no-op activity once and returns what it echoed. */
export async function helloWorkflow(name: string): Promise<string> {
  return noop(name);
}
