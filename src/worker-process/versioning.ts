/**
 * Worker Deployment Versioning, when the environment asks for it: `TEMPORAL_DEPLOYMENT_NAME` turns it
 * on, `TEMPORAL_WORKER_BUILD_ID` names this build (the names the Temporal Worker Controller sets).
 * Without a build id, the workflow bundle's hash is the build id: the same workflow code is the same
 * version on every replica, and a change to it is a new version. Without a deployment name the worker
 * runs unversioned, as before (the dev stack needs nothing new).
 *
 * Every workflow is PINNED: a run stays on the code that started it, so a deploy never replays a
 * history on code that did not write it. Runs that poll for long leave their version at their next
 * continue-as-new once another version is current (upgrade on continue-as-new, src/workflows/versioning.ts).
 * docs/operations.md ("Deploying a new worker version") says why and gives the operator's commands.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { WorkerDeploymentOptions } from '@temporalio/worker';

/** What the server accepts as a deployment name (no `.`, no `:`, not `__…`) and a build id (not `__…`), at most 127 characters. */
const deploymentName = z
  .string()
  .trim()
  .regex(/^(?!__)[^.:\s]{1,127}$/, { error: 'must be 1-127 characters without ".", ":" or spaces, not starting with "__", e.g. cpp-offer-cancellation' });
const buildId = z
  .string()
  .trim()
  .regex(/^(?!__)\S{1,127}$/, { error: 'must be 1-127 characters without spaces, not starting with "__", e.g. 2026-12-04.1 or a commit hash' });

/** The variables, for the worker's environment schema. */
export const versioningSchema = z.object({
  TEMPORAL_DEPLOYMENT_NAME: deploymentName.optional(),
  TEMPORAL_WORKER_BUILD_ID: buildId.optional(),
});

export interface VersioningConfig {
  deploymentName: string;
  /** Absent: the workflow bundle's hash ({@link bundleBuildId}). */
  buildId?: string;
}

/** The versioning asked for, or a problem line when a build id comes without a deployment name. */
export function versioningOf(raw: z.output<typeof versioningSchema>): { versioning?: VersioningConfig } | { problem: string } {
  if (!raw.TEMPORAL_DEPLOYMENT_NAME) {
    return raw.TEMPORAL_WORKER_BUILD_ID ? { problem: 'TEMPORAL_WORKER_BUILD_ID: set TEMPORAL_DEPLOYMENT_NAME too (versioning needs both; the build id alone does nothing)' } : {};
  }
  return { versioning: { deploymentName: raw.TEMPORAL_DEPLOYMENT_NAME, ...(raw.TEMPORAL_WORKER_BUILD_ID ? { buildId: raw.TEMPORAL_WORKER_BUILD_ID } : {}) } };
}

/** `bundle-` and the first 12 hex digits of the bundle's SHA-256: changes exactly when the workflow code does. */
export function bundleBuildId(workflowCode: string): string {
  return `bundle-${createHash('sha256').update(workflowCode).digest('hex').slice(0, 12)}`;
}

/** The Worker's deployment options: this version, every workflow PINNED. */
export function workerDeploymentOptions(versioning: VersioningConfig, workflowCode: string): WorkerDeploymentOptions {
  return {
    useWorkerVersioning: true,
    version: { deploymentName: versioning.deploymentName, buildId: versioning.buildId ?? bundleBuildId(workflowCode) },
    defaultVersioningBehavior: 'PINNED',
  };
}
