/**
 * The CPP reference examples in test/fixtures/cpp/, for tests of both the simulator and the client
 * (see that folder's README). Read synchronously, so tests can use them in `it.each` tables.
 */
import { loadReferenceFixture, type ReferenceFixture } from './reference-fixtures';

/** One CPP reference example (see {@link ReferenceFixture}). */
export type CppFixture = ReferenceFixture;

/** Every fixture in test/fixtures/cpp/, by name (file name without `.json`). */
export const CPP_FIXTURE_NAMES: string[] = [
  'cancel-200',
  'cancel-202-migrated',
  'cancel-202-legacy',
  'cancel-202-retry-after',
  'cancel-400',
  'cancel-403',
  'cancel-404',
  'get-operation-reference-page',
  'get-operation-cpp-api-md',
  'get-operation-retry-after',
  'get-operation-completed',
  'get-operation-failed',
  'get-operation-canceled',
  'get-operation-cancelled',
  'list-operations-reference-example',
  'list-operations-properties-table',
  'list-operations-cancel-running',
  'list-operations-cancel-running-capitalised',
  'list-operations-cancel-running-properties-table',
  'list-operations-cancel-running-capitalised-properties-table',
];

/**
 * The parsed fixture `name` (with or without `.json`).
 *
 * @throws Error naming the file when it is missing, not JSON, or not a `{ restates, request, response }` wrapper.
 */
export function loadCppFixture(name: string): CppFixture {
  return loadReferenceFixture('cpp', name);
}
