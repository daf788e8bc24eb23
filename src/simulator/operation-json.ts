/**
 * Renders simulated operations in the shape of the reference's "Retrieve operations" answer.
 */
import { progressFraction, type SimOperation } from './offer-model';

const CANCEL_STEP_NAMES = ['Cancellation', 'Certification', 'Cleanup', 'Notification', 'Finalization'];
const DEFAULT_STEP_COUNT = 3;

interface StepJson {
  id: string;
  stepName: string;
  description: string;
  estimatedTimeFrame: string;
  status: string;
  progressPercentage: number;
  messages: { messageHtml: string; level: string; timestamp: string }[];
}

/** The operation as the CPP shows it. `pollNumber` (1-based) selects a `rawStatuses` override. */
export function operationJson(op: SimOperation, now: number, pollNumber?: number): Record<string, unknown> {
  return {
    id: op.id,
    submissionType: op.submissionType,
    createdDateTime: isoSeconds(op.createdMs),
    lastActionDateTime: isoSeconds(op.lastActionMs),
    status: displayedStatus(op, pollNumber),
    error: op.error,
    cancellationRequestState: cancellationRequestState(op),
    steps: op.cancel ? cancelSteps(op, now) : publishSteps(op),
    previewLinks: [],
    liveLinks: [],
    notificationEmails: op.notificationEmails,
  };
}

/** Whether `op` is terminal, as the simulator (not the displayed text) sees it. */
export function isTerminal(op: SimOperation): boolean {
  return op.status === 'completed' || op.status === 'failed' || op.status === 'canceled';
}

function displayedStatus(op: SimOperation, pollNumber: number | undefined): string {
  const raw = op.cancel?.behaviour.rawStatuses;
  if (pollNumber === undefined || !raw || raw.length === 0) return op.status;
  return raw[Math.min(pollNumber, raw.length) - 1] ?? op.status;
}

function cancellationRequestState(op: SimOperation): string {
  if (op.submissionType === 'Publish' && op.status === 'running') return 'canCancel';
  if (op.status === 'canceling') return 'cancellationRequested';
  return 'cannotCancel';
}

/** Steps that advance with the operation: each covers an equal share of its progress. */
function cancelSteps(op: SimOperation, now: number): StepJson[] {
  const count = Math.floor(op.cancel?.behaviour.steps ?? DEFAULT_STEP_COUNT);
  const fraction = progressFraction(op, now);
  const failed = op.status === 'failed';
  return Array.from({ length: count }, (_, i) => {
    const name = CANCEL_STEP_NAMES[i] ?? `Step ${i + 1}`;
    const percent = Math.round(Math.min(1, Math.max(0, fraction * count - i)) * 100);
    // A failed cancellation shows its last step failed, with the operation's error as the message.
    const isFailedStep = failed && i === count - 1;
    return {
      id: name.toLowerCase().replace(/\s+/g, ''),
      stepName: name,
      description: `${name} of the operation in progress.`,
      estimatedTimeFrame: '< 1 hour',
      status: isFailedStep ? 'failed' : percent >= 100 ? 'complete' : percent > 0 ? 'inProgress' : 'notStarted',
      progressPercentage: isFailedStep ? Math.min(percent, 50) : percent,
      messages: isFailedStep ? [{ messageHtml: op.error ?? 'The step failed.', level: 'error', timestamp: isoSeconds(op.lastActionMs) }] : [],
    };
  });
}

/** A Publish operation stuck in certification, which is what one usually wants to cancel. */
function publishSteps(op: SimOperation): StepJson[] {
  const stopped = op.status !== 'running';
  const step = (id: string, stepName: string, status: string, progressPercentage: number): StepJson => ({
    id,
    stepName,
    description: `${stepName} of the offer.`,
    estimatedTimeFrame: '< 5 day',
    status,
    progressPercentage,
    messages: [],
  });
  return [
    step('preview', 'Preview creation', 'complete', 100),
    step('displaycertify', 'Certification', stopped ? 'blocked' : 'inProgress', 40),
    step('golive', 'Go live', 'notStarted', 0),
  ];
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
