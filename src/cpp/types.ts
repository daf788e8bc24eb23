/**
 * The Cloud Partner Portal API as this project sees it: requests, parsed answers, the client's shape.
 * Plain TypeScript, no Temporal: the workflow imports these by type, the simulator speaks them.
 */

import type { OperationStatus, OperationStep } from '../contract';
import type { CppEndpoint } from './errors';

// The operation as the contract shows it: the client fills these in; the contract owns their shape.
export type { OperationStatus, OperationStep, OperationStepMessage } from '../contract';

export interface CppOperation {
  id?: string;
  status: OperationStatus;
  rawStatus: string;
  /** Message of a failed operation. */
  error?: string;
  submissionType?: string;
  createdDateTime?: string;
  lastActionDateTime?: string;
  cancellationRequestState?: string;
  steps: OperationStep[];
  /** Mean of the steps' `progressPercentage`, 0–100, rounded; absent without steps. */
  progressPercentage?: number;
}

/** `getOperation`'s answer: the operation plus the server's hint for the next poll. */
export interface OperationPoll {
  operation: CppOperation;
  /** From `Retry-After` (seconds or HTTP-date), clamped to [0, 1 h]. */
  retryAfterMs?: number;
}

export interface CancelOperationRequest {
  publisherId: string;
  offerId: string;
  /** Sent comma-joined as `metadata.notification-emails`. */
  notificationEmails: readonly string[];
  /** @default '2017-10-31' */
  apiVersion?: string;
}

/** 200: cancelled synchronously. 202: a cancel operation runs at `location`. */
export type CancelOperationResponse =
  | { kind: 'synchronous' }
  | {
      kind: 'asynchronous';
      /** Absolute URL on the API's own origin; the path is byte-exact as the server sent it. */
      location: string;
      retryAfterMs?: number;
    };

export interface RequestOptions {
  /** Aborts the request (pass the activity's cancellation signal). */
  signal?: AbortSignal;
}

export interface ListOperationsOptions extends RequestOptions {
  /** The reference's `status=<filteredStatus>` query, e.g. `running`. */
  status?: string;
  apiVersion?: string;
}

/**
 * One item of the operations list (`GET …/offers/{offerId}/submissions/`).
 *
 * The reference contradicts itself: its example items carry `submissionState`, its properties table
 * names `status`. Either is read; an item with neither has `state: 'unknown'` and no `rawState`.
 */
export interface ListedOperation {
  id?: string;
  /** As sent: `publish`, `Publish`, `cancel`, … */
  submissionType?: string;
  state: OperationStatus;
  rawState?: string;
}

/** What the Temporal activities need of the API. */
export interface CppClient {
  cancelOperation(request: CancelOperationRequest, options?: RequestOptions): Promise<CancelOperationResponse>;
  getOperation(location: string, options?: RequestOptions): Promise<OperationPoll>;
  listOperations(publisherId: string, offerId: string, options?: ListOperationsOptions): Promise<ListedOperation[]>;
  /** The absolute URL of one operation of an offer (`…/offers/{offerId}/operations/{operationId}`), for polling it. */
  operationUrl(publisherId: string, offerId: string, operationId: string, apiVersion?: string): string;
  close(): Promise<void>;
}

/** One finished HTTP exchange, for metrics and logs. Never carries a header value. */
export interface CppRequestEvent {
  endpoint: CppEndpoint;
  method: string;
  /** HTTP status, or the error code when no answer came (e.g. `ConnectionReset`). */
  outcome: number | string;
  durationMs: number;
}
