/**
 * Minimal checks on configure-job scenarios that arrive as JSON (admin API, seed files), as
 * validate-scenario.ts does for offers: a typo fails at once with a message naming the field.
 */
import type { JobScenario } from './job-scenario';
import { checkFault, checkFaultRules, fail, isObject, optionalBoolean, optionalEnum, optionalNumber, optionalString, type Json } from './validate-fields';

const SCENARIO_KEYS = ['startsAs', 'startsAfterMs', 'jobResult', 'startedAgoMs', 'runsForMs', 'endsWith', 'errors', 'resources', 'cancel', 'faults', 'repeatable', 'description'];
const CANCEL_MODES = ['immediate', 'accepted', 'refused', 'racesEnd'] as const;
const FAULT_KINDS = ['status', 'reset', 'slowHeaders', 'slowBody', 'malformedJson', 'oversizedBody'] as const;

/** Every field of a job scenario is optional: a misspelt one would silently be a default, so unknown keys fail. */
function knownKeysOnly(obj: Json, allowed: readonly string[], field: string): void {
  const unknown = Object.keys(obj).find((key) => !allowed.includes(key));
  if (unknown !== undefined) fail(`${field}.${unknown}`, `is not a field here (${allowed.join(', ')})`);
}

function checkCancel(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(field, 'must be an object like {"mode":"immediate"}');
  if (value.mode === undefined) fail(`${field}.mode`, `is required (${CANCEL_MODES.join(', ')})`);
  optionalEnum(value, 'mode', field, CANCEL_MODES);
  knownKeysOnly(value, value.mode === 'accepted' ? ['mode', 'completesAfterMs', 'completesAfterPolls'] : ['mode'], field);
  optionalNumber(value, 'completesAfterMs', field, 0);
  optionalNumber(value, 'completesAfterPolls', field, 1);
}

function checkErrors(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(field, 'must be an array like [{"code":"…","message":"…"}]');
  value.forEach((entry: unknown, i) => {
    const at = `${field}.${i}`;
    if (!isObject(entry)) fail(at, 'must be an object like {"code":"…","message":"…"}');
    if (typeof entry.code !== 'string') fail(`${at}.code`, 'must be a string');
    if (typeof entry.message !== 'string') fail(`${at}.message`, 'must be a string');
    optionalString(entry, 'resource', at);
  });
}

function checkResources(value: unknown, field: string): void {
  if (value === undefined) return;
  const isCount = typeof value === 'number' && Number.isInteger(value) && value >= 0;
  const isNames = Array.isArray(value) && value.every((name) => typeof name === 'string' && name !== '');
  if (!isCount && !isNames) fail(field, 'must be a count (an integer >= 0) or an array of resource names');
}

/** The fields that belong to one `startsAs` only, so a scenario cannot say something it will not do. */
function checkStartsAs(value: Json, where: string): void {
  optionalEnum(value, 'startsAs', where, ['running', 'notStarted', 'completed']);
  const startsAs = value.startsAs ?? 'running';
  const only: [string, string][] = [
    ['startsAfterMs', 'notStarted'],
    ['jobResult', 'completed'],
    ['startedAgoMs', 'running'],
  ];
  for (const [key, state] of only) {
    if (value[key] !== undefined && startsAs !== state) fail(`${where}.${key}`, `applies to "startsAs": "${state}" only`);
  }
  optionalNumber(value, 'startsAfterMs', where, 0);
  optionalEnum(value, 'jobResult', where, ['succeeded', 'failed', 'cancelled']);
  optionalNumber(value, 'startedAgoMs', where, 0);
}

/**
 * Checks that `value` is a {@link JobScenario} and returns it typed.
 *
 * @throws ScenarioError naming the first bad field (`where` prefixes it, e.g. the seed key).
 */
export function validateJobScenario(value: unknown, where = 'scenario'): JobScenario {
  if (!isObject(value)) fail(where, 'must be an object like {"runsForMs":60000,"cancel":{"mode":"immediate"}}');
  knownKeysOnly(value, SCENARIO_KEYS, where);
  checkStartsAs(value, where);
  optionalNumber(value, 'runsForMs', where, 0);
  optionalEnum(value, 'endsWith', where, ['succeeded', 'failed']);
  checkErrors(value.errors, `${where}.errors`);
  checkResources(value.resources, `${where}.resources`);
  checkCancel(value.cancel, `${where}.cancel`);
  optionalBoolean(value, 'repeatable', where);
  optionalString(value, 'description', where);
  checkFaultRules(value.faults, `${where}.faults`, ['jobCancel', 'jobStatus', 'jobSummary'], (fault, field) => checkFault(fault, field, FAULT_KINDS));
  return value;
}
