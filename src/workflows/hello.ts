/**
 * The smallest real workflow: one no-op activity. It proves the harness and is the
 * baseline the benchmark compares cancellation throughput against.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { HelloActivities } from '../activities/hello';

const { noop } = proxyActivities<HelloActivities>({ startToCloseTimeout: '10 seconds' });

export const HELLO_WORKFLOW_TYPE = 'helloWorkflow';

/** Runs the no-op activity once and returns what it echoed. */
export async function helloWorkflow(name: string): Promise<string> {
  return noop(name);
}
