/**
 * CPP's operation JSON turned into {@link CppOperation}.
 *
 * Lenient where the API is loose (missing optional fields, status spelling), strict where a wrong
 * type would mislead the workflow (status, steps, progress).
 */
import { CppProtocolError } from './errors';
import type { CppOperation, ListedOperation, OperationStatus, OperationStep, OperationStepMessage } from './types';

// Keys are the lower-cased status without spaces, underscores or hyphens.
const STATUS_ALIASES: Record<string, OperationStatus> = {
  notstarted: 'notStarted',
  running: 'running',
  inprogress: 'running',
  completed: 'completed',
  complete: 'completed',
  succeeded: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/**
 * The normalised form of an operation status: `not started`, `NotStarted`, `not_started` →
 * `notStarted`; `inProgress` → `running`; `Succeeded`/`complete` → `completed`; `cancelled` →
 * `canceled`. Anything else is `unknown` (not terminal: the caller keeps polling).
 */
function normaliseOperationStatus(raw: string): OperationStatus {
  return STATUS_ALIASES[raw.toLowerCase().replace(/[\s_-]+/g, '')] ?? 'unknown';
}

/**
 * One operation from the answer of `GET …/operations/{id}`.
 *
 * Accepts the documented array holding exactly one object, and a bare object.
 *
 * @throws {@link CppProtocolError} `UnexpectedBody` for anything else, or when a field that matters
 * has the wrong type (the message names the field).
 */
export function parseOperation(json: unknown): CppOperation {
  if (Array.isArray(json)) {
    if (json.length !== 1) {
      throw unexpected(`expected an array of one operation, got ${json.length} elements`);
    }
    return parseOperationObject(json[0], 'operation[0]');
  }
  return parseOperationObject(json, 'operation');
}

/**
 * The operations list (`GET …/offers/{offerId}/submissions/`): a JSON array, or an object with a
 * `value` array.
 *
 * Items are read leniently, because the reference shows two layouts (`submissionState` in its example,
 * `status` in its table) and a look-up must never fail a cancellation over one odd item: an item that
 * is not an object, or whose state is neither, comes back with `state: 'unknown'`.
 *
 * @throws {@link CppProtocolError} `UnexpectedBody` only when the body is not a list at all.
 */
export function parseListedOperations(json: unknown): ListedOperation[] {
  const list: unknown = Array.isArray(json) ? json : (json as { value?: unknown } | null)?.value;
  if (!Array.isArray(list)) {
    throw new CppProtocolError('UnexpectedBody', 'Unexpected operations list JSON: expected an array or an object with a value array');
  }
  return list.map((item): ListedOperation => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { state: 'unknown' };
    const o = item as Record<string, unknown>;
    const rawState = typeof o.submissionState === 'string' ? o.submissionState : typeof o.status === 'string' ? o.status : undefined;
    const listed: ListedOperation = { state: rawState === undefined ? 'unknown' : normaliseOperationStatus(rawState) };
    if (rawState !== undefined) listed.rawState = rawState;
    assignString(listed, 'id', o.id);
    assignString(listed, 'submissionType', o.submissionType);
    return listed;
  });
}

/** One operation object; `path` names it in error messages (e.g. `operation[0]`). */
function parseOperationObject(json: unknown, path = 'operation'): CppOperation {
  const o = asRecord(json, path);
  if (typeof o.status !== 'string') throw unexpected(`${path}.status must be a string`);
  const steps = parseSteps(o.steps, `${path}.steps`);
  const operation: CppOperation = {
    status: normaliseOperationStatus(o.status),
    rawStatus: o.status,
    steps,
  };
  assignString(operation, 'id', o.id);
  assignString(operation, 'submissionType', o.submissionType);
  assignString(operation, 'createdDateTime', o.createdDateTime);
  assignString(operation, 'lastActionDateTime', o.lastActionDateTime);
  assignString(operation, 'cancellationRequestState', o.cancellationRequestState);
  const error = errorText(o.error);
  if (error !== undefined) operation.error = error;
  const progress = steps.flatMap((s) => (s.progressPercentage === undefined ? [] : [s.progressPercentage]));
  if (progress.length > 0) {
    operation.progressPercentage = Math.round(progress.reduce((a, b) => a + b, 0) / progress.length);
  }
  return operation;
}

function parseSteps(json: unknown, path: string): OperationStep[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw unexpected(`${path} must be an array`);
  return json.map((item, i) => {
    const s = asRecord(item, `${path}[${i}]`);
    const name = typeof s.stepName === 'string' ? s.stepName : typeof s.id === 'string' ? s.id : '';
    const step: OperationStep = {
      name,
      status: typeof s.status === 'string' ? s.status : '',
      messages: parseMessages(s.messages, `${path}[${i}].messages`),
    };
    assignString(step, 'id', s.id);
    assignString(step, 'estimatedTimeFrame', s.estimatedTimeFrame);
    if (s.progressPercentage !== undefined && s.progressPercentage !== null) {
      if (typeof s.progressPercentage !== 'number' || !Number.isFinite(s.progressPercentage)) {
        throw unexpected(`${path}[${i}].progressPercentage must be a number`);
      }
      step.progressPercentage = Math.min(Math.max(s.progressPercentage, 0), 100);
    }
    return step;
  });
}

// The reference's table calls step messages an "Array of strings"; its example shows objects. Both are read.
function parseMessages(json: unknown, path: string): OperationStepMessage[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw unexpected(`${path} must be an array`);
  return json.map((item, i) => {
    if (typeof item === 'string') return { messageHtml: item };
    const m = asRecord(item, `${path}[${i}]`);
    const message: OperationStepMessage = { messageHtml: typeof m.messageHtml === 'string' ? m.messageHtml : '' };
    assignString(message, 'level', m.level);
    assignString(message, 'timestamp', m.timestamp);
    return message;
  });
}

// `error` is documented as a message; Azure APIs also send `{ code, message }`.
function errorText(json: unknown): string | undefined {
  if (typeof json === 'string') return json === '' ? undefined : json;
  if (typeof json === 'object' && json !== null) {
    const { message, code } = json as { message?: unknown; code?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
    return JSON.stringify(json);
  }
  return undefined;
}

function asRecord(json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw unexpected(`${path} must be an object`);
  }
  return json as Record<string, unknown>;
}

// Optional text fields: kept when they are strings, left out otherwise (null, absent, odd types).
function assignString<T extends object>(target: T, key: keyof T & string, value: unknown): void {
  if (typeof value === 'string') Object.assign(target, { [key]: value });
}

function unexpected(problem: string): CppProtocolError {
  return new CppProtocolError('UnexpectedBody', `Unexpected operation JSON: ${problem}`);
}
