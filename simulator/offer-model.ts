/**
 * The simulated offers and their operations: the state machine behind the CPP routes.
 *
 * Model (kept deliberately small, but faithful to the reference):
 * - An offer is created on first sight (any request or admin look-up naming it) with ONE running
 *   operation: submissionType `Publish`, a uuid id, status `running`. At most one operation per offer
 *   is `running` at a time, as the reference says.
 * - Cancel, `synchronous`: the running Publish operation becomes `canceled` at once (200).
 * - Cancel, `accepted`: a new operation (submissionType `Cancel`) starts `running`; the Publish
 *   operation becomes `canceling`, so only the Cancel operation is listed as running. The Cancel
 *   operation turns terminal on its `completeAfterPolls`-th GET, or `completeAfterMs` after the POST,
 *   whichever comes first. Its outcome `completed`/`canceled` makes the Publish operation `canceled`;
 *   `failed` sets its `error` and puts the Publish operation back to `running` (cancelable again).
 * - Cancel with no cancelable operation (already canceled, or a Cancel operation still running):
 *   the CPP's 400 "no operation in progress" — unless the scenario is `repeatable`: then the offer
 *   starts over first (see `restartDemo`).
 * Time-based completion is evaluated lazily, on every look-up, so no timers are needed.
 */
import { randomUUID } from 'node:crypto';
import type { FaultCounters } from './faults';
import type { CancelBehaviour } from './scenario';

/** The `accepted` branch of {@link CancelBehaviour}. */
export type AcceptedBehaviour = Extract<CancelBehaviour, { mode: 'accepted' }>;

/** Internal status; what a poll shows can be overridden by `rawStatuses`. */
type SimStatus = 'running' | 'canceling' | 'canceled' | 'completed' | 'failed';

/** One operation of a simulated offer. */
export interface SimOperation {
  id: string;
  /** 1 for the offer's first operation; the `n` of a legacy id `p$o$n$preview`. */
  sequence: number;
  submissionType: 'Publish' | 'Cancel';
  createdMs: number;
  lastActionMs: number;
  status: SimStatus;
  error: string | null;
  notificationEmails: string;
  /** GETs of this operation so far. */
  polls: number;
  /** Set on Cancel operations: how they behave and which operation they cancel. */
  cancel?: { behaviour: AcceptedBehaviour; target: SimOperation };
}

/** One simulated offer. */
export interface SimOffer {
  publisherId: string;
  offerId: string;
  operations: SimOperation[];
  /** Cancel POSTs answered with a status (not reset). */
  postCount: number;
  /** GETs of one operation answered with a status (not reset). */
  pollCount: number;
  faults?: FaultCounters;
}

/** An offer as a state file keeps it (fault counters are not kept: they start afresh). */
export interface PersistedOffer extends Omit<SimOffer, 'operations' | 'faults'> {
  operations: Array<Omit<SimOperation, 'cancel'> & { cancel?: { behaviour: AcceptedBehaviour; targetId: string } }>;
}

/** What a cancel POST did to the offer. */
export type CancelOutcome =
  | { kind: 'synchronous'; canceled: SimOperation }
  | { kind: 'accepted'; operation: SimOperation; location: string }
  | { kind: 'nothingToCancel' };

/** The default number of GETs after which an accepted cancellation completes. */
const DEFAULT_COMPLETE_AFTER_POLLS = 2;
const API_VERSION_QUERY = 'api-version=2017-10-31';

/** All simulated offers, plus an index of operation ids for the legacy `/api/operations/{id}` route. */
export class OfferBook {
  private readonly offers = new Map<string, SimOffer>();
  private readonly byOperationId = new Map<string, { offer: SimOffer; operation: SimOperation }>();

