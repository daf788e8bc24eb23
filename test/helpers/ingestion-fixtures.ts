/**
 * The Product Ingestion reference examples in test/fixtures/ingestion/, for tests of both the
 * simulator and the client (see that folder's README). Read synchronously, so tests can use them
 * in `it.each` tables.
 */
import { loadReferenceFixture, type ReferenceFixture } from './reference-fixtures';

/** Every fixture in test/fixtures/ingestion/, by name (file name without `.json`). */
export const INGESTION_FIXTURE_NAMES: string[] = [
  'configure-status-running',
  'configure-status-not-started',
  'configure-status-succeeded',
  'configure-status-failed',
  'cancel-200-cancelled',
  'cancel-400-completed',
  'configure-detail',
  'submissions-list',
];

/**
 * The parsed fixture `name` (with or without `.json`).
 *
 * @throws Error naming the file when it is missing, not JSON, or not a `{ restates, request, response }` wrapper.
 */
export function loadIngestionFixture(name: string): ReferenceFixture {
  return loadReferenceFixture('ingestion', name);
}
