/**
 * The typed way for code to start a cancellation: validates the input first (same rules as the
 * workflow), uses the default workflow id so a second start attaches to the running one, and
 * labels the run with its search attributes up front.
 */
import {
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithStartDetails,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  cancelPhaseSearchAttribute,
  cppAnswerUpdate,
  DEFAULT_TASK_QUEUE,
  defaultWorkflowId,
  offerIdSearchAttribute,
  publisherIdSearchAttribute,
  subscribeSignal,
  WORKFLOW_TYPE,
  type CancelOfferInput,
  type CppAnswer,
} from '../contract';
import { validateInput, type NormalizedInput } from '../workflow-safe/cancel-input';
import { startDetails, startSummary } from '../workflow-safe/progress-summary';
import type { cancelOfferOperation } from '../workflows/cancel-offer-operation';

/** The started run; `eagerlyStarted` says whether the server took up `eager`. */
export type OfferCancellationHandle = WorkflowHandleWithStartDetails<typeof cancelOfferOperation>;

export interface StartOfferCancellationOptions {
  /** @default 'cpp-offer-cancellation' */
  taskQueue?: string;
  /** @default `cpp-cancel/<publisherId>/<offerId>` */
  workflowId?: string;
  /**
   * `started` (default): return once the run is started (or attached to). `accepted`: return once
   * CPP has answered the cancel POST, in the same call (Update-with-Start), with how it answered;
   * a refusal (400/403/404, …) throws its typed `ApplicationFailure`.
   */
  waitFor?: 'started' | 'accepted';
  /**
   * Eager Workflow Start: the server hands the run's first workflow task (with the POST in it) straight
   * back to a worker of this process instead of through the task queue. Only when `client` is built
   * on the connection of a cancellation worker running here (`new Client({ connection: worker.connection })`);
   * with any other client the SDK refuses the start. Measured in docs/benchmark.md (median start to
   * result 66 → 40 ms). The server falls back to a normal start when that worker has no free slot.
   * Not with `waitFor: 'accepted'`: the server does not start Update-with-Start eagerly.
   * @default false
   */
  eager?: boolean;
}

/** What `waitFor: 'accepted'` returns: the run, and how CPP answered its POST. */
export interface AcceptedCancellation {
  handle: WorkflowHandle<typeof cancelOfferOperation>;
  answer: CppAnswer;
}

/** Raised before anything is started when the input would fail the workflow's own validation. */
export class InvalidCancellationInputError extends Error {
  readonly code = 'InvalidInput';
  constructor(readonly problems: string[]) {
    super(`invalid input: ${problems.join('; ')}`);
    this.name = 'InvalidCancellationInputError';
  }
}

/** The start options every path uses: the default id attaches to a running cancellation; labels and UI summary up front. */
export function startOptions(input: CancelOfferInput, normalized: NormalizedInput, options: StartOfferCancellationOptions) {
  const { publisherId, offerId } = normalized;
  return {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? defaultWorkflowId(publisherId, offerId),
    args: [input] as [CancelOfferInput],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    ...(options.eager ? { requestEagerStart: true } : {}),
    staticSummary: startSummary(publisherId, offerId),
    staticDetails: startDetails(normalized),
    typedSearchAttributes: [
      { key: publisherIdSearchAttribute, value: publisherId },
      { key: offerIdSearchAttribute, value: offerId },
      { key: cancelPhaseSearchAttribute, value: 'requesting' },
    ],
  } satisfies WorkflowStartOptions<typeof cancelOfferOperation>;
}

/**
 * Starts a cancellation, or attaches to the one already running for the same workflow id.
 * Notify targets in the input are also sent as `subscribe` signals, so an attaching caller is told too.
 * With `waitFor: 'accepted'`, returns once CPP has answered the POST (see {@link AcceptedCancellation}).
 */
export async function startOfferCancellation(client: Client, input: CancelOfferInput, options?: StartOfferCancellationOptions & { waitFor?: 'started' }): Promise<OfferCancellationHandle>;
export async function startOfferCancellation(
  client: Client,
  input: CancelOfferInput,
  options: StartOfferCancellationOptions & { waitFor: 'accepted'; eager?: false },
): Promise<AcceptedCancellation>;
export async function startOfferCancellation(
  client: Client,
  input: CancelOfferInput,
  options: StartOfferCancellationOptions = {},
): Promise<OfferCancellationHandle | AcceptedCancellation> {
  const validation = validateInput(input);
  if (!validation.ok) throw new InvalidCancellationInputError(validation.problems);
  const start = startOptions(input, validation.input, options);
  if (options.waitFor === 'accepted') {
    // The server answers "RequestEagerExecution is not supported." only after the round trip; say why here.
    if (options.eager) throw new TypeError("eager: true works with waitFor: 'started' only; the server does not start Update-with-Start eagerly");
    const operation = new WithStartWorkflowOperation<typeof cancelOfferOperation>(WORKFLOW_TYPE, start);
    let answer: CppAnswer;
    try {
      answer = await client.workflow.executeUpdateWithStart(cppAnswerUpdate, { startWorkflowOperation: operation });
    } catch (err) {
      // The run's own typed failure (CppBadRequest, …), not the update's wrapper.
      throw err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause : err;
    }
    const handle = await operation.workflowHandle();
    for (const target of validation.input.notify) await handle.signal(subscribeSignal, target);
    return { handle, answer };
  }
  const handle = await client.workflow.start<typeof cancelOfferOperation>(WORKFLOW_TYPE, start);
  for (const target of validation.input.notify) await handle.signal(subscribeSignal, target);
  return handle;
}
