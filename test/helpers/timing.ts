/**
 * Bounds on how long something waited, wide enough for a busy two-core machine, where a wait can end
 * seconds late but a timer never fires more than a few milliseconds early. A test telling a requested
 * delay (a Retry-After) from a retry policy's asks for one at least 3× the policy's, so the policy's
 * wait, late by load, still falls short of the requested one.
 */
import { expect } from 'vitest';

/** How much earlier than asked a wait may end: timers firing early, and whole-millisecond stamps. */
const EARLY_MS = 100;
/** How much later than asked a wait may end on a loaded machine. */
const LOAD_SLACK_MS = 5_000;

/**
 * Asserts a gap of `gapMs` is the wait of `requestedMs` that was asked for: not shorter (so not the
 * shorter policy's), and not longer than the request plus {@link LOAD_SLACK_MS}.
 */
export function expectWaitOf(gapMs: number, requestedMs: number, what: string): void {
  expect(gapMs, `${what}: waited ${gapMs} ms, asked ${requestedMs} ms`).toBeGreaterThanOrEqual(requestedMs - EARLY_MS);
  expect(gapMs, `${what}: waited ${gapMs} ms, asked ${requestedMs} ms`).toBeLessThan(requestedMs + LOAD_SLACK_MS);
}
