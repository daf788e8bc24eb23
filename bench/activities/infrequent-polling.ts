/**
 * The activity of Temporal's "infrequent polling" pattern, the baseline the cost section compares
 * the shipped design with: one GET per attempt; a status that is not terminal fails the attempt, so
 * the server's retries do the polling and no attempt but the last reaches the history.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CppClient } from '../../src/cpp/types';
import { TERMINAL_OPERATION_STATUSES } from '../../src/workflow-safe/operation-status';

export function createInfrequentPollingActivities(client: CppClient) {
  return {
    async pollOnceOrRetry(input: { location: string }): Promise<{ status: string }> {
      const { operation } = await client.getOperation(input.location);
      if (TERMINAL_OPERATION_STATUSES.has(operation.status)) return { status: operation.status };
      throw ApplicationFailure.retryable(`the operation is ${operation.status}`, 'OperationStillRunning', { status: operation.status });
    },
  };
}

export type InfrequentPollingActivities = ReturnType<typeof createInfrequentPollingActivities>;
