/**
 * Upgrade on continue-as-new. A versioned worker runs every workflow PINNED (src/worker-process/versioning.ts):
 * a run stays on the version that started it. A cancellation that polls for a day would then keep its
 * old version alive all day; instead, once another version is the target (made Current, or Ramping
 * for this run), the run continues as new at its next poll, and the new run starts on the target.
 * Unversioned workers never see the flag set, so their histories are unchanged.
 */
import { continueAsNew, makeContinueAsNewFunc, workflowInfo, type Workflow } from '@temporalio/workflow';

/** Another version is this run's target: time to continue as new onto it. */
export function targetVersionChanged(): boolean {
  return workflowInfo().targetWorkerDeploymentVersionChanged === true;
}

/** `continueAsNew`, onto the target version when it changed (else on this run's version, as always). */
export function continueAsNewOntoTarget<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  if (!targetVersionChanged()) return continueAsNew<F>(...args);
  return makeContinueAsNewFunc<F>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(...args);
}
