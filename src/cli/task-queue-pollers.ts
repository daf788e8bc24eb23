/** Whether anyone polls a task queue: the CLI says so when a cancellation would wait for a worker. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Whether a worker polled `taskQueue` recently; undefined when the server cannot say. */
export async function hasWorker(client: Client, namespace: string, taskQueue: string): Promise<boolean | undefined> {
  try {
    const answer = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (answer.pollers?.length ?? 0) > 0;
  } catch {
    return undefined;
  }
}
