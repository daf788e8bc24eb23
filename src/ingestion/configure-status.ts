/**
 * The Product Ingestion API's configure-status and configure-detail JSON turned into the contract's
 * {@link JobView}. Lenient where the reference is loose (the errors' shape, spellings, the
 * `$schema` host, which moved in 2024), strict where a wrong type would mislead the workflow.
 */
import { CppProtocolError } from '../cpp/errors';
import type { JobError, JobResult, JobStatus, JobSummary, JobView, ProcessedResource } from './types';

const STATUSES: Record<string, JobStatus> = { notstarted: 'notStarted', running: 'running', completed: 'completed' };
const RESULTS: Record<string, JobResult> = { pending: 'pending', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', canceled: 'cancelled' };
/** What the API sends as `jobEnd` while a job has not ended. */
const NOT_ENDED = /^0001-01-01/;
const MAX_RESOURCES = 1_000;

const unexpected = (message: string) => new CppProtocolError('UnexpectedBody', message);
const key = (raw: string) => raw.toLowerCase().replace(/[\s_-]+/g, '');

function record(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw unexpected(`expected ${what} object`);
  return json as Record<string, unknown>;
}

function text(o: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = o[field];
  if (value === undefined || value === null) {
    if (required) throw unexpected(`${field} is missing`);
    return undefined;
  }
  if (typeof value !== 'string') throw unexpected(`${field} must be a string`);
  return value;
}

function errorsOf(value: unknown): JobError[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unexpected('errors must be an array');
  return value.map((entry: unknown) => {
    if (typeof entry === 'string') return { message: entry };
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    return {
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      message: typeof e.message === 'string' ? e.message : JSON.stringify(entry),
      ...(typeof e.resource === 'string' ? { resource: e.resource } : {}),
    };
  });
}

/**
 * One configure-status object. An unknown `jobStatus` counts as `running` (keep polling) and an
 * unknown `jobResult` as `pending`, each kept as sent in `rawStatus`/`rawResult`.
 * @throws {@link CppProtocolError} `UnexpectedBody` naming the field when the body is not one.
 */
export function parseJobStatus(json: unknown): JobView {
  const o = record(json, 'a configure-status');
  const jobId = text(o, 'jobID', true) as string;
  const rawStatus = text(o, 'jobStatus', true) as string;
  const rawResult = text(o, 'jobResult', false) ?? 'pending';
  const status = STATUSES[key(rawStatus)];
  const result = RESULTS[key(rawResult)];
  const start = text(o, 'jobStart', false);
  const end = text(o, 'jobEnd', false);
  return {
    jobId,
    status: status ?? 'running',
    result: result ?? 'pending',
    ...(status ? {} : { rawStatus }),
    ...(result ? {} : { rawResult }),
    ...(start && !NOT_ENDED.test(start) ? { start } : {}),
    ...(end && !NOT_ENDED.test(end) ? { end } : {}),
    errors: errorsOf(o.errors),
  };
}

/** What a processed resource is, from whatever fields it carries. */
function resourceOf(value: unknown): ProcessedResource {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const name = [r.resourceName, r.name, r.alias, r.externalId, r.product].find((v): v is string => typeof v === 'string');
  return {
    ...(typeof r.id === 'string' ? { id: r.id } : {}),
    ...(typeof r.$schema === 'string' ? { schema: r.$schema } : {}),
    ...(name ? { name: name.slice(0, 200) } : {}),
  };
}

/** A configure-detail object (a finished job's summary): the job, and the resources it processed. */
export function parseJobSummary(json: unknown): JobSummary {
  const o = record(json, 'a configure-detail');
  const resources = o.resources ?? o.resource ?? [];
  if (!Array.isArray(resources)) throw unexpected('resources must be an array');
  return { job: parseJobStatus(o), resources: resources.slice(0, MAX_RESOURCES).map(resourceOf) };
}

/** The `error` of an error body (`{ "error": { "code", "message" } }`), when it has one. */
export function errorBodyOf(textBody: string): { code?: string; message?: string } {
  try {
    const e = (JSON.parse(textBody) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    return { ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(typeof e?.message === 'string' ? { message: e.message } : {}) };
  } catch {
    return {};
  }
}
