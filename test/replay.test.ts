/**
 * Replay safety: every recorded history (scripts/record-histories.ts → test/fixtures/histories)
 * replays against the current workflow code without a nondeterminism error. A change to the
 * workflow that would break running executions fails here; guard it with `patched()`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { WORKFLOW_BUNDLE_OPTIONS } from '../src/worker-process/workflow-bundle';
import { PATCHES } from '../src/workflows/patches';

const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/** The main paths the fixtures must cover (file names without `.json`). */
const REQUIRED = [
  'sync-200',
  'async-202-migrated-location',
  'async-202-legacy-location',
  'failed-cpp-bad-request',
  'failed-cpp-forbidden',
  'failed-cpp-not-found',
  'failed-cancel-operation-failed',
  'failed-polling-deadline-exceeded',
  'failed-operation-mismatch',
  'failed-invalid-input',
  'workflow-cancelled',
  'continue-as-new-first-run',
  'continue-as-new-last-run',
  'retried-poll-notices',
  'update-with-start-202',
  'release-batch',
  'continue-as-new-kept-wait-last-run',
  'local-post-sync-200',
  'local-post-async-202',
  'local-post-failed-cpp-bad-request',
  'local-post-retry-503-then-200',
  'ill-formed-offer-id',
  'ill-formed-offer-id-before-rule',
  'job-cancelled-at-once',
  'job-cancel-accepted',
  'job-cancel-refused',
  'job-ended-before-cancel',
  'job-retry-503-then-cancelled',
  'job-invalid-input',
  'job-continue-as-new-first-run',
  'job-continue-as-new-last-run',
  'release-batch-mixed',
];

/** Reads a fixture written by `historyFileText` (protobufjs object form). */
async function loadHistory(file: string): Promise<temporal.api.history.v1.History> {
  const json = JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as Record<string, unknown>;
  return temporal.api.history.v1.History.fromObject(json);
}

describe('replay of recorded histories', () => {
  it('docs/operations.md names exactly the patches the workflows use', async () => {
    const doc = await readFile(path.join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
    const listed = /The patches in use[^:]*:([^.]*)/.exec(doc.replace(/\s+/g, ' '))?.[1] ?? '';
    expect([...listed.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]).sort()).toEqual(Object.values(PATCHES).sort());
  });

  it('holds no path of the machine that recorded it (record-histories strips the checkout; a copied history kept it)', async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json'));
    const absolute = /(?:\/(?:work|tmp|home|root|Users)\/|[A-Z]:\\\\)/;
    const withPaths: string[] = [];
    for (const file of files) if (absolute.test(await readFile(path.join(HISTORIES_DIR, file), 'utf8'))) withPaths.push(file);
    expect(withPaths).toEqual([]);
  });

  it('covers every main path', async () => {
    const names = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('replays every history against src/workflows without a nondeterminism error', async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
    const histories = await Promise.all(files.map(async (f) => ({ workflowId: f.slice(0, -'.json'.length), history: await loadHistory(f) })));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: path.join(PROJECT_ROOT, 'src', 'workflows', 'index.ts'), bundlerOptions: WORKFLOW_BUNDLE_OPTIONS }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 120_000);
});
