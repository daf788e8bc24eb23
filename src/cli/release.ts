/**
 * The CLI's batch mode: `npm start -- --offers offers.json --email … [--release-id …]
 * [--max-concurrent N] [--fail-fast] [--wait]` starts `cancelReleaseOffers` and, with `--wait`,
 * follows it (src/cli/follow-release.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { startReleaseCancellation } from '../client/start-release-cancellation';
import { describeTemporal, type TemporalConfig } from '../client/temporal-config';
import type { CancelReleaseInput, PollingOptions } from '../contract';
import { validateReleaseInput } from '../workflow-safe/release-input';
import { rowsLabel } from '../workflow-safe/release-rows';
import { followCommands } from './follow-commands';
import { followRelease } from './follow-release';

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
    // A release of jobs only needs no e-mail; one with a CPP offer is told so by the validation.
    ...(o.emails.length ? { notificationEmails: o.emails } : {}),
    ...(o.maxConcurrent !== undefined ? { maxConcurrent: o.maxConcurrent } : {}),
    ...(o.failFast ? { failFast: true } : {}),
    ...(Object.keys(o.polling).length ? { polling: o.polling } : {}),
    ...(o.notify.length ? { notify: o.notify.map((workflowId) => ({ workflowId })) } : {}),
  };
  const validation = validateReleaseInput(input);
  return { input, problems: validation.ok ? [] : validation.problems };
}

/** Starts the batch; with `wait`, follows it to the end. Exit code: 0 when every offer succeeded. */
export async function runRelease(client: Client, input: CancelReleaseInput, o: ReleaseCliOptions, config: TemporalConfig): Promise<number> {
  const handle = await startReleaseCancellation(client, input, { taskQueue: config.taskQueue, workflowId: o.workflowId });
  console.log(`release batch ${handle.workflowId} (${rowsLabel(input.offers)}) on ${describeTemporal(config)}`);
  if (!o.wait) {
    console.log('follow it:');
    for (const command of followCommands(config, handle.workflowId)) console.log(`  ${command}`);
    return 0;
  }
  return followRelease(handle, config);
}