  /** The offer, created with one running Publish operation on first sight. */
  get(publisherId: string, offerId: string, now = Date.now()): SimOffer {
    const key = offerKey(publisherId, offerId);
    let offer = this.offers.get(key);
    if (!offer) {
      offer = { publisherId, offerId, operations: [], postCount: 0, pollCount: 0 };
      this.offers.set(key, offer);
      this.add(offer, { id: randomUUID(), submissionType: 'Publish', now, notificationEmails: '' });
    }
    this.settle(offer, now);
    return offer;
  }

  /** The offer and operation for an operation id, wherever it lives (legacy ids carry no offer in their path). */
  findOperation(operationId: string, now = Date.now()): { offer: SimOffer; operation: SimOperation } | undefined {
    const found = this.byOperationId.get(operationId);
    if (found) this.settle(found.offer, now);
    return found;
  }

  /**
   * Applies a cancel POST. `rawPublisher`/`rawOffer` are the path segments as received: the
   * `Location` of a 202 repeats them unchanged, as the real API echoes the caller's path.
   */
  cancel(
    offer: SimOffer,
    behaviour: { mode: 'synchronous' } | AcceptedBehaviour,
    notificationEmails: string,
    raw: { publisher: string; offer: string },
    now = Date.now(),
  ): CancelOutcome {
    this.settle(offer, now);
    const running = offer.operations.find((op) => op.status === 'running');
    // A running Cancel operation is not itself cancelable: the CPP answers "nothing in progress".
    if (!running || running.submissionType === 'Cancel') return { kind: 'nothingToCancel' };
    running.lastActionMs = now;
    if (behaviour.mode === 'synchronous') {
      running.status = 'canceled';
      return { kind: 'synchronous', canceled: running };
    }
    const legacy = behaviour.locationForm === 'legacy';
    const sequence = offer.operations.length + 1;
    const id = legacy ? `${offer.publisherId}$${offer.offerId}$${sequence}$preview` : randomUUID();
    running.status = 'canceling';
    const operation = this.add(offer, { id, submissionType: 'Cancel', now, notificationEmails, cancel: { behaviour, target: running } });
    const location = legacy
      ? `/api/operations/${raw.publisher}$${raw.offer}$${sequence}$preview?${API_VERSION_QUERY}`
      : `/api/publishers/${raw.publisher}/offers/${raw.offer}/operations/${id}?${API_VERSION_QUERY}`;
    return { kind: 'accepted', operation, location };
  }

  /**
   * For a repeatable (demo) offer, before a cancel POST: unless a Publish operation is running (the
   * POST will cancel it as usual), starts over — an earlier cancellation still running is dropped
   * (its Cancel operation ends `canceled`, as does its target), a new Publish operation starts, and
   * the fault counters are forgotten — so the POST meets the scenario from its beginning. Returns
   * whether it started over.
   */
  restartDemo(offer: SimOffer, now = Date.now()): boolean {
    this.settle(offer, now);
    if (offer.operations.some((op) => op.status === 'running' && op.submissionType === 'Publish')) return false;
    for (const op of offer.operations) {
      if (op.status !== 'running' && op.status !== 'canceling') continue;
      op.status = 'canceled';
      op.lastActionMs = now;
    }
    this.add(offer, { id: randomUUID(), submissionType: 'Publish', now, notificationEmails: '' });
    offer.faults = undefined;
    return true;
  }

  /** Counts a GET of `operation` and lets it advance; returns the poll number (1 = first GET). */
  poll(offer: SimOffer, operation: SimOperation, now = Date.now()): number {
    operation.polls += 1;
    this.settle(offer, now);
    return operation.polls;
  }

  /** Every offer seen so far. */
  all(): SimOffer[] {
    return [...this.offers.values()];
  }

  clear(): void {
    this.offers.clear();
    this.byOperationId.clear();
  }

