/**
 * How workflow code is bundled, the same wherever a bundle is made: the worker (from source), the
 * prebuilt bundle (`scripts/build-workflow-bundle.ts`, the Dockerfile), the tests and the benchmark.
 *
 * The worker runs every workflow in one reusable V8 context and evaluates each bundled module once
 * per workflow run, except the modules preloaded here, which are evaluated once and shared by all runs.
 * Input validation (zod and our schemas: many closures per module evaluation) would otherwise be rebuilt for every
 * cached run and every replay, and make most of their heap and garbage; shared, it is paid once per
 * worker (the measurements are in docs/benchmark.md).
 *
 * What makes sharing safe: these modules keep no per-run state, and the SDK deep-freezes what a
 * shared module exports, so they export functions and plain data, never zod schema objects (zod
 * writes inside a schema as it parses: a frozen one throws). Sharing changes no history.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';

/** Modules shared between workflow runs (with what they import: validation, contract, zod). */
export const SHARED_WORKFLOW_MODULES = [path.join(__dirname, '..', 'workflow-safe', 'cancel-input')];

/** Bundler options every workflow bundle is built with. */
export const WORKFLOW_BUNDLE_OPTIONS = { preloadModules: SHARED_WORKFLOW_MODULES } satisfies Partial<BundleOptions>;

/** The workflows the worker registers (src/workflows/index.ts, or its compiled twin). */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');

export interface BuildWorkflowBundleOptions {
  outFile: string;
  /** The module exporting the workflows to bundle (tests and bench add their own). @default {@link WORKFLOWS_PATH} */
  workflowsPath?: string;
  /** Include the OpenTelemetry workflow interceptors (workflow spans when tracing is on). @default false */
  openTelemetry?: boolean;
  /** Webpack's warnings and errors still print; progress chatter does not unless true. @default false */
  verbose?: boolean;
  /** More workflow interceptor modules (the cluster's upgrade drill builds its "version B" so). @default [] */
  interceptorModules?: string[];
}

/** Bundles the workflows and writes the bundle; returns the file written and its size in bytes. */
export async function buildWorkflowBundle(options: BuildWorkflowBundleOptions): Promise<{ outFile: string; bytes: number; code: string }> {
  const outFile = path.resolve(options.outFile);
  const noop = () => undefined;
  const logger = options.verbose ? undefined : { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH,
    workflowInterceptorModules: [...(options.openTelemetry ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : []), ...(options.interceptorModules ?? [])],
    logger,
  });
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return { outFile, bytes: Buffer.byteLength(code), code };
}
