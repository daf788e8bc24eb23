/**
 * The local activities a history records: each ends in a `core_local_activity` marker whose `data`
 * payload names the activity type and the attempt (the SDK's own encoding, read as JSON).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

export interface LocalActivityMarker {
  activityType: string;
  attempt: number;
  /** The summary the Temporal UI shows for it. */
  summary?: string;
  /** It ended failed (the marker carries a failure instead of a result). */
  failed: boolean;
}

export function localActivityMarkers(events: temporal.api.history.v1.IHistoryEvent[]): LocalActivityMarker[] {
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const payload = marker.details?.data?.payloads?.[0];
    const data = payload ? defaultPayloadConverter.fromPayload<{ activity_type: string; attempt: number }>(payload) : undefined;
    const summary = e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined;
    return [{ activityType: data?.activity_type ?? '?', attempt: data?.attempt ?? 0, ...(summary ? { summary } : {}), failed: Boolean(marker.failure) }];
  });
}
