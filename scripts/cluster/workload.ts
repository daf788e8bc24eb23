/**
 * The cluster test's cancellations: a fixed mix of simulator scenarios (200, 202 with polls, 400 / 403 /
 * 404, an operation that ends `failed`), what each must end with, and how an ending is judged.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { CancelOfferInput, CancelOfferResult } from '../../src/contract';
import type { OfferScenario } from '../../simulator/scenario';

export const PUBLISHER = 'cluster';

export type Kind = '200' | '202-polls' | '400' | '403' | '404' | 'operation-failed';

/** What a cancellation of a kind must end with: a completed run in this mode, or a run failed with this type. */
type Expected = { mode: 'synchronous' | 'asynchronous' } | { failure: string };

const EXPECTED: Record<Kind, Expected> = {
  '200': { mode: 'synchronous' },
  '202-polls': { mode: 'asynchronous' },
  '400': { failure: 'CppBadRequest' },
  '403': { failure: 'CppForbidden' },
  '404': { failure: 'CppNotFound' },
  'operation-failed': { failure: 'CancelOperationFailed' },
};

/** Out of every 20: 7 × 200, 7 × 202, one each of 400, 403, 404, 3 failed operations. */
export function kindOf(index: number): Kind {
  const slot = index % 20;
  if (slot < 7) return '200';
  if (slot < 14) return '202-polls';
  if (slot === 14) return '400';
  if (slot === 15) return '403';
  if (slot === 16) return '404';
  return 'operation-failed';
}

export function scenarioOf(kind: Kind, index: number): OfferScenario {
  switch (kind) {
    case '200':
      return { cancel: { mode: 'synchronous' } };
    case '202-polls':
      return { cancel: { mode: 'accepted', completeAfterPolls: 1 + (index % 3), locationForm: index % 2 === 0 ? 'migrated' : 'legacy' } };
    case '400':
    case '403':
    case '404':
      return { cancel: { mode: 'error', status: Number(kind) } };
    case 'operation-failed':
      return { cancel: { mode: 'accepted', completeAfterPolls: 2, outcome: 'failed', error: 'The cancel operation failed (simulated).' } };
  }
}

/** Short polling, so a run takes seconds rather than the production default's minutes. */
export function inputOf(offerId: string): CancelOfferInput {
  return {
    publisherId: PUBLISHER,
    offerId,
    notificationEmails: ['ops@contoso.com'],
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, backoffCoefficient: 2 },
  };
}

/** How a run ended, read through its handle's `result()`. */
export type Ending = { status: 'completed'; result: CancelOfferResult } | { status: 'failed'; failureType: string; message: string };

export function endingOf(outcome: { value: unknown } | { error: unknown }): Ending {
  if ('value' in outcome) return { status: 'completed', result: outcome.value as CancelOfferResult };
  const err = outcome.error;
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    return { status: 'failed', failureType: cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : (cause?.name ?? 'unknown'), message: cause?.message ?? err.message };
  }
  throw err;
}

/**
 * `scenario`: ended as the scenario says. A 4xx whose answer the worker never saw (killed, or its
 * report lost with the history service) is retried: the look-up finds the offer's operation still
 * running (the simulator leaves it so after a 4xx), the POST goes again and is refused again — the
 * scenario's ending, with two POSTs sent and none taking effect. `answer-lost`: the same where the
 * look-up finds nothing running, which the README's POST rule reads as "the earlier POST took effect":
 * completed, `confirmedByLookup` (not expected with this simulator; counted apart if it happens).
 * `wrong`: anything else.
 */
export function judge(kind: Kind, ending: Ending): 'scenario' | 'answer-lost' | 'wrong' {
  const expected = EXPECTED[kind];
  if ('failure' in expected) {
    if (ending.status === 'failed') return ending.failureType === expected.failure ? 'scenario' : 'wrong';
    return kind !== 'operation-failed' && ending.result.confirmedByLookup === true ? 'answer-lost' : 'wrong';
  }
  if (ending.status !== 'completed') return 'wrong';
  const { result } = ending;
  // A completed run is a successful cancellation (the result's `outcome` word is the contract's to name).
  if (result.mode !== expected.mode) return 'wrong';
  return expected.mode === 'synchronous' || result.operation.status === 'completed' ? 'scenario' : 'wrong';
}
