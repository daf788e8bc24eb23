/**
 * The cancel POST made safe to repeat: before a retry re-sends it, the offer's running operations
 * are looked up, because the earlier attempt may have reached CPP even though its answer was lost.
 *
 * The rule (docs/reliability.md, "Retries of the POST"):
 * - First attempt: POST at once (after checking `expectedOperationId`, when given).
 * - Retry, look-up answered: a running cancel operation is adopted (polled, no POST); nothing
 *   running means the earlier POST took effect; otherwise the POST is sent again.
 * - Retry, look-up failed transiently (5xx, 429, timeout, reset): the attempt fails retryably, so
 *   Temporal retries it with backoff; from attempt {@link LOOKUP_HOLDS_POST_UNTIL_ATTEMPT} on it no
 *   longer holds the POST back.
 * - Retry, look-up inconclusive (404, 403, a body that is no list, items whose state can't be read):
 *   the POST is sent again, and a 400 to it is read as "nothing left to cancel".
 * - A look-up never ends a run by itself, except a 401 (the credentials are wrong for every call)
 *   and a guard (`expectedOperationId`) that cannot be checked: then nothing is cancelled.
 *
 * Plain TypeScript over a {@link CppClient}: the Temporal activity only adds attempt and heartbeat.
 */
import { CppError, CppHttpError, OperationMismatchError } from './errors';
import type { CppClient, ListedOperation } from './types';

/** What the cancellation asks of CPP. */
export interface CancelRequest {
  publisherId: string;
  offerId: string;
  notificationEmails: readonly string[];
  apiVersion: string;
  /** Refuse to cancel unless this is the operation the offer is running. */
  expectedOperationId?: string;
}

export interface CancelRequestContext {
  /** 1 for the first try; more when an earlier try may have reached CPP. */
  attempt: number;
  signal?: AbortSignal;
  /** Where the rule's decisions are told (never with a secret). */
  log?: (message: string, attributes: Record<string, unknown>) => void;
}

/** How the cancellation got under way. `confirmedBy` says when no new POST was answered 200/202. */
export type CancelRequestOutcome =
  | { kind: 'synchronous'; confirmedBy?: 'lookup' | 'retriedPost' }
  | { kind: 'asynchronous'; location: string; retryAfterMs?: number; confirmedBy?: 'lookup' };

/** From this attempt on, a look-up that fails transiently no longer holds the POST back. */
export const LOOKUP_HOLDS_POST_UNTIL_ATTEMPT = 5;

/** Whether a listed operation is a cancel operation (CPP's own submission type). */
function isCancelOperation(op: Pick<ListedOperation, 'submissionType'>): boolean {
  return /cancel/i.test(op.submissionType ?? '');
}

/** Sends the cancel POST at most once, after finding out what an earlier attempt already did. */
export async function cancelAtMostOnce(client: CppClient, request: CancelRequest, context: CancelRequestContext): Promise<CancelRequestOutcome> {
  const retried = context.attempt > 1;
  const guarded = request.expectedOperationId !== undefined;
  const log = context.log ?? (() => undefined);
  let inconclusive = false;

  if (retried || guarded) {
    const lookup = await lookUpRunning(client, request, context.signal);
    if (lookup instanceof CppError) {
      const holdsPost = guarded || context.attempt < LOOKUP_HOLDS_POST_UNTIL_ATTEMPT;
      if (guarded && !lookup.retryable) throw unverifiableGuard(request, lookup);
      if (isUnauthorized(lookup) || (lookup.retryable && holdsPost)) throw lookup;
      log('look-up of running operations inconclusive: sending the POST again', { attempt: context.attempt, error: lookup.message });
      inconclusive = true;
    } else {
      if (retried) {
        const adopted = earlierPostOutcome(client, request, lookup, log);
        if (adopted) return adopted;
        // Only a known running operation other than a cancel makes a 400 to the POST a real refusal.
        inconclusive = !lookup.some((op) => op.state === 'running' && !isCancelOperation(op));
      }
      if (guarded) checkExpectedOperation(request, lookup);
    }
  }

  try {
    const response = await client.cancelOperation(request, { signal: context.signal });
    if (response.kind === 'synchronous') return { kind: 'synchronous' };
    return { kind: 'asynchronous', location: response.location, ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }) };
  } catch (error) {
    // CPP answers 400 when there is nothing to cancel: on a retry whose look-up could not tell, that is what an earlier POST left.
    if (inconclusive && error instanceof CppHttpError && error.status === 400) {
      log('the retried POST found nothing left to cancel: the earlier POST took effect', { attempt: context.attempt });
      return { kind: 'synchronous', confirmedBy: 'retriedPost' };
    }
    throw error;
  }
}

/** The offer's running operations, or the error the look-up ended with (never thrown: the caller decides). */
async function lookUpRunning(client: CppClient, request: CancelRequest, signal: AbortSignal | undefined): Promise<ListedOperation[] | CppError> {
  try {
    const listed = await client.listOperations(request.publisherId, request.offerId, { status: 'running', apiVersion: request.apiVersion, signal });
    // The filter is the server's to apply; an item that says it is not running is not.
    return listed.filter((op) => op.state === 'running' || op.state === 'unknown');
  } catch (error) {
    if (error instanceof CppError && error.code !== 'Aborted') return error;
    throw error;
  }
}

/** On a retry: adopt a running cancel operation, or confirm that nothing runs any more. */
function earlierPostOutcome(
  client: CppClient,
  request: CancelRequest,
  running: ListedOperation[],
  log: NonNullable<CancelRequestContext['log']>,
): CancelRequestOutcome | undefined {
  // A cancel operation listed under the `running` filter is adopted even when its state can't be read:
  // polling it tells its real state, where sending the POST again would only be refused.
  const cancels = running.filter((op) => isCancelOperation(op) && op.id);
  const cancelOperation = cancels.find((op) => op.state === 'running') ?? cancels[0];
  if (cancelOperation?.id) {
    log('a cancel operation is already running: polling it instead of sending the POST again', { operationId: cancelOperation.id });
    return { kind: 'asynchronous', location: client.operationUrl(request.publisherId, request.offerId, cancelOperation.id, request.apiVersion), confirmedBy: 'lookup' };
  }
  if (running.length === 0) {
    log('no operation is running any more: the earlier POST took effect', {});
    return { kind: 'synchronous', confirmedBy: 'lookup' };
  }
  return undefined;
}

/** Throws unless the expected operation is the one running (an item whose state is unreadable counts: it was listed as running). */
function checkExpectedOperation(request: CancelRequest, running: ListedOperation[]): void {
  const expected = request.expectedOperationId as string;
  if (running.some((op) => op.id === expected && !isCancelOperation(op))) return;
  const offer = `offer ${request.publisherId}/${request.offerId}`;
  const other = running.find((op) => !isCancelOperation(op) && op.id !== undefined);
  if (other?.id) {
    throw new OperationMismatchError(`${offer} is running operation ${other.id}, not the expected ${expected}; nothing was cancelled`, expected, other.id);
  }
  throw new OperationMismatchError(`${offer} has no running operation (expected ${expected}); nothing was cancelled`, expected);
}

function unverifiableGuard(request: CancelRequest, cause: CppError): CppError {
  if (isUnauthorized(cause)) return cause;
  return new OperationMismatchError(
    `could not check expectedOperationId ${request.expectedOperationId as string} on offer ${request.publisherId}/${request.offerId}: ${cause.message}; nothing was cancelled`,
    request.expectedOperationId as string,
  );
}

function isUnauthorized(error: CppError): boolean {
  return error instanceof CppHttpError && error.status === 401;
}
