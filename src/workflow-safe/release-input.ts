/**
 * Validation of the batch's input (`cancelReleaseOffers`), with the same value rules as one
 * cancellation's. Runs inside workflow code and in the typed starter and CLI, so every starter is
 * refused the same way, with one message naming every problem.
 */
import { z } from 'zod';
import { MAX_RELEASE_OFFERS, type CancelJobInput, type NotifyTarget, type PollingOptions, type ReleaseJob, type ReleaseOffer } from '../contract';
import { type ReleaseContinuation } from '../contract/internal';
import { DEFAULT_POLLING, inputSchemaParts, type ValidationOptions } from './cancel-input';
import { DEFAULT_JOB_POLLING, jobValueSchemas } from './job-input';
import { describeIssues, illFormedUnicodeProblems, valueSchemas } from './value-rules';

export const DEFAULT_MAX_CONCURRENT = 5;
const MAX_CONCURRENT = 100;

const { identifier, notificationEmails } = valueSchemas();
const { polling, notify } = inputSchemaParts();
const job = jobValueSchemas();

const ROW_SHAPES = 'must be an object like {"publisherId":"contoso","offerId":"contoso-offer"} or {"jobId":"d4261631-c583-4949-a612-5150882632e9"}';

const offerSchema = z.strictObject(
  { publisherId: identifier, offerId: identifier, expectedOperationId: identifier.optional() },
  { error: (issue) => (issue.code === 'invalid_type' ? ROW_SHAPES : undefined) },
);

const jobSchema = z.strictObject({ jobId: job.jobId, version: job.version.optional() });

const isJobShaped = (v: unknown): boolean => typeof v === 'object' && v !== null && 'jobId' in v;

/** A row is a job's when it names `jobId`, an offer's otherwise; each is held to its own shape. */
const rowSchema = z.unknown().transform((v, ctx): ReleaseOffer | ReleaseJob => {
  const parsed = isJobShaped(v) ? jobSchema.safeParse(v) : offerSchema.safeParse(v);
  if (parsed.success) return parsed.data;
  for (const problem of describeIssues(parsed.error)) {
    const [field, ...message] = problem.split(': ');
    ctx.addIssue({ code: 'custom', message: message.join(': '), path: field === '(input)' ? [] : (field as string).split('.') });
  }
  return z.NEVER;
});

/**
 * Each row once: a second mention of the same publisher/offer or job names the first. Read from
 * the raw input, so duplicates are named even when other rows are malformed.
 */
function rowKey(row: unknown): string | undefined {
  const { publisherId, offerId } = (row ?? {}) as Partial<ReleaseOffer>;
  const { jobId } = (row ?? {}) as Partial<ReleaseJob>;
  if (isJobShaped(row)) return typeof jobId === 'string' ? `job ${jobId.toLowerCase()}` : undefined;
  return typeof publisherId === 'string' && typeof offerId === 'string' ? `${publisherId}/${offerId}` : undefined;
}

function duplicateProblems(raw: unknown): string[] {
  const offers = (raw as { offers?: unknown } | null)?.offers;
  if (!Array.isArray(offers)) return [];
  const first = new Map<string, number>();
  const problems: string[] = [];
  offers.forEach((offer: unknown, i) => {
    const key = rowKey(offer);
    if (key === undefined) return;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else problems.push(`offers.${i}: repeats offers.${seen} (${key}); each offer or job may appear once`);
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
      .array(rowSchema, { error: 'must be an array of {publisherId, offerId, expectedOperationId?} or {jobId, version?}' })
      .min(1, { error: 'must name at least one offer' })
      .max(MAX_RELEASE_OFFERS, { error: `must name at most ${MAX_RELEASE_OFFERS} offers; split the release into batches` }),
    // Required when the release has a CPP offer (checked below): a job's cancel takes none.
    notificationEmails: notificationEmails.optional(),
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
  offers: Array<ReleaseOffer | ReleaseJob>;
  /** Empty when the release has only jobs. */
  notificationEmails: string[];
  maxConcurrent: number;
  polling: PollingOptions;
  /** The polling the caller set, for the jobs' children (each applies a job's defaults to the rest). */
  jobPolling?: CancelJobInput['polling'];
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
  const problems = [
    ...(result.success ? [] : describeIssues(result.error)),
    ...duplicateProblems(raw),
    ...missingEmailProblems(raw),
    ...(result.success ? jobPollingProblems(raw) : []),
    ...(options.refuseIllFormedUnicode === false ? [] : illFormedUnicodeProblems(raw)),
  ];
  if (result.success && result.data.continuation && !options.allowContinuation) problems.push('continuation: is internal to the workflow and must not be set by callers');
  if (!result.success || problems.length > 0) {
    problems.sort(byField);
    const listed = problems.slice(0, MAX_PROBLEMS_LISTED);
    if (problems.length > listed.length) listed.push(`… and ${problems.length - listed.length} more problems`);
    return { ok: false, problems: listed };
  }
  const { maxConcurrent, polling: pollingOptions, failFast, notify: targets, notificationEmails: emails, ...rest } = result.data;
  const jobPolling = givenJobPolling(raw);
  return {
    ok: true,
    input: {
      ...rest,
      notificationEmails: emails ?? [],
      maxConcurrent: maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      polling: pollingOptions ?? DEFAULT_POLLING,
      ...(jobPolling ? { jobPolling } : {}),
      failFast: failFast ?? false,
      notify: targets ?? [],
    },
  };
}

const hasOffer = (raw: unknown): boolean => {
  const offers = (raw as { offers?: unknown } | null)?.offers;
  return !Array.isArray(offers) || offers.some((o) => !isJobShaped(o));
};

/** `notificationEmails` is required as it always was, unless every row is a job. */
function missingEmailProblems(raw: unknown): string[] {
  const given = typeof raw === 'object' && raw !== null && (raw as { notificationEmails?: unknown }).notificationEmails !== undefined;
  return given || !hasOffer(raw) || typeof raw !== 'object' || raw === null ? [] : ['notificationEmails: must be an array of e-mail addresses or a comma-separated string'];
}

const hasJob = (raw: unknown): boolean => {
  const offers = (raw as { offers?: unknown } | null)?.offers;
  return Array.isArray(offers) && offers.some(isJobShaped);
};

/** The polling fields the caller set that a job's cancellation takes (all but `watchWindowSeconds`, a CPP-only wait). */
function givenJobPolling(raw: unknown): CancelJobInput['polling'] | undefined {
  const given = (raw as { polling?: Record<string, unknown> }).polling;
  if (!hasJob(raw) || typeof given !== 'object' || given === null) return undefined;
  const fields = Object.fromEntries(Object.entries(given).filter(([key]) => key in job.pollingFields)) as CancelJobInput['polling'];
  return Object.keys(fields ?? {}).length > 0 ? fields : undefined;
}

/** The release's polling must also hold for its jobs, with a job's defaults for what it leaves out. */
function jobPollingProblems(raw: unknown): string[] {
  const given = givenJobPolling(raw);
  if (!given) return [];
  const effective = { ...DEFAULT_JOB_POLLING, ...given };
  return effective.maxIntervalSeconds >= effective.initialIntervalSeconds
    ? []
    : [`polling.maxIntervalSeconds: for the release's jobs must not be smaller than initialIntervalSeconds (${effective.initialIntervalSeconds} s, a job's default); set polling.initialIntervalSeconds too`];
}

