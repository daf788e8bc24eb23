/**
 * The smallest real workflow: one no-op activity. The baseline the benchmark compares cancellation
 * throughput against, and the tests' proof that a worker runs workflows at all. Not in the
 * production bundle: bench/workflows/index.ts and test/workflows/index.ts add it.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { HelloActivities } from '../activities/hello';

const { noop } = proxyActivities<HelloActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<HelloActivities>({ startToCloseTimeout: '10 seconds' });

/** Runs the no-op activity once and returns what it echoed. */
export async function helloWorkflow(name: string): Promise<string> {
  return noop(name);
}

/** The same as a local activity: what a local activity saves against a task of its own (issue 18's A/B). */
export async function helloLocalWorkflow(name: string): Promise<string> {
  return local.noop(name);
}
