/**
 * Starts ONE real Temporal dev server for the whole run and bundles the workflow code once (the
 * harness's stack, both at the same time). Tests read the address and bundle path through `inject`
 * (see test/helpers/temporal.ts).
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { startStack } from '../harness/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
  }
}

let stopStack: (() => Promise<void>) | undefined;

export async function setup(project: TestProject): Promise<void> {
  const cacheDir = path.join(PROJECT_ROOT, 'test', '.cache');
  const stack = await startStack({
    temporal: { logFile: path.join(cacheDir, 'temporal-dev-server.log'), log: (l) => console.log(l) },
    workflowBundle: { workflowsPath: path.join(PROJECT_ROOT, 'test', 'workflows', 'index.ts'), outFile: path.join(cacheDir, 'workflow-bundle.js') },
  });
  stopStack = () => stack.stop();
  console.log(`[global-setup] Temporal dev server at ${stack.temporal.address} from ${stack.devServer.describe}`);
  project.provide('temporalAddress', stack.temporal.address);
  project.provide('temporalNamespace', stack.temporal.namespace);
  project.provide('workflowBundlePath', stack.workflowBundlePath);
}

export async function teardown(): Promise<void> {
  await stopStack?.();
}
