/**
 * The rules for the values that end up in a CPP request: identifiers, e-mail lists, API versions.
 *
 * Pure and deterministic, so the same rules run inside workflow code (input validation) and in the
 * HTTP client (a last check before a URL is built). No Node imports here.
 */
import { z } from 'zod';

/** Longest identifier we send; CPP ids are far shorter, this only stops abuse. */
const MAX_IDENTIFIER_LENGTH = 256;
const MAX_EMAIL_LENGTH = 254;
const MAX_NOTIFICATION_EMAILS = 50;
export const DEFAULT_API_VERSION = '2017-10-31';
/** Longest field name quoted in a validation message. */
const MAX_FIELD_NAME_CHARS = 64;

// Controls (C0, DEL, C1) and the Unicode line/paragraph separators: never part of a path segment.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A publisher, offer or operation id, safe to percent-encode into ONE path segment:
 * not empty, not `.` or `..`, no `/` or `\`, no control characters, no surrounding spaces.
 */
const identifierSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_IDENTIFIER_LENGTH, { error: `must be at most ${MAX_IDENTIFIER_LENGTH} characters` })
  .refine((v) => v !== '.' && v !== '..', { error: 'must not be "." or ".."' })
  .refine((v) => !/[/\\]/.test(v), { error: 'must not contain "/" or "\\"' })
  .refine((v) => !CONTROL_CHARACTERS.test(v), { error: 'must not contain control characters' })
  .refine((v) => v.trim() === v, { error: 'must not start or end with white space' });

// Deliberately plain: one @, no white space or separators that would break the comma-joined list.
const EMAIL_PATTERN = /^[^\s@,;<>"()[\]\\]+@[^\s@,;<>"()[\]\\]+\.[^\s@,;<>"()[\]\\]+$/u;

const emailSchema = z
  .string({ error: 'must be a string' })
  .max(MAX_EMAIL_LENGTH, { error: `must be at most ${MAX_EMAIL_LENGTH} characters` })
  .regex(EMAIL_PATTERN, { error: 'must be an e-mail address like jondoe@contoso.com' });

/**
 * `notificationEmails` as an array or a comma-separated string; normalised to a non-empty array
 * of trimmed addresses.
 */
const notificationEmailsSchema = z
  .union([z.array(z.string({ error: 'must be a string' })), z.string()], {
    error: 'must be an array of e-mail addresses or a comma-separated string',
  })
  .transform((v) => (typeof v === 'string' ? v.split(',') : v).map((e) => e.trim()).filter((e) => e.length > 0))
  .pipe(
    z
      .array(emailSchema)
      .min(1, { error: 'must name at least one e-mail address' })
      .max(MAX_NOTIFICATION_EMAILS, { error: `must name at most ${MAX_NOTIFICATION_EMAILS} addresses` }),
  );

const apiVersionSchema = z
  .string({ error: 'must be a string' })
  .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, { error: 'must look like 2017-10-31' });

/**
 * The value schemas, for composing larger ones (workflow input, worker config). Handed out by a
 * function, never exported as objects: the worker shares this module between workflow runs and
 * deep-freezes what it exports, and zod writes inside a schema as it parses (see src/worker-process/workflow-bundle.ts).
 */
export function valueSchemas() {
  return { identifier: identifierSchema, notificationEmails: notificationEmailsSchema, apiVersion: apiVersionSchema };
}

/** One `field: problem` line per issue, fields in dotted form (`notify.0.workflowId`). */
export function describeIssues(error: z.ZodError): string[] {
  // Odd keys (empty, spaces, dots) are quoted so the field stays readable and unambiguous.
  // Keys come from the caller: cap them, so a huge unknown key cannot blow up the failure's size.
  const capped = (key: string) => (key.length <= MAX_FIELD_NAME_CHARS ? key : `${key.slice(0, MAX_FIELD_NAME_CHARS)}…(${key.length} chars)`);
  const segment = (key: PropertyKey) => (/^[\w$-]+$/.test(String(key)) ? capped(String(key)) : JSON.stringify(capped(String(key))));
  const fieldOf = (path: PropertyKey[]) => (path.length > 0 ? path.map(segment).join('.') : '(input)');
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${fieldOf([...issue.path, key])}: unknown field`)
      : [`${fieldOf(issue.path)}: ${issue.message}`],
  );
}

// A surrogate half without its other half: valid in a JS string and as a JSON escape, but no UTF-8
// (so no request, header or Temporal payload) can carry it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** How deep into the input the Unicode check looks (inputs are a few levels deep). */
const MAX_WALK_DEPTH = 6;

/**
 * One `field: problem` line for every string in `raw` (nested objects and arrays included) that is
 * not well-formed Unicode, such as `offerId: must be well-formed Unicode (it holds a lone surrogate)`.
 */
export function illFormedUnicodeProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string[], depth: number): void => {
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) problems.push(`${path.length > 0 ? path.join('.') : '(input)'}: must be well-formed Unicode (it holds a lone surrogate)`);
    } else if (typeof value === 'object' && value !== null && depth < MAX_WALK_DEPTH) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, /^[\w$-]+$/.test(key) ? key : JSON.stringify(key.slice(0, MAX_FIELD_NAME_CHARS))], depth + 1);
    }
  };
  walk(raw, [], 0);
  return problems;
}

/** The first problem with `value` as an identifier, or undefined when it is safe to send. */
export function identifierProblem(value: unknown): string | undefined {
  const result = identifierSchema.safeParse(value);
  return result.success ? undefined : (result.error.issues[0]?.message ?? 'is invalid');
}

/** The first problem with `value` as a notification e-mail list, or the normalised list. */
export function parseNotificationEmails(value: unknown): { emails: string[] } | { problem: string } {
  const result = notificationEmailsSchema.safeParse(value);
  return result.success ? { emails: result.data } : { problem: describeIssues(result.error).join('; ') };
}
