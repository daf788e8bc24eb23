/**
 * Starts ONE real Temporal dev server for the whole run and bundles the workflow code once.
 * Tests read the address and bundle path through `inject` (see test/helpers/temporal.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startDevServer, type RunningDevServer } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { WORKFLOW_BUNDLE_OPTIONS } from '../src/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
  }
}

let server: RunningDevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const cacheDir = path.join(PROJECT_ROOT, 'test', '.cache');
  await mkdir(cacheDir, { recursive: true });
  const [running, bundle] = await Promise.all([
    startDevServer({ logFile: path.join(cacheDir, 'temporal-dev-server.log'), log: (l) => console.log(l) }),
    bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, workflowsPath: path.join(PROJECT_ROOT, 'test', 'workflows', 'index.ts'), logger: quietLogger }),
  ]);
  server = running;
  console.log(`[global-setup] Temporal dev server at ${running.address} from ${running.describe}`);
  const bundlePath = path.join(cacheDir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  project.provide('temporalAddress', running.address);
  project.provide('temporalNamespace', running.namespace);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
