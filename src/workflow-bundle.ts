/**
 * How workflow code is bundled, the same wherever a bundle is made: the worker (from source), the
 * prebuilt bundle script, the tests and the benchmark.
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
import path from 'node:path';
import type { BundleOptions } from '@temporalio/worker';

/** Modules shared between workflow runs (with what they import: validation, contract, zod). */
export const SHARED_WORKFLOW_MODULES = [path.join(__dirname, 'input')];

/** Bundler options every workflow bundle is built with. */
export const WORKFLOW_BUNDLE_OPTIONS = { preloadModules: SHARED_WORKFLOW_MODULES } satisfies Partial<BundleOptions>;
