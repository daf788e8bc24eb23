/**
 * The `{ restates, request, response }` wrapper every reference example under test/fixtures/ is
 * kept in (test/fixtures/cpp/, test/fixtures/ingestion/), and its loader. Read synchronously, so
 * tests can use the fixtures in `it.each` tables.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One reference example: which one it restates, the request it answers, and the answer. */
export interface ReferenceFixture {
  /** Which example of which reference page this restates, and any repair made to it. */
  restates: string;
  /** `path` keeps the reference's `<placeholders>` and query. */
  request: { method: string; path: string };
  /** `body` is the parsed JSON, or `null` where the reference shows no body. */
  response: { status: number; headers: Record<string, string>; body: unknown };
}

/**
 * The parsed fixture `name` (with or without `.json`) of test/fixtures/`folder`/.
 *
 * @throws Error naming the file when it is missing, not JSON, or not a `{ restates, request, response }` wrapper.
 */
export function loadReferenceFixture(folder: string, name: string): ReferenceFixture {
  const file = path.join(__dirname, '..', 'fixtures', folder, name.endsWith('.json') ? name : `${name}.json`);
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  // A malformed wrapper would make a conformance check pass vacuously; fail loudly instead.
  const problem = wrapperProblem(json);
  if (problem) throw new Error(`Reference fixture ${file}: ${problem}`);
  return json as ReferenceFixture;
}

function wrapperProblem(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'must be an object';
  const o = json as Record<string, unknown>;
  if (Object.keys(o)[0] !== 'restates' || typeof o.restates !== 'string' || o.restates === '') return 'the first key must be "restates", a non-empty string';
  const request = o.request as Record<string, unknown> | undefined;
  if (typeof request?.method !== 'string' || typeof request.path !== 'string') return 'request must be { method, path } strings';
  const response = o.response as Record<string, unknown> | undefined;
  if (typeof response?.status !== 'number') return 'response.status must be a number';
  const headers = response.headers;
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) return 'response.headers must map names to strings';
  if (!('body' in response)) return 'response.body is required (null for no body)';
  return undefined;
}
