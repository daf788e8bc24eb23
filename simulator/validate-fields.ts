/**
 * Field checks shared by the scenario validators of both APIs (offers and configure jobs): each
 * failure is a {@link ScenarioError} whose message names the field, so a typo in a scenario that
 * arrives as JSON fails at once instead of silently producing a default behaviour.
 */

/** A scenario that does not have the expected shape; `message` names the field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly code = 'INVALID_SCENARIO';
}

/** A JSON object, as a scenario arrives. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(field: string, problem: string): never {
  throw new ScenarioError(`${field}: ${problem}`);
}

/** `a, b or c`: the allowed values, for a message. */
function oneOf(allowed: readonly string[]): string {
  return allowed.length < 2 ? allowed.join('') : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
}

export function optionalNumber(obj: Json, key: string, field: string, min: number): void {
  const value = obj[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(`${field}.${key}`, `must be a number >= ${min}`);
}

export function optionalEnum(obj: Json, key: string, field: string, allowed: readonly string[]): void {
  const value = obj[key];
  if (value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) fail(`${field}.${key}`, `must be one of ${allowed.join(', ')}`);
}

export function optionalString(obj: Json, key: string, field: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== 'string') fail(`${field}.${key}`, 'must be a string');
}

export function optionalBoolean(obj: Json, key: string, field: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== 'boolean') fail(`${field}.${key}`, 'must be true or false');
}

export function httpStatus(obj: Json, key: string, field: string): void {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) fail(`${field}.${key}`, 'must be an HTTP status (200–599)');
}

/** Checks one fault of a fault rule, whose `kind` must be one of `kinds`; returns that kind. */
export function checkFault(value: unknown, field: string, kinds: readonly string[]): string {
  if (!isObject(value)) fail(field, 'must be an object like {"kind":"status","status":503}');
  optionalEnum(value, 'kind', field, kinds);
  if (value.kind === undefined) fail(`${field}.kind`, `is required (${kinds.join(', ')})`);
  switch (value.kind) {
    case 'status':
      httpStatus(value, 'status', field);
      if (value.retryAfter !== undefined && typeof value.retryAfter !== 'string') fail(`${field}.retryAfter`, 'must be a string (the raw header value)');
      break;
    case 'slowHeaders':
    case 'slowBody':
      if (typeof value.delayMs !== 'number' || !(value.delayMs >= 0)) fail(`${field}.delayMs`, 'must be a number >= 0');
      break;
    case 'oversizedBody':
      optionalNumber(value, 'bytes', field, 1);
      break;
    case 'foreignLocation':
      if (value.origin !== undefined && typeof value.origin !== 'string') fail(`${field}.origin`, 'must be a string like https://evil.example');
      break;
  }
  // optionalEnum has checked it is one of `kinds`.
  return value.kind as string;
}

/**
 * Checks a scenario's `faults`: a list of `{ on, fault, times? }` whose `on` is one of `ons`;
 * `checkRuleFault` checks each rule's fault knowing what it is `on`.
 */
export function checkFaultRules(faults: unknown, field: string, ons: readonly string[], checkRuleFault: (fault: unknown, field: string, on: string) => void): void {
  if (faults === undefined) return;
  if (!Array.isArray(faults)) fail(field, 'must be an array');
  faults.forEach((rule: unknown, i) => {
    const at = `${field}.${i}`;
    if (!isObject(rule)) fail(at, `must be an object like {"on":"${ons[0]}","fault":{...}}`);
    optionalEnum(rule, 'on', at, ons);
    if (rule.on === undefined) fail(`${at}.on`, `is required (${oneOf(ons)})`);
    optionalNumber(rule, 'times', at, 1);
    checkRuleFault(rule.fault, `${at}.fault`, rule.on as string);
  });
}
