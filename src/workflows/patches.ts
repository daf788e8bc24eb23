import { patched } from '@temporalio/workflow';
import { illFormedUnicodeProblems } from '../workflow-safe/value-rules';

/**
 * Every `patched()` id the workflows use, in one place: docs/operations.md lists them and a test
 * keeps the two equal. An id stays until no history that lacks its marker can still be replayed.
 */
export const PATCHES = {
  /** Runs continued as new keep the carried next poll time; runs before it polled at once, ignoring the wait (and a `Retry-After`) the previous run had computed. */
  keepNextPollOnContinueAsNew: 'continue-as-new-keeps-next-poll',
  /** The first POST runs as a local activity; runs before it scheduled an activity task, and replay must see them do so again. */
  cancelPostAsLocalActivity: 'cancel-post-as-local-activity',
  /** Input strings that are not well-formed Unicode fail validation; runs before it sent them on (and failed later). Asked only for such an input, so other runs carry no marker. */
  refuseIllFormedUnicode: 'refuse-ill-formed-unicode',
} as const;

/**
 * Whether this run refuses input strings that are not well-formed Unicode: yes, unless it replays a
 * history from before that rule. The patch is asked only when the input holds such a string, so the
 * histories of all other runs stay as they were.
 */
export function refusesIllFormedUnicode(raw: unknown): boolean {
  return illFormedUnicodeProblems(raw).length === 0 || patched(PATCHES.refuseIllFormedUnicode);
}
