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
import path from 'node:path';
import { buildWorkflowBundle } from '../src/worker-process/workflow-bundle';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const openTelemetry = args.includes('--otel');
  const outFile = args.find((a) => !a.startsWith('--')) ?? path.join('dist', 'workflow-bundle.js');
  const built = await buildWorkflowBundle({ outFile, openTelemetry, verbose: process.env.LOG_LEVEL === 'DEBUG' });
  console.log(`workflow bundle: ${path.relative(process.cwd(), built.outFile) || built.outFile} (${Math.round(built.bytes / 1024)} KiB${openTelemetry ? ', with OpenTelemetry interceptors' : ''})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
