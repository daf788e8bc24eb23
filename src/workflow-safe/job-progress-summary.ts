/**
 * How a Product Ingestion job's cancellation reads for people: one line (its `progress` query's
 * `summary`, the CLI) and a few Markdown lines (the Temporal UI's current details). Pure, as
 * progress-summary.ts is for an offer's.
 */
import type { CancelJobProgressState, JobView } from '../contract';
import type { NormalizedJobInput } from './job-input';
import { clock, describeRetry, formatSeconds, oneLine } from './progress-summary';

/** `job running`, `job completed: cancelled`. */
function jobState(job: JobView): string {
  return job.status === 'completed' ? `job completed: ${job.result}` : `job ${job.rawStatus ?? job.status}`;
}

/** One line, e.g. `polling · asynchronous · job running · 2 polls · next poll at 12:01:00Z`. */
export function jobProgressSummary(p: CancelJobProgressState, nowMs?: number): string {
  const parts: string[] = [p.phase];
  if (p.mode) parts.push(p.mode);
  if (p.job) parts.push(jobState(p.job));
  parts.push(`${p.polls} poll${p.polls === 1 ? '' : 's'}`);
  if (p.phase === 'polling' && p.nextPollAt) {
    parts.push(nowMs === undefined ? `next poll at ${clock(p.nextPollAt)}` : `next poll in ${formatSeconds((Date.parse(p.nextPollAt) - nowMs) / 1000)}`);
  }
  if (p.finishedAt) parts.push(`after ${formatSeconds((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000)}`);
  if (p.phase === 'workflowCanceled' && p.job) parts.push(`job last seen ${p.job.status}, no longer polled`);
  if (p.lastError) parts.push(`${p.lastError.type}: ${oneLine(p.lastError.message, 160)}`);
  if (p.retry && !p.finishedAt) parts.push(describeRetry(p.retry, nowMs));
  return parts.join(' · ');
}

/** A few Markdown lines for the Temporal UI's current details of the run. */
export function jobProgressDetails(p: CancelJobProgressState): string {
  const lines = [`**${p.phase}**${p.mode ? ` · ${p.mode}` : ''} · ${p.polls} poll${p.polls === 1 ? '' : 's'}`, ''];
  if (p.jobId) lines.push(`- Job: \`${p.jobId}\``);
  if (p.job) lines.push(`- Status: ${jobState(p.job)}${p.job.errors.length ? ` · ${p.job.errors.length} error${p.job.errors.length === 1 ? '' : 's'}` : ''}`);
  if (p.phase === 'polling' && p.nextPollAt) lines.push(`- Next poll: ${clock(p.nextPollAt)}`);
  if (p.retry && !p.finishedAt) lines.push(`- R${describeRetry(p.retry).slice(1)}`);
  if (p.lastError) lines.push(`- Error: \`${p.lastError.type}\` ${oneLine(p.lastError.message, 300)}`);
  if (p.finishedAt) lines.push(`- Ended ${clock(p.finishedAt)}, after ${formatSeconds((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000)}`);
  return lines.join('\n');
}

/** The static summary every start path gives a job's run: what the Temporal UI's workflow list shows. */
export function jobStartSummary(jobId: string): string {
  return `Cancel configure job ${jobId}`;
}

/** The static details every start path gives a job's run (Markdown, on the run page). */
export function jobStartDetails(input: Pick<NormalizedJobInput, 'jobId' | 'version' | 'polling'>): string {
  return [`- Job: \`${input.jobId}\``, `- API: Product Ingestion, \`$version\` ${input.version}`, `- Deadline: ${formatSeconds(input.polling.timeoutSeconds)} after the start`].join('\n');
}
