/**
 * The CLI's batch mode: `npm start -- --offers offers.json --email … [--release-id …]
 * [--max-concurrent N] [--fail-fast] [--wait]` starts `cancelReleaseOffers` and, with `--wait`,
 * prints each change of its summary and every offer's outcome at the end.
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { releaseProgressQuery, type CancelReleaseInput, type PollingOptions, type ReleaseOfferRow, type ReleaseResult } from '../contract';
import { validateReleaseInput } from '../workflow-safe/release-input';
import { startReleaseCancellation, type ReleaseCancellationHandle } from '../client/start-release-cancellation';

export interface ReleaseCliOptions {
  offers: string;
  releaseId?: string;
  maxConcurrent?: number;
  failFast?: boolean;
  emails: string[];
  polling: Partial<PollingOptions>;
  notify: string[];
  workflowId?: string;
  wait?: boolean;
}

/** Reads the offers file: a JSON array of {publisherId, offerId, expectedOperationId?}, or an object with `offers`. */
async function readOffersFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`--offers ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`--offers ${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return Array.isArray(parsed) ? parsed : (parsed as { offers?: unknown } | null)?.offers;
}

/** The batch's input from the flags and the file; its problems in one list (empty when none). */
export async function releaseInputFromCli(o: ReleaseCliOptions): Promise<{ input: CancelReleaseInput; problems: string[] }> {
  const input = {
    ...(o.releaseId ? { releaseId: o.releaseId } : {}),
    offers: (await readOffersFile(o.offers)) as CancelReleaseInput['offers'],
    notificationEmails: o.emails,
    ...(o.maxConcurrent !== undefined ? { maxConcurrent: o.maxConcurrent } : {}),
    ...(o.failFast ? { failFast: true } : {}),
    ...(Object.keys(o.polling).length ? { polling: o.polling } : {}),
    ...(o.notify.length ? { notify: o.notify.map((workflowId) => ({ workflowId })) } : {}),
  };
  const validation = validateReleaseInput(input);
  return { input, problems: validation.ok ? [] : validation.problems };
}

/** `contoso/contoso-offer: failed CppBadRequest: …` */
function describeRow(row: ReleaseOfferRow): string {
  const detail = row.failure ? ` ${row.failure.type}: ${row.failure.message}` : row.mode ? ` (${row.mode})` : '';
  return `${row.publisherId}/${row.offerId}: ${row.phase}${row.attached ? ' (attached to the run already going)' : ''}${detail}`;
}

/** Starts the batch; with `wait`, follows it to the end. Exit code: 0 when every offer succeeded. */
export async function runRelease(client: Client, input: CancelReleaseInput, o: ReleaseCliOptions, taskQueue: string, where: string): Promise<number> {
  const handle = await startReleaseCancellation(client, input, { taskQueue, workflowId: o.workflowId });
  console.log(`release batch ${handle.workflowId} (${input.offers.length} offers) on ${where}`);
  if (!o.wait) {
    console.log('follow it:');
    console.log(`  npm run temporal -- workflow query --workflow-id ${handle.workflowId} --name progress`);
    return 0;
  }
  return follow(handle);
}

async function follow(handle: ReleaseCancellationHandle): Promise<number> {
  let last = '';
  const ticker = setInterval(() => {
    handle.query(releaseProgressQuery).then(
      (p) => {
        if (p.summary !== last) console.log(`  ${p.summary}`);
        last = p.summary;
      },
      () => undefined,
    );
  }, 1000);
  let result: ReleaseResult;
  try {
    result = await handle.result();
  } finally {
    clearInterval(ticker);
  }
  for (const row of result.offers) console.log(`  ${describeRow(row)}`);
  console.log(`${result.outcome}: ${result.counts.succeeded} of ${result.offers.length} offers cancelled`);
  return result.outcome === 'succeeded' ? 0 : 1;
}
