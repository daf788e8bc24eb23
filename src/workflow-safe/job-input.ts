/**
 * Validation and normalisation of a Product Ingestion job cancellation's input. Runs inside
 * workflow code and in every starter, so bad input from the UI, the CLI or code fails the same way,
 * naming the field, before anything is sent.
 */
import { z } from 'zod';
import { DEFAULT_INGESTION_VERSION, type NotifyTarget, type PollingOptions } from '../contract';
import type { JobContinuation } from '../contract/internal';
import { inputSchemaParts, type ValidationOptions } from './cancel-input';
import { describeIssues, illFormedUnicodeProblems } from './value-rules';

/** The polling a job gets unless the input says otherwise: no more than once a minute, as the reference asks. */
export const DEFAULT_JOB_POLLING: Omit<PollingOptions, 'watchWindowSeconds'> = {
  initialIntervalSeconds: 60,
  maxIntervalSeconds: 300,
  backoffCoefficient: 2,
  timeoutSeconds: 24 * 60 * 60,
  maxPollsPerRun: 100,
};

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A CPP cancellation's fields: named as such when they turn up in a job's input. */
const CPP_FIELDS = ['publisherId', 'offerId', 'notificationEmails', 'apiVersion', 'expectedOperationId'];

const { pollingFields, notify } = inputSchemaParts();

const jobPollingSchema = z
  .strictObject(pollingFields, { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object' : undefined) })
  .transform((p) => ({ ...DEFAULT_JOB_POLLING, ...p }))
  .refine((p) => p.maxIntervalSeconds >= p.initialIntervalSeconds, { error: 'maxIntervalSeconds must not be smaller than initialIntervalSeconds', path: ['maxIntervalSeconds'] });

const isoDate = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));

/** Whether `v` is a continuation this workflow could have written. */
export function isJobContinuation(v: unknown): v is JobContinuation {
  const c = v as Partial<JobContinuation> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    isoDate(c.startedAt) &&
    isoDate(c.deadlineAt) &&
    isoDate(c.nextPollAt) &&
    Number.isFinite(c.polls) &&
    Number.isFinite(c.nextIntervalMs) &&
    Number.isFinite(c.continuedAsNew) &&
    Array.isArray(c.notify)
  );
}

const CONTINUATION_REFUSED = 'is internal to the workflow and must not be set by callers';

const jobIdSchema = z.string({ error: 'must be a string' }).regex(GUID, { error: 'must be a GUID like d4261631-c583-4949-a612-5150882632e9' });
const jobVersionSchema = z.string({ error: 'must be a string' }).regex(/^\d{4}-\d{2}-\d{2}(-preview\d*)?$/, { error: 'must be a schema version like 2022-03-01-preview2' });

/** A job's id and `$version` schemas, for the batch's rows (handed out by a function: see value-rules.ts). */
export function jobValueSchemas() {
  return { jobId: jobIdSchema, version: jobVersionSchema, pollingFields };
}

const jobInputSchema = z.strictObject(
  {
    jobId: jobIdSchema,
    version: jobVersionSchema.optional(),
    polling: jobPollingSchema.optional(),
    notify: notify.optional(),
    continuation: z.custom<JobContinuation>(isJobContinuation, { error: CONTINUATION_REFUSED }).optional(),
  },
  {
    error: (issue) => (issue.code === 'invalid_type' ? 'must be one JSON object like {"jobId":"d4261631-c583-4949-a612-5150882632e9"}' : undefined),
  },
);

/** The input with every default applied. */
export interface NormalizedJobInput {
  jobId: string;
  version: string;
  polling: Omit<PollingOptions, 'watchWindowSeconds'>;
  notify: NotifyTarget[];
  continuation?: JobContinuation;
}

export type JobInputValidation = { ok: true; input: NormalizedJobInput } | { ok: false; problems: string[] };

/** A CPP field in a job's input, worded as what it is rather than as an unknown field. */
function mixedInProblems(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  return CPP_FIELDS.filter((field) => field in raw).map((field) => `${field}: a CPP offer's field; a job's cancellation takes jobId (an offer is cancelled with cancelOfferOperation)`);
}

/** Validates `raw`, naming every bad field; `continuation` only where this run was continued as new. */
export function validateJobInput(raw: unknown, options: ValidationOptions = {}): JobInputValidation {
  const result = jobInputSchema.safeParse(raw);
  const mixedIn = mixedInProblems(raw);
  const problems = result.success ? [] : describeIssues(result.error).filter((p) => !mixedIn.some((m) => p.startsWith(`${m.split(':')[0]}: unknown field`)));
  problems.push(...mixedIn);
  if (result.success && result.data.continuation && !options.allowContinuation) problems.push(`continuation: ${CONTINUATION_REFUSED}`);
  if (options.refuseIllFormedUnicode !== false) problems.push(...illFormedUnicodeProblems(raw).filter((p) => !problems.includes(p)));
  if (!result.success || problems.length > 0) return { ok: false, problems };
  const { version, polling, notify: targets, jobId, continuation } = result.data;
  return {
    ok: true,
    input: { jobId: jobId.toLowerCase(), version: version ?? DEFAULT_INGESTION_VERSION, polling: polling ?? DEFAULT_JOB_POLLING, notify: targets ?? [], ...(continuation ? { continuation } : {}) },
  };
}
