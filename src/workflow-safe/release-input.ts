/**
 * Validation of the batch's input (`cancelReleaseOffers`), with the same value rules as one
 * cancellation's. Runs inside workflow code and in the typed starter and CLI, so every starter is
 * refused the same way, with one message naming every problem.
 */
import { z } from 'zod';
import { MAX_RELEASE_OFFERS, type NotifyTarget, type PollingOptions, type ReleaseOffer } from '../contract';
import { type ReleaseContinuation } from '../contract/internal';
import { DEFAULT_POLLING, inputSchemaParts, type ValidationOptions } from './cancel-input';
import { describeIssues, illFormedUnicodeProblems, valueSchemas } from './value-rules';

export const DEFAULT_MAX_CONCURRENT = 5;
const MAX_CONCURRENT = 100;

const { identifier, notificationEmails } = valueSchemas();
const { polling, notify } = inputSchemaParts();

const offerSchema = z.strictObject(
  { publisherId: identifier, offerId: identifier, expectedOperationId: identifier.optional() },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object like {"publisherId":"contoso","offerId":"contoso-offer"}' : undefined) },
);

/**
 * Each offer once: a second mention of the same publisher/offer names the first. Read from the raw
 * input, so duplicates are named even when other offers are malformed.
 */
function duplicateProblems(raw: unknown): string[] {
  const offers = (raw as { offers?: unknown } | null)?.offers;
  if (!Array.isArray(offers)) return [];
  const first = new Map<string, number>();
  const problems: string[] = [];
  offers.forEach((offer: unknown, i) => {
    const { publisherId, offerId } = (offer ?? {}) as Partial<ReleaseOffer>;
    if (typeof publisherId !== 'string' || typeof offerId !== 'string') return;
    const key = `${publisherId}/${offerId}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else problems.push(`offers.${i}: repeats offers.${seen} (${key}); each offer may appear once`);
  });
  return problems;
}

function isReleaseContinuation(v: unknown): v is ReleaseContinuation {
  const c = v as Partial<ReleaseContinuation> | null;
  return typeof c === 'object' && c !== null && typeof c.startedAt === 'string' && Array.isArray(c.rows) && Number.isFinite(c.continuedAsNew);
}

const releaseSchema = z.strictObject(
  {
    releaseId: identifier.optional(),
    offers: z
      .array(offerSchema, { error: 'must be an array of {publisherId, offerId, expectedOperationId?}' })
      .min(1, { error: 'must name at least one offer' })
      .max(MAX_RELEASE_OFFERS, { error: `must name at most ${MAX_RELEASE_OFFERS} offers; split the release into batches` }),
    notificationEmails,
    maxConcurrent: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(MAX_CONCURRENT, { error: `must be at most ${MAX_CONCURRENT}` }).optional(),
    polling: polling.optional(),
    failFast: z.boolean({ error: 'must be true or false' }).optional(),
    notify: notify.optional(),
    continuation: z.custom<ReleaseContinuation>(isReleaseContinuation, { error: 'is internal to the workflow and must not be set by callers' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be one JSON object like {"offers":[{"publisherId":"contoso","offerId":"contoso-offer"}],"notificationEmails":["jondoe@contoso.com"]}'
        : undefined,
  },
);

export interface NormalizedReleaseInput {
  releaseId?: string;
  offers: ReleaseOffer[];
  notificationEmails: string[];
  maxConcurrent: number;
  polling: PollingOptions;
  failFast: boolean;
  notify: NotifyTarget[];
  continuation?: ReleaseContinuation;
}

export type ReleaseInputValidation = { ok: true; input: NormalizedReleaseInput } | { ok: false; problems: string[] };

/** Problems in the order of their fields (`offers.2…` before `offers.10…`), so related ones sit together. */
function byField(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Most problems listed in one message (a thousand bad offers would otherwise make a huge one). */
const MAX_PROBLEMS_LISTED = 50;

/** Validates `raw`, naming every problem (`offers.3.offerId: must not be empty`, `offers.5: repeats offers.2 …`). */
export function validateReleaseInput(raw: unknown, options: ValidationOptions = {}): ReleaseInputValidation {
  const result = releaseSchema.safeParse(raw);
  const problems = [...(result.success ? [] : describeIssues(result.error)), ...duplicateProblems(raw), ...(options.refuseIllFormedUnicode === false ? [] : illFormedUnicodeProblems(raw))];
  if (result.success && result.data.continuation && !options.allowContinuation) problems.push('continuation: is internal to the workflow and must not be set by callers');
  if (!result.success || problems.length > 0) {
    problems.sort(byField);
    const listed = problems.slice(0, MAX_PROBLEMS_LISTED);
    if (problems.length > listed.length) listed.push(`… and ${problems.length - listed.length} more problems`);
    return { ok: false, problems: listed };
  }
  const { maxConcurrent, polling: pollingOptions, failFast, notify: targets, ...rest } = result.data;
  return {
    ok: true,
    input: { ...rest, maxConcurrent: maxConcurrent ?? DEFAULT_MAX_CONCURRENT, polling: pollingOptions ?? DEFAULT_POLLING, failFast: failFast ?? false, notify: targets ?? [] },
  };
}

