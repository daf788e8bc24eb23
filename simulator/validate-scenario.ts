/**
 * Minimal checks on scenarios that arrive as JSON (admin API, seed files), so a typo fails at once
 * with a message naming the field instead of silently producing a default behaviour.
 */
import type { Fault, FaultRule, OfferScenario } from './scenario';

/** A scenario that does not have the shape of {@link OfferScenario}; `message` names the field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly code = 'INVALID_SCENARIO';
}

type Json = Record<string, unknown>;

const FAULT_KINDS = ['status', 'reset', 'slowHeaders', 'slowBody', 'malformedJson', 'oversizedBody', 'noLocation', 'foreignLocation'] as const;
const CANCEL_ONLY_FAULTS: readonly string[] = ['noLocation', 'foreignLocation'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string): never {
  throw new ScenarioError(`${field}: ${problem}`);
}

function optionalNumber(obj: Json, key: string, field: string, min: number): void {
  const value = obj[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(`${field}.${key}`, `must be a number >= ${min}`);
}

function optionalEnum(obj: Json, key: string, field: string, allowed: readonly string[]): void {
  const value = obj[key];
  if (value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) fail(`${field}.${key}`, `must be one of ${allowed.join(', ')}`);
}

function httpStatus(obj: Json, key: string, field: string): void {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) fail(`${field}.${key}`, 'must be an HTTP status (200–599)');
}

function checkCancel(value: unknown, field: string): void {
  if (!isObject(value)) fail(field, 'must be an object like {"mode":"synchronous"}');
  if (value.mode === undefined) fail(`${field}.mode`, 'is required (synchronous, accepted or error)');
  optionalEnum(value, 'mode', field, ['synchronous', 'accepted', 'error']);
  switch (value.mode) {
    case 'error':
      httpStatus(value, 'status', field);
      return;
    case 'accepted': {
      optionalEnum(value, 'locationForm', field, ['migrated', 'legacy']);
      optionalNumber(value, 'completeAfterPolls', field, 1);
      optionalNumber(value, 'completeAfterMs', field, 0);
      optionalEnum(value, 'outcome', field, ['completed', 'failed', 'canceled']);
      optionalNumber(value, 'retryAfterSeconds', field, 0);
      optionalEnum(value, 'bodyShape', field, ['array', 'object']);
      optionalNumber(value, 'steps', field, 0);
      if (value.error !== undefined && typeof value.error !== 'string') fail(`${field}.error`, 'must be a string');
      const raw = value.rawStatuses;
      if (raw !== undefined && (!Array.isArray(raw) || raw.length === 0 || !raw.every((s) => typeof s === 'string'))) {
        fail(`${field}.rawStatuses`, 'must be a non-empty array of strings');
      }
      return;
    }
    default:
      return;
  }
}

function checkFault(value: unknown, field: string, on: FaultRule['on']): void {
  if (!isObject(value)) fail(field, 'must be an object like {"kind":"status","status":503}');
  optionalEnum(value, 'kind', field, FAULT_KINDS);
  if (value.kind === undefined) fail(`${field}.kind`, `is required (${FAULT_KINDS.join(', ')})`);
  // optionalEnum has checked it is one of FAULT_KINDS.
  const kind = value.kind as Fault['kind'];
  if (CANCEL_ONLY_FAULTS.includes(kind) && on !== 'cancel') fail(`${field}.kind`, `${kind} applies to "on": "cancel" only`);
  switch (kind) {
    case 'status':
      httpStatus(value, 'status', field);
      if (value.retryAfter !== undefined && typeof value.retryAfter !== 'string') fail(`${field}.retryAfter`, 'must be a string (the raw header value)');
      return;
    case 'slowHeaders':
    case 'slowBody':
      if (typeof value.delayMs !== 'number' || !(value.delayMs >= 0)) fail(`${field}.delayMs`, 'must be a number >= 0');
      return;
    case 'oversizedBody':
      optionalNumber(value, 'bytes', field, 1);
      return;
    case 'foreignLocation':
      if (value.origin !== undefined && typeof value.origin !== 'string') fail(`${field}.origin`, 'must be a string like https://evil.example');
      return;
    default:
      return;
  }
}

/**
 * Checks that `value` is an {@link OfferScenario} and returns it typed.
 *
 * @throws ScenarioError naming the first bad field (`where` prefixes it, e.g. the seed key).
 */
export function validateScenario(value: unknown, where = 'scenario'): OfferScenario {
  if (!isObject(value)) fail(where, 'must be an object like {"cancel":{"mode":"synchronous"}}');
  checkCancel(value.cancel, `${where}.cancel`);
  if (value.repeatable !== undefined && typeof value.repeatable !== 'boolean') fail(`${where}.repeatable`, 'must be true or false');
  if (value.description !== undefined && typeof value.description !== 'string') fail(`${where}.description`, 'must be a string');
  if (value.list !== undefined) {
    if (!isObject(value.list)) fail(`${where}.list`, 'must be an object like {"stateField":"status"}');
    optionalEnum(value.list, 'stateField', `${where}.list`, ['submissionState', 'status', 'none']);
  }
  const faults = value.faults;
  if (faults !== undefined) {
    if (!Array.isArray(faults)) fail(`${where}.faults`, 'must be an array');
    faults.forEach((rule: unknown, i) => {
      const field = `${where}.faults.${i}`;
      if (!isObject(rule)) fail(field, 'must be an object like {"on":"cancel","fault":{...}}');
      optionalEnum(rule, 'on', field, ['cancel', 'poll', 'list']);
      if (rule.on === undefined) fail(`${field}.on`, 'is required (cancel, poll or list)');
      optionalNumber(rule, 'times', field, 1);
      checkFault(rule.fault, `${field}.fault`, rule.on as FaultRule['on']);
    });
  }
  return value as unknown as OfferScenario;
}
