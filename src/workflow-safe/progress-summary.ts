/**
 * How a cancellation's progress reads for people: one line (the `progress` query's `summary`, the
 * CLI) and a few Markdown lines (the Temporal UI's current details). Pure and free of Node, so the
 * workflow and the CLI say the same thing.
 */
import type { CancelOfferProgressState, OperationView, CallRetry } from '../contract';
import type { NormalizedInput } from './cancel-input';
import type { OperationStep } from '../contract';

/** The step the operation is at: the first one not complete, else the last. */
function currentStep(operation: OperationView | undefined): OperationStep | undefined {
  const steps = operation?.steps ?? [];
  return steps.find((s) => !/^complete/i.test(s.status)) ?? steps.at(-1);
}

/** `HH:MM:SSZ` of an ISO time: the date is today's in every case that matters here. */
export const clock = (iso: string) => `${iso.slice(11, 19)}Z`;

/** Seconds as `16 s`, `3 min 5 s` or `24 h`. */
export function formatSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

/**
 * One line, e.g. `polling · asynchronous · 3 polls · 60 % · Certification 40 % · next poll in 16 s`.
 *
 * With `nowMs` (a caller with a clock: the CLI) the next poll is relative; without it (a workflow
 * query, which has no wall clock) it is the UTC time.
 */
export function progressSummary(p: CancelOfferProgressState, nowMs?: number): string {
  const parts: string[] = [p.phase];
  if (p.mode) parts.push(p.mode);
  parts.push(`${p.polls} poll${p.polls === 1 ? '' : 's'}`);
  const op = p.operation;
  if (op?.progressPercentage !== undefined) parts.push(`${op.progressPercentage} %`);
  const step = currentStep(op);
  if (step && p.phase === 'polling') parts.push(`${step.name} ${step.progressPercentage ?? 0} %`);
  if (p.phase === 'polling' && p.watchingUntil) parts.push(`watching until ${clock(p.watchingUntil)}`);
  else if (p.phase === 'polling' && p.nextPollAt) {
    parts.push(nowMs === undefined ? `next poll at ${clock(p.nextPollAt)}` : `next poll in ${formatSeconds((Date.parse(p.nextPollAt) - nowMs) / 1000)}`);
  }
  if (p.finishedAt) parts.push(`after ${formatSeconds((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000)}`);
  if (p.phase === 'workflowCanceled' && op) parts.push(`operation last seen ${op.rawStatus ?? op.status}, no longer polled`);
  if (p.lastError) parts.push(`${p.lastError.type}: ${oneLine(p.lastError.message, 160)}`);
  if (p.retry && !p.finishedAt) parts.push(describeRetry(p.retry, nowMs));
  return parts.join(' · ');
}

/** A few Markdown lines for the Temporal UI's current details of the run. */
export function progressDetails(p: CancelOfferProgressState): string {
  // A blank line after the heading line, or Markdown reads the list below as plain text.
  const lines = [`**${p.phase}**${p.mode ? ` · ${p.mode}` : ''} · ${p.polls} poll${p.polls === 1 ? '' : 's'}`, ''];
  if (p.publisherId && p.offerId) lines.push(`- Offer: \`${p.publisherId}/${p.offerId}\``);
  const op = p.operation;
  const stale = p.phase === 'workflowCanceled' ? ' (last seen; no longer polled)' : '';
  if (op) lines.push(`- Operation: ${op.rawStatus ?? op.status}${op.progressPercentage !== undefined ? ` · overall ${op.progressPercentage} %` : ''}${stale}`);
  const step = currentStep(op);
  if (step && !stale) lines.push(`- Step: ${step.name} (${step.status}, ${step.progressPercentage ?? 0} %)`);
  if (p.phase === 'polling' && p.watchingUntil) {
    lines.push(`- Watching: polls run inside one activity, which returns on any change of the operation, by ${clock(p.watchingUntil)} at the latest`);
  } else if (p.phase === 'polling' && p.nextPollAt) {
    // Relative to the last poll, not to "now": the details are read long after they were written.
    const after = p.lastPolledAt ? `, ${formatSeconds((Date.parse(p.nextPollAt) - Date.parse(p.lastPolledAt)) / 1000)} after the last poll` : '';
    lines.push(`- Next poll: ${clock(p.nextPollAt)}${after}`);
  }
  if (p.retry && !p.finishedAt) lines.push(`- R${describeRetry(p.retry).slice(1)}`);
  if (p.lastError) lines.push(`- Error: \`${p.lastError.type}\` ${oneLine(p.lastError.message, 300)}`);
  if (p.finishedAt) lines.push(`- Ended ${clock(p.finishedAt)}, after ${formatSeconds((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000)}`);
  return lines.join('\n');
}

/**
 * One line, e.g. `retrying cancel POST · attempt 3 · last error CppServerError HTTP 503: … · next attempt in 3 s`
 * (with `nowMs`; without it, `next attempt at 12:00:03Z`, as in {@link progressSummary}).
 */
export function describeRetry(retry: CallRetry, nowMs?: number): string {
  const parts = [`retrying ${retry.call}`, `attempt ${retry.attempt}`];
  const e = retry.lastError;
  if (e) parts.push(`last error ${e.type}${e.httpStatus !== undefined ? ` HTTP ${e.httpStatus}` : ''}: ${oneLine(e.message, 120)}`);
  const at = retry.nextAttemptAt ? Date.parse(retry.nextAttemptAt) : NaN;
  if (Number.isNaN(at)) parts.push('attempt running');
  else parts.push(nowMs === undefined ? `next attempt at ${clock(retry.nextAttemptAt as string)}` : `next attempt in ${Math.max(0, Math.ceil((at - nowMs) / 1000))} s`);
  return parts.join(' · ');
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The static summary every start path gives a run: what the Temporal UI's workflow list shows. */
export function startSummary(publisherId: string, offerId: string): string {
  return `Cancel operation on ${publisherId}/${offerId}`;
}

/** The static details every start path gives a run (Markdown, on the run page). */
export function startDetails(input: Pick<NormalizedInput, 'publisherId' | 'offerId' | 'notificationEmails' | 'polling'>): string {
  const emails = input.notificationEmails.length;
  return [
    `- Publisher: \`${input.publisherId}\``,
    `- Offer: \`${input.offerId}\``,
    `- Notification e-mails: ${emails}`,
    `- Deadline: ${formatSeconds(input.polling.timeoutSeconds)} after the start`,
  ].join('\n');
}
