/**
 * What a run costs on Temporal Cloud, counted from its event history by the rules Temporal
 * publishes for Actions (docs.temporal.io/cloud/actions): a workflow start (a client start, a
 * continue-as-new's next run, a child), every timer, every activity attempt (retries included,
 * though only the last attempt is in the history), every search-attribute upsert (one per command,
 * `TemporalChangeVersion` exempt, attributes set at the start free), every signal, and the local
 * activities of one workflow task together as one. Not in a history, so not counted here: activity
 * heartbeats that reached the server, and queries (one each).
 */
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

/** Actions by kind, and their sum. */
export interface ActionCount {
  workflowStarts: number;
  timers: number;
  activityAttempts: number;
  upserts: number;
  signals: number;
  localActivityTasks: number;
  total: number;
}

/** True when an upsert changes nothing but `TemporalChangeVersion` (a `patched()` marker's label, exempt). */
function onlyChangeVersion(event: HistoryEvent): boolean {
  const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
  const names = Object.keys(fields);
  return names.length > 0 && names.every((name) => name === 'TemporalChangeVersion');
}

function isLocalActivityMarker(event: HistoryEvent): boolean {
  const name = event.markerRecordedEventAttributes?.markerName;
  return name === 'core_local_activity' || name === 'LocalActivity';
}

/** Counts the Actions in one run's history (call it once per run of a continue-as-new chain and add). */
export function countActions(events: HistoryEvent[]): ActionCount {
  const count: Omit<ActionCount, 'total'> = { workflowStarts: 0, timers: 0, activityAttempts: 0, upserts: 0, signals: 0, localActivityTasks: 0 };
  // Local activities recorded in the same workflow task are one Action: count the tasks that have any.
  const tasksWithLocalActivities = new Set<string>();
  for (const event of events) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        count.workflowStarts += 1;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        count.timers += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // The attempt that is recorded is the last one; those before it were retried away.
        count.activityAttempts += event.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        if (!onlyChangeVersion(event)) count.upserts += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        count.signals += 1;
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (isLocalActivityMarker(event)) {
          tasksWithLocalActivities.add(String(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? event.eventId));
        }
        break;
      default:
        break;
    }
  }
  count.localActivityTasks = tasksWithLocalActivities.size;
  const total = Object.values(count).reduce((sum, n) => sum + n, 0);
  return { ...count, total };
}
