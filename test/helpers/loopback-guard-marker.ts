/** What test/helpers/loopback-guard.mjs prints when it refuses a connection; tests grep worker output for it. */
export const LOOPBACK_GUARD_MARKER = '[loopback-guard] blocked';
