/**
 * Temporal's "infrequent polling" pattern for the same job, as the cost section's baseline: the
 * shipped cancel POST activity, then one activity whose server-side retries poll with the retry
 * policy's backoff. No progress, labels or notifications: the bare pattern.
 */
import { proxyActivities } from '@temporalio/workflow';
import { FINAL_FAILURE_TYPES } from '../../src/contract';
import type { CancellationActivities } from '../../src/activities/cancellation';
import type { InfrequentPollingActivities } from '../activities/infrequent-polling';

export interface InfrequentPollingInput {
  publisherId: string;
  offerId: string;
  notificationEmails: string[];
  polling: { initialIntervalSeconds: number; maxIntervalSeconds: number; backoffCoefficient: number };
}

const { requestCancellation } = proxyActivities<CancellationActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: FINAL_FAILURE_TYPES },
});

export async function infrequentPollingCancellation(input: InfrequentPollingInput): Promise<{ mode: string; status?: string }> {
  const { publisherId, offerId, notificationEmails, polling } = input;
  const answer = await requestCancellation({ publisherId, offerId, notificationEmails, apiVersion: '2017-10-31' });
  if (answer.kind === 'synchronous') return { mode: 'synchronous' };
  const { pollOnceOrRetry } = proxyActivities<InfrequentPollingActivities>({
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: '24 hours',
    retry: {
      initialInterval: polling.initialIntervalSeconds * 1000,
      maximumInterval: polling.maxIntervalSeconds * 1000,
      backoffCoefficient: polling.backoffCoefficient,
      nonRetryableErrorTypes: FINAL_FAILURE_TYPES,
    },
  });
  const { status } = await pollOnceOrRetry({ location: answer.location });
  return { mode: 'asynchronous', status };
}