  /** Every offer and operation as plain data (a Cancel operation names its target by id), for a state file. */
  snapshot(): PersistedOffer[] {
    return this.all().map(({ faults: _faults, operations, ...offer }) => ({
      ...offer,
      operations: operations.map(({ cancel, ...op }) => ({ ...op, ...(cancel ? { cancel: { behaviour: cancel.behaviour, targetId: cancel.target.id } } : {}) })),
    }));
  }

  /**
   * Takes back offers a {@link snapshot} kept. Times are wall-clock milliseconds, so an operation that
   * completes some time after its POST does so across a restart as it would have without one.
   */
  restore(offers: PersistedOffer[]): void {
    this.clear();
    for (const saved of offers) {
      const offer: SimOffer = { publisherId: saved.publisherId, offerId: saved.offerId, postCount: saved.postCount, pollCount: saved.pollCount, operations: [] };
      const byId = new Map<string, SimOperation>();
      for (const { cancel: _cancel, ...op } of saved.operations) {
        const operation: SimOperation = { ...op };
        byId.set(op.id, operation);
        offer.operations.push(operation);
        this.byOperationId.set(op.id, { offer, operation });
      }
      for (const op of saved.operations) {
        const target = op.cancel && byId.get(op.cancel.targetId);
        if (op.cancel && target) byId.get(op.id)!.cancel = { behaviour: op.cancel.behaviour, target };
      }
      this.offers.set(offerKey(offer.publisherId, offer.offerId), offer);
    }
  }

  private add(
    offer: SimOffer,
    init: { id: string; submissionType: SimOperation['submissionType']; now: number; notificationEmails: string; cancel?: SimOperation['cancel'] },
  ): SimOperation {
    const operation: SimOperation = {
      id: init.id,
      sequence: offer.operations.length + 1,
      submissionType: init.submissionType,
      createdMs: init.now,
      lastActionMs: init.now,
      status: 'running',
      error: null,
      notificationEmails: init.notificationEmails,
      polls: 0,
      cancel: init.cancel,
    };
    offer.operations.push(operation);
    this.byOperationId.set(operation.id, { offer, operation });
    return operation;
  }

  /** Completes a running Cancel operation whose poll count or time has come. */
  private settle(offer: SimOffer, now: number): void {
    for (const op of offer.operations) {
      if (op.status !== 'running' || !op.cancel || !isDue(op, now)) continue;
      const { behaviour, target } = op.cancel;
      const outcome = behaviour.outcome ?? 'completed';
      op.status = outcome;
      op.lastActionMs = now;
      target.lastActionMs = now;
      if (outcome === 'failed') {
        op.error = behaviour.error ?? `The cancellation of operation ${target.id} failed.`;
        target.status = 'running';
      } else {
        target.status = 'canceled';
      }
    }
  }
}

/** Whether an accepted cancellation has reached its end (by polls, by time, or both: the first). */
function isDue(op: SimOperation, now: number): boolean {
  return progressFraction(op, now) >= 1;
}

/**
 * How far a Cancel operation has come, 0–1. Polls count when `completeAfterPolls` is set or no
 * `completeAfterMs` is (so a time-only scenario is not cut short by the default poll count).
 */
export function progressFraction(op: SimOperation, now: number): number {
  if (!op.cancel) return 0;
  if (op.status !== 'running') return 1;
  const { completeAfterPolls, completeAfterMs } = op.cancel.behaviour;
  let fraction = 0;
  if (completeAfterPolls !== undefined || completeAfterMs === undefined) {
    fraction = Math.max(fraction, op.polls / Math.max(1, completeAfterPolls ?? DEFAULT_COMPLETE_AFTER_POLLS));
  }
  if (completeAfterMs !== undefined) {
    fraction = Math.max(fraction, completeAfterMs <= 0 ? 1 : (now - op.createdMs) / completeAfterMs);
  }
  return Math.min(1, fraction);
}

/** The map key of an offer; JSON so that ids containing `/` cannot collide. */
export function offerKey(publisherId: string, offerId: string): string {
  return JSON.stringify([publisherId, offerId]);
}
