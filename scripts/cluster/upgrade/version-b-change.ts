/**
 * The upgrade drill's "version B": the product's workflows plus this interceptor, a change that alters
 * history the way a real release's would — a `patched()` marker and a memo upsert at the start of
 * every run B executes. Guarded by the patch, as docs/operations.md asks of every history change: a
 * run that started on another version never reaches it (runs are PINNED), and if one ever replayed
 * here it would take the old path. The drill counts the memo to tell which version ran a run.
 */
import { patched, upsertMemo, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

const VERSION_B_PATCH = 'upgrade-drill-version-b';
export const VERSION_B_MEMO = 'upgradeDrill';

class VersionBChange implements WorkflowInboundCallsInterceptor {
  execute: NonNullable<WorkflowInboundCallsInterceptor['execute']> = (input, next) => {
    if (patched(VERSION_B_PATCH)) upsertMemo({ [VERSION_B_MEMO]: 'version B' });
    return next(input);
  };
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new VersionBChange()] });
