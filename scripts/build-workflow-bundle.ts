/**
 * Prebuilds the workflow bundle, so a worker started with `WORKFLOW_BUNDLE_PATH` skips bundling at
 * start-up (seconds of CPU on every container start). Used by the Dockerfile:
 *
 *   npx tsx scripts/build-workflow-bundle.ts [out-file] [--otel]   (default dist/workflow-bundle.js)
 *
 * `--otel` adds the OpenTelemetry workflow interceptors, so a worker with tracing on (`OTEL_*`) also
 * emits workflow spans; without it only activity and HTTP spans appear (the worker warns).
 * The bundle holds the workflow code of `src/workflows` as it is when built: rebuild it with the code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { WORKFLOW_BUNDLE_OPTIONS } from '../src/workflow-bundle';

/** Where the Dockerfile puts it, next to the compiled worker. */
export const DEFAULT_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

export interface BuildWorkflowBundleOptions {
  /** @default dist/workflow-bundle.js */
  outFile?: string;
  /** The module exporting the workflows to bundle (tests and bench add their own). @default src/workflows/index.ts */
  workflowsPath?: string;
  /** Include the OpenTelemetry workflow interceptors (workflow spans when tracing is on). @default false */
  openTelemetry?: boolean;
  /** Webpack's warnings and errors still print; progress chatter does not unless true. @default false */
  verbose?: boolean;
}

/** Bundles `src/workflows` (or `workflowsPath`) and writes it; returns the file written and its size in bytes. */
export async function buildWorkflowBundle(options: BuildWorkflowBundleOptions = {}): Promise<{ outFile: string; bytes: number }> {
  const outFile = path.resolve(options.outFile ?? DEFAULT_BUNDLE_PATH);
  const noop = () => undefined;
  const logger = options.verbose
    ? undefined
    : { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    workflowsPath: options.workflowsPath ?? path.join(PROJECT_ROOT, 'src', 'workflows', 'index.ts'),
    workflowInterceptorModules: options.openTelemetry ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [],
    logger,
  });
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return { outFile, bytes: Buffer.byteLength(code) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const openTelemetry = args.includes('--otel');
  const outFile = args.find((a) => !a.startsWith('--'));
  const built = await buildWorkflowBundle({ outFile, openTelemetry, verbose: process.env.LOG_LEVEL === 'DEBUG' });
  console.log(`workflow bundle: ${path.relative(process.cwd(), built.outFile) || built.outFile} (${Math.round(built.bytes / 1024)} KiB${openTelemetry ? ', with OpenTelemetry interceptors' : ''})`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
