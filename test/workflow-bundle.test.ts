/**
 * The modules every workflow run shares (src/worker-process/workflow-bundle.ts): really shared by the worker, and
 * still working once the SDK has frozen their exports, run after run.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SHARED_WORKFLOW_MODULES } from '../src/worker-process/workflow-bundle';
import { sharedModulesProbe } from './workflows';
import { connectToTestServer, withWorker, type TemporalTestContext } from './helpers/temporal';

let ctx: TemporalTestContext;
beforeAll(async () => {
  ctx = await connectToTestServer();
});
afterAll(async () => {
  await ctx?.close();
});

const isZodSchema = (value: unknown) => typeof value === 'object' && value !== null && '_zod' in value;

describe('shared workflow modules', () => {
  it('export no zod schema objects (the SDK deep-freezes exports; zod writes inside a schema as it parses)', async () => {
    for (const modulePath of SHARED_WORKFLOW_MODULES) {
      const exported = (await import(modulePath)) as Record<string, unknown>;
      const schemas = Object.entries(exported).filter(([, value]) => isZodSchema(value)).map(([name]) => name);
      expect(schemas, `${modulePath} exports zod schemas`).toEqual([]);
    }
  });

  it('are preloaded by the bundle (webpack keeps the requires)', async () => {
    const code = await readFile(inject('workflowBundlePath'), 'utf8');
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(preload).toContain('"./src/workflow-safe/cancel-input.ts"');
  });

  it('are one instance for every run, and validate correctly in run after run', async () => {
    const valid = { publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'] };
    const results = await withWorker(ctx, {}, async (taskQueue) => {
      const runs = [valid, { ...valid, offerId: '..' }, valid, { ...valid, notify: [{ workflowId: '' }] }];
      const out: { inputModuleShared: boolean; problems: string[] }[] = [];
      for (const [i, raw] of runs.entries()) {
        out.push(await ctx.client.workflow.execute(sharedModulesProbe, { taskQueue, workflowId: `probe-${taskQueue}-${i}`, args: [raw] }));
      }
      return out;
    });
    expect(results).toEqual([
      { inputModuleShared: true, problems: [] },
      { inputModuleShared: true, problems: ['offerId: must not be "." or ".."'] },
      { inputModuleShared: true, problems: [] },
      { inputModuleShared: true, problems: ['notify.0.workflowId: must not be empty'] },
    ]);
  }, 60_000);
});
