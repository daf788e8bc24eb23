/**
 * Renders simulated operations in the shapes of the reference's "Retrieve operations" examples: one
 * operation (GET operation) and the list's items (GET operations), which the reference shows with
 * different fields. Every key emitted here must appear in a fixture of test/fixtures/cpp/
 * (test/cpp-conformance.test.ts checks it), so the simulator never invents a layout.
 */
import { progressFraction, type SimOffer, type SimOperation } from './offer-model';
import type { ListBehaviour } from './scenario';

const CANCEL_STEP_NAMES = ['Cancellation', 'Certification', 'Cleanup', 'Notification', 'Finalization'];
const DEFAULT_STEP_COUNT = 3;
/** The simulator does not model offer versions; the reference's examples show 1. */
const OFFER_VERSION = 1;
/** .NET ticks (100 ns since 0001-01-01) at the Unix epoch: the reference's list `version` looks like ticks of `changedTime`. */
const TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000;

interface StepJson {
  id: string;
  stepName: string;
  description: string;
  estimatedTimeFrame: string;
  status: string;
  progressPercentage: number;
  messages: { messageHtml: string; level: string; timestamp: string }[];
}

/**
 * One operation as GET operation shows it: the fields of the reference page's example and of its
 * properties table together. `pollNumber` (1-based) selects a `rawStatuses` override.
 */
export function operationJson(op: SimOperation, now: number, pollNumber?: number): Record<string, unknown> {
  return {
    id: op.id,
    submissionType: op.submissionType,
    createdDateTime: isoSeconds(op.createdMs),
    lastActionDateTime: isoSeconds(op.lastActionMs),
    status: displayedStatus(op, pollNumber),
    error: op.error,
    // The page's example shows an empty operation-level `messages`; what its items look like is not shown.
    messages: [],
    publishingVersion: op.sequence,
    offerVersion: OFFER_VERSION,
    cancellationRequestState: cancellationRequestState(op),
    steps: op.cancel ? cancelSteps(op, now) : publishSteps(op),
    previewLinks: [],
    liveLinks: [],
    notificationEmails: op.notificationEmails,
  };
}

/**
 * One item of the operations list, in the layout of the reference's list example (no steps, and
 * `submissionType` lower-case as there). `stateField` names the state as the example does
 * (`submissionState`), as the properties table does (`status`), or leaves it out (`none`).
 */
export function listedOperationJson(offer: SimOffer, op: SimOperation, stateField: NonNullable<ListBehaviour['stateField']>): Record<string, unknown> {
  return {
    id: op.id,
    offerId: offer.offerId,
    offerVersion: OFFER_VERSION,
    offerTypeId: 'microsoft-azure-virtualmachines',
    publisherId: offer.publisherId,
    submissionType: op.submissionType.toLowerCase(),
    ...(stateField === 'none' ? {} : { [stateField]: op.status }),
    // Undefined by the reference; the operation's sequence (the `n` of a legacy id `p$o$n$preview`) is a plausible stand-in.
    publishingVersion: op.sequence,
    slot: 'staging',
    // Beyond 2^53, so not exact; the reference gives it no meaning a client could rely on.
    version: op.lastActionMs * 10_000 + TICKS_AT_UNIX_EPOCH,
    definition: { metadata: { emails: op.notificationEmails } },
    changedTime: new Date(op.lastActionMs).toISOString(),
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
