/** Assertions on finished cancellation runs, shared by the workflow test files. */
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { expect } from 'vitest';

/** Asserts WorkflowFailedError → ApplicationFailure(type, non-retryable) and returns that failure. */
export async function expectWorkflowFailure(handle: WorkflowHandle, type: string): Promise<ApplicationFailure> {
  const err: unknown = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  expect(failure.type).toBe(type);
  expect(failure.nonRetryable).toBe(true);
  return failure;
}

/**
 * A history without its workflow-task events (scheduled, started, completed, timed out, failed):
 * what an event count may rely on, since on a loaded machine one workflow task may be split in two.
 */
export function withoutWorkflowTasks(events: temporal.api.history.v1.IHistoryEvent[]): temporal.api.history.v1.IHistoryEvent[] {
  return events.filter(
    (e) =>
      !(
        e.workflowTaskScheduledEventAttributes ||
        e.workflowTaskStartedEventAttributes ||
        e.workflowTaskCompletedEventAttributes ||
        e.workflowTaskTimedOutEventAttributes ||
        e.workflowTaskFailedEventAttributes
      ),
  );
}

/** Asserts the run's history holds no failed workflow task (no task retried in a loop). */
export async function expectNoWorkflowTaskFailure(handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  expect(history.events?.filter((e) => e.workflowTaskFailedEventAttributes) ?? []).toEqual([]);
}
