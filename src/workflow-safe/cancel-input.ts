/**
 * Validation and normalisation of the workflow input. Runs inside workflow code (deterministic,
 * no I/O) so that bad input from any starter — the UI, the CLI, code — fails the same way.
 */
import { z } from 'zod';
import type { NotifyTarget, PollingOptions } from '../contract';
import type { ContinuationState } from '../contract/internal';
import { DEFAULT_API_VERSION, describeIssues, illFormedUnicodeProblems, valueSchemas } from './value-rules';

// Module-private schemas: exported objects would be deep-frozen when the worker shares this module
// between workflow runs, and zod writes inside a schema as it parses (see src/worker-process/workflow-bundle.ts).
const { identifier: identifierSchema, notificationEmails: notificationEmailsSchema, apiVersion: apiVersionSchema } = valueSchemas();

export const DEFAULT_POLLING: PollingOptions = {
  initialIntervalSeconds: 5,
  maxIntervalSeconds: 60,
  backoffCoefficient: 2,
  timeoutSeconds: 24 * 60 * 60,
  maxPollsPerRun: 100,
  watchWindowSeconds: 0,
};
const MAX_NOTIFY_TARGETS = 50;

const seconds = (min: number, max: number) =>
  z.number({ error: 'must be a number' }).min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` });

/** The polling fields both cancellations take (a CPP one takes `watchWindowSeconds` too). */
const pollingFields = {
  initialIntervalSeconds: seconds(0.1, 3600).optional(),
  maxIntervalSeconds: seconds(0.1, 86_400).optional(),
  backoffCoefficient: seconds(1, 10).optional(),
  timeoutSeconds: seconds(1, 30 * 86_400).optional(),
  maxPollsPerRun: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(1000, { error: 'must be at most 1000' }).optional(),
};

const pollingSchema = z
  .strictObject(
    { ...pollingFields, watchWindowSeconds: seconds(0, 3600).optional() },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object' : undefined) },
  )
  .transform((p): PollingOptions => ({ ...DEFAULT_POLLING, ...p }))
  .refine((p) => p.maxIntervalSeconds >= p.initialIntervalSeconds, {
    error: 'maxIntervalSeconds must not be smaller than initialIntervalSeconds',
    path: ['maxIntervalSeconds'],
  });

const notifyTargetSchema = z.strictObject(
  {
    workflowId: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
    runId: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
    signalName: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }).optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object like {"workflowId":"…"}' : undefined) },
);

/** `target` as a notify target, or undefined when it is not one. */
export function parseNotifyTarget(target: unknown): NotifyTarget | undefined {
  const parsed = notifyTargetSchema.safeParse(target);
  return parsed.success ? parsed.data : undefined;
}

const notifySchema = z
  .array(notifyTargetSchema, { error: 'must be an array of {workflowId, runId?, signalName?}' })
  .max(MAX_NOTIFY_TARGETS, { error: `must name at most ${MAX_NOTIFY_TARGETS} targets` });

const isoDate = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));

/** Whether `v` is a continuation state this workflow could have written (dates parse, location is a path). */
export function isContinuationState(v: unknown): v is ContinuationState {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<ContinuationState>;
  return (
    isoDate(c.startedAt) &&
    isoDate(c.deadlineAt) &&
    isoDate(c.nextPollAt) &&
    typeof c.location === 'string' &&
    c.location.length > 0 &&
    (c.mode === 'synchronous' || c.mode === 'asynchronous') &&
    Number.isFinite(c.polls) &&
    Number.isFinite(c.nextIntervalMs) &&
    Number.isFinite(c.continuedAsNew) &&
    Array.isArray(c.notify)
  );
}

// Our own state, handed from one run to the next by continue-as-new; never accepted from a caller.
const CONTINUATION_REFUSED = 'is internal to the workflow and must not be set by callers';
const continuationSchema = z.custom<ContinuationState>(isContinuationState, { error: CONTINUATION_REFUSED });

const inputSchema = z.strictObject(
  {
    publisherId: identifierSchema,
    offerId: identifierSchema,
    notificationEmails: notificationEmailsSchema,
    apiVersion: apiVersionSchema.optional(),
    polling: pollingSchema.optional(),
    notify: notifySchema.optional(),
    expectedOperationId: identifierSchema.optional(),
    continuation: continuationSchema.optional(),
  },
  {
    // Only for a non-object; unknown keys keep zod's own message, which names them.
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be one JSON object like {"publisherId":"contoso","offerId":"contoso-offer","notificationEmails":["jondoe@contoso.com"]}'
        : undefined,
  },
);

/** The input with every default applied. */
export interface NormalizedInput {
  publisherId: string;
  offerId: string;
  notificationEmails: string[];
  apiVersion: string;
  polling: PollingOptions;
  notify: NotifyTarget[];
  expectedOperationId?: string;
  continuation?: ContinuationState;
}

export type InputValidation = { ok: true; input: NormalizedInput } | { ok: false; problems: string[] };

/** Options of {@link validateInput}. */
export interface ValidationOptions {
  /** This run was continued as new by the workflow itself: it may carry a `continuation`. */
  allowContinuation?: boolean;
  /**
   * Refuse strings that are not well-formed Unicode (a lone surrogate). Always, but in a workflow
   * replaying a history from before the rule (see `PATCHES.refuseIllFormedUnicode`). @default true
   */
  refuseIllFormedUnicode?: boolean;
}

/**
 * Validates `raw`, naming every bad field (`notify.0.workflowId: must not be empty`).
 *
 * `continuation` is refused unless `allowContinuation` says this run was continued as new by the
 * workflow itself (only the workflow may set it).
 */
export function validateInput(raw: unknown, options: ValidationOptions = {}): InputValidation {
  const result = inputSchema.safeParse(raw);
  const callerContinuation =
    !options.allowContinuation && typeof raw === 'object' && raw !== null && (raw as { continuation?: unknown }).continuation !== undefined;
  const illFormed = options.refuseIllFormedUnicode === false ? [] : illFormedUnicodeProblems(raw);
  if (!result.success || callerContinuation || illFormed.length > 0) {
    const problems = result.success ? [] : describeIssues(result.error);
    if (callerContinuation && !problems.some((p) => p.startsWith('continuation:'))) problems.push(`continuation: ${CONTINUATION_REFUSED}`);
    return { ok: false, problems: [...problems, ...illFormed.filter((p) => !problems.includes(p))] };
  }
  const { apiVersion, polling, notify, ...rest } = result.data;
  return {
    ok: true,
    input: { ...rest, apiVersion: apiVersion ?? DEFAULT_API_VERSION, polling: polling ?? DEFAULT_POLLING, notify: notify ?? [] },
  };
}

/** The notify targets of an input that is otherwise invalid, so callers still hear of the failure. */
export function salvageNotifyTargets(raw: unknown): NotifyTarget[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const result = notifySchema.safeParse((raw as { notify?: unknown }).notify);
  return result.success ? result.data : [];
}

/** The polling and notify schemas, for the batch's input (handed out by a function, as valueSchemas says why). */
export function inputSchemaParts() {
  return { polling: pollingSchema, pollingFields, notify: notifySchema };
}
