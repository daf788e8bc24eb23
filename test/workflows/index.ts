/**
 * The workflows the tests' workers register: the product's, the bench's one-activity baseline, plus
 * test-only callers that listen for completion signals or run the cancellation as a child.
 */
import { condition, createNexusServiceClient, defineSignal, setHandler } from '@temporalio/workflow';
import { offerCancellationService } from '../../src/contract/nexus-service';
import type { CancelJobInput, CancelJobProgress, CancelJobResult, CancelOfferInput, CancelOfferProgress, CancelOfferResult, CompletionSignalPayload } from '../../src/contract';
import { COMPLETION_SIGNAL_NAME, completionSignal } from '../../src/contract';
import { DEFAULT_POLLING, validateInput } from '../../src/workflow-safe/cancel-input';
import { executeOfferCancellation } from '../../src/workflows/child';

export * from '../../src/workflows';
export { helloWorkflow } from '../../bench/workflows/hello';

/** Waits for one completion signal (default name or `signalName`) and returns its payload. */
export async function completionListener(signalName: string = COMPLETION_SIGNAL_NAME): Promise<CompletionSignalPayload> {
  let received: CompletionSignalPayload | undefined;
  // The shared definition for the default name, as a release workflow would use it.
  const signal = signalName === COMPLETION_SIGNAL_NAME ? completionSignal : defineSignal<[CompletionSignalPayload]>(signalName);
  setHandler(signal, (payload) => {
    received = payload;
  });
  await condition(() => received !== undefined);
  return received as CompletionSignalPayload;
}

/** A release-orchestration stand-in: runs the cancellation as a child on `taskQueue`. */
export async function releaseParent(input: CancelOfferInput, taskQueue: string): Promise<CancelOfferResult> {
  return executeOfferCancellation(input, { taskQueue, workflowId: `child-of-${input.offerId}` });
}

/**
 * What a run sees of the shared (preloaded) modules: the SDK freezes a shared module's exports, so
 * a frozen DEFAULT_POLLING means this run uses the one instance of src/workflow-safe/cancel-input the worker preloaded.
 */
export async function sharedModulesProbe(raw: unknown): Promise<{ inputModuleShared: boolean; problems: string[] }> {
  const validation = validateInput(raw);
  return { inputModuleShared: Object.isFrozen(DEFAULT_POLLING), problems: validation.ok ? [] : validation.problems };
}

/** A caller in another namespace: cancels through the Nexus endpoint, then reads the progress the same way. */
export async function nexusCaller(endpoint: string, input: CancelOfferInput): Promise<{ result: CancelOfferResult; progress: CancelOfferProgress }> {
  const cancellation = createNexusServiceClient({ endpoint, service: offerCancellationService });
  const result = await cancellation.executeOperation('cancelOffer', input, { scheduleToCloseTimeout: '2 minutes' });
  const progress = await cancellation.executeOperation('getProgress', { publisherId: input.publisherId, offerId: input.offerId });
  return { result, progress };
}

/** The same for a Product Ingestion job: `cancelJob`, then `getJobProgress`. */
export async function nexusJobCaller(endpoint: string, input: CancelJobInput): Promise<{ result: CancelJobResult; progress: CancelJobProgress }> {
  const cancellation = createNexusServiceClient({ endpoint, service: offerCancellationService });
  const result = await cancellation.executeOperation('cancelJob', input, { scheduleToCloseTimeout: '2 minutes' });
  const progress = await cancellation.executeOperation('getJobProgress', { jobId: input.jobId });
  return { result, progress };
}
