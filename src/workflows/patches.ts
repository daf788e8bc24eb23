/**
 * Every `patched()` id the workflows use, in one place: docs/operations.md lists them and a test
 * keeps the two equal. An id stays until no history that lacks its marker can still be replayed.
 */
export const PATCHES = {
  /** Runs continued as new keep the carried next poll time; runs before it polled at once, ignoring the wait (and a `Retry-After`) the previous run had computed. */
  keepNextPollOnContinueAsNew: 'continue-as-new-keeps-next-poll',
  /** The first POST runs as a local activity; runs before it scheduled an activity task, and replay must see them do so again. */
  cancelPostAsLocalActivity: 'cancel-post-as-local-activity',
} as const;
