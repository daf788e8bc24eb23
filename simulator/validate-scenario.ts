/**
 * Minimal checks on offer scenarios that arrive as JSON (admin API, seed files), so a typo fails at
 * once with a message naming the field instead of silently producing a default behaviour.
 */
import type { OfferScenario } from './scenario';
import { checkFault, checkFaultRules, fail, httpStatus, isObject, optionalBoolean, optionalEnum, optionalNumber, optionalString, type Json } from './validate-fields';

const FAULT_KINDS = ['status', 'reset', 'slowHeaders', 'slowBody', 'malformedJson', 'oversizedBody', 'noLocation', 'foreignLocation', 'echoToken', 'replay'] as const;
const CANCEL_ONLY_FAULTS: readonly string[] = ['noLocation', 'foreignLocation'];

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
      optionalString(value, 'error', field);
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

function checkOfferFault(value: unknown, field: string, on: string): void {
  const kind = checkFault(value, field, FAULT_KINDS);
  if (CANCEL_ONLY_FAULTS.includes(kind) && on !== 'cancel') fail(`${field}.kind`, `${kind} applies to "on": "cancel" only`);
  if (kind === 'echoToken') checkEchoToken(value as Json, field, on);
  if (kind === 'replay') checkReplay(value as Json, field);
}

/** A `replay` fault: a status, header values that are strings; any JSON body (absent or null: none). */
function checkReplay(value: Json, field: string): void {
  httpStatus(value, 'status', field);
  const headers = value.headers;
  if (headers === undefined) return;
  const fit = isObject(headers) && Object.entries(headers).every(([name, v]) => /^[!#$%&'*+.^_`|~\w-]+$/.test(name) && typeof v === 'string' && !/[\r\n\0]/.test(v));
  if (!fit) fail(`${field}.headers`, 'must map header names to one-line strings, like {"Retry-After":"3"}');
}

/** An `echoToken` fault: where it echoes, and the error status of a body or header echo. */
function checkEchoToken(value: Json, field: string, on: string): void {
  if (value.where === undefined) fail(`${field}.where`, 'is required (body, header or location)');
  optionalEnum(value, 'where', field, ['body', 'header', 'location']);
  if (value.where === 'location') {
    if (on !== 'cancel') fail(`${field}.where`, 'location applies to "on": "cancel" only');
    if (value.status !== undefined) fail(`${field}.status`, 'does not apply to a Location echo (always a 202)');
  } else if (value.status !== undefined) {
    httpStatus(value, 'status', field);
    if ((value.status as number) < 400) fail(`${field}.status`, 'must be an error status (400–599)');
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
  optionalBoolean(value, 'repeatable', where);
  optionalString(value, 'description', where);
  if (value.list !== undefined) {
    if (!isObject(value.list)) fail(`${where}.list`, 'must be an object like {"stateField":"status"}');
    optionalEnum(value.list, 'stateField', `${where}.list`, ['submissionState', 'status', 'none']);
  }
  checkFaultRules(value.faults, `${where}.faults`, ['cancel', 'poll', 'list'], checkOfferFault);
  return value as unknown as OfferScenario;
}
