/**
 * The bench's count of Temporal Cloud Actions (bench/actions.ts), checked against recorded histories
 * whose Actions can be counted by hand from their events.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { countActions } from '../bench/actions';
import { PROJECT_ROOT } from '../temporal-cli/resolve';

async function events(name: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const json = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories', `${name}.json`), 'utf8')) as Record<string, unknown>;
  return temporal.api.history.v1.History.fromObject(json).events ?? [];
}

describe('countActions', () => {
  it('the 200 path: the start, the POST, the terminal phase label', async () => {
    expect(countActions(await events('sync-200'))).toEqual({ workflowStarts: 1, timers: 0, activityAttempts: 1, upserts: 1, signals: 0, localActivityTasks: 0, total: 3 });
  });

  it('a POST retried after a 429 counts both attempts, though the history holds only the last', async () => {
    const history = await events('retry-429-then-200');
    const started = history.filter((e) => e.activityTaskStartedEventAttributes);
    expect(started).toHaveLength(1);
    expect(started[0]!.activityTaskStartedEventAttributes!.attempt).toBe(2);
    expect(countActions(history).activityAttempts).toBe(2);
  });

  it('the 202 path: one timer and one activity attempt per poll after the first wait', async () => {
    const history = await events('async-202-migrated-location');
    const count = countActions(history);
    const polls = history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getOperationStatus').length;
    const timers = history.filter((e) => e.timerStartedEventAttributes).length;
    // The recording's three polls, each after its timer.
    expect([polls, timers]).toEqual([3, 3]);
    expect(count.timers).toBe(timers);
    expect(count.activityAttempts).toBe(polls + 1);
    expect(count.total).toBe(count.workflowStarts + count.timers + count.activityAttempts + count.upserts + count.signals);
  });

  it('upserts of TemporalChangeVersion alone are exempt; local activities in one task are one Action', () => {
    const { EventType } = temporal.api.enums.v1;
    const changeVersion = { eventType: EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { TemporalChangeVersion: {} } } } };
    const phase = { eventType: EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { CppCancelPhase: {} } } } };
    const la = (task: number) => ({ eventType: EventType.EVENT_TYPE_MARKER_RECORDED, markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: task } });
    const count = countActions([changeVersion, phase, la(4), la(4), la(9)] as temporal.api.history.v1.IHistoryEvent[]);
    expect(count).toMatchObject({ upserts: 1, localActivityTasks: 2, total: 3 });
  });
});
