/**
 * A versioned worker whose version is neither Current nor Ramping gets no work: the server keeps
 * routing to the version that is. That is right while a new version waits to be ramped, and a silent
 * stall when an operator forgot the step, so the worker says which, once, shortly after it starts
 * polling (the server knows a version only once its workers have polled).
 */
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';

export interface VersionRoutingTarget {
  namespace: string;
  deploymentName: string;
  buildId: string;
}

/** What the server routes to this version now: `current`, `ramping` (with its percentage) or `none`. */
export async function versionRouting(connection: NativeConnection, target: VersionRoutingTarget): Promise<{ role: 'current' | 'none' } | { role: 'ramping'; percentage: number }> {
  try {
    const { workerDeploymentInfo } = await connection.workflowService.describeWorkerDeployment({ namespace: target.namespace, deploymentName: target.deploymentName });
    const routing = workerDeploymentInfo?.routingConfig;
    if (routing?.currentDeploymentVersion?.buildId === target.buildId) return { role: 'current' };
    if (routing?.rampingDeploymentVersion?.buildId === target.buildId) return { role: 'ramping', percentage: routing.rampingVersionPercentage ?? 0 };
  } catch {
    // No such deployment yet (its first version has not polled long enough): nothing routes to it either.
  }
  return { role: 'none' };
}

/** Logs, `afterMs` after the start, whether this version gets work, and the command that would give it some. */
export function noteVersionRouting(connection: NativeConnection, target: VersionRoutingTarget, logger: Logger, afterMs = 10_000): { stop(): void } {
  const timer = setTimeout(() => {
    void versionRouting(connection, target).then((routing) => {
      const version = `${target.deploymentName}:${target.buildId}`;
      if (routing.role === 'current') logger.info(`version ${version} is Current: new cancellations start on it`, { sdkComponent: 'worker' });
      else if (routing.role === 'ramping') logger.info(`version ${version} is Ramping at ${routing.percentage} %`, { sdkComponent: 'worker' });
      else
        logger.warn(
          `version ${version} is neither Current nor Ramping: its workers get no work until it is made so — temporal worker deployment set-current-version --deployment-name ${target.deploymentName} --build-id ${target.buildId} --yes (docs/operations.md, Deploying a new worker version)`,
          { sdkComponent: 'worker' },
        );
    }, () => undefined);
  }, afterMs);
  timer.unref();
  return { stop: () => clearTimeout(timer) };
}
