import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelloActivities } from '../bench/activities/hello';
import { helloWorkflow } from '../bench/workflows/hello';
import { connectToTestServer, withWorker, type TemporalTestContext } from './helpers/temporal';

describe('the real Temporal dev server', () => {
  let ctx: TemporalTestContext;
  beforeAll(async () => {
    ctx = await connectToTestServer();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('runs a workflow with one activity through a real Worker and records it in history', async () => {
    const workflowId = `hello-${Date.now()}`;
    const result = await withWorker(ctx, { activities: createHelloActivities() }, async (taskQueue) => {
      const handle = await ctx.client.workflow.start(helloWorkflow, { taskQueue, workflowId, args: ['temporal'] });
      return { value: await handle.result(), history: await handle.fetchHistory() };
    });
    expect(result.value).toBe('hello, temporal');
    const events = result.history.events ?? [];
    const types = events.map((e) => e.eventType);
    // Event type 1 = WorkflowExecutionStarted, 2 = WorkflowExecutionCompleted; 10–12 = activity scheduled/started/completed.
    expect(types[0]).toBe(1);
    expect(types.at(-1)).toBe(2);
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('noop');
    expect(events.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
  });
});
