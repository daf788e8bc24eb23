/**
 * Fault matrix: every fault the simulator can serve, on the cancel POST and on the polls, through a
 * real Worker with the real activities and HTTP client (10 s header and body timeouts; a slow fault
 * answers after 15 s). Each fault must end in its documented outcome — transient faults complete after a retry,
 * protocol problems fail as CppProtocolError, final API errors fail with their type — and no
 * history may contain a WorkflowTaskFailed event. Prints the fault → outcome table.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FailureType, WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../../src/contract';
import type { Fault, OfferScenario } from '../../simulator/scenario';
import type { RunningSimulator } from '../../simulator/server';
import { errorText, findLeaks, historiesText, makeSecret, mapLimit, markFile, reportFigures, retriedFailures, scanNamespaceForSecrets, withTimeout, workflowTaskFailures } from '../helpers/reliability';
import { startTestStack, type TestStack } from '../helpers/stack';
import { expectWaitOf } from '../helpers/timing';
import type { TemporalTestContext } from '../helpers/temporal';

const PUBLISHER = 'faults';
const COMPLETED = 'completed';
const MATRIX_CONCURRENCY = 12;
// The client's header and body timeouts here, and how late a slow fault answers: far enough apart
// that a prompt answer delayed by a busy machine (two cores, the Go server build at nice 19, Node 24)
// is never taken for a timeout. At 1 s, 2 s and then 5 s, one fast 202 was (the last on Node 24 in CI:
// its first try failed retryably 5 s in, and the retry's look-up adopted the operation).
const CLIENT_TIMEOUT_MS = 10_000;
const SLOW_ANSWER_MS = 15_000;
const POLLING = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.5, backoffCoefficient: 2, timeoutSeconds: 90 };

interface FaultCase {
  on: 'cancel' | 'poll' | 'list';
  fault: string;
  scenario: () => OfferScenario;
  /** `completed`, or the failure type. */
  expected: string;
  polling?: Partial<CancelOfferInput['polling']>;
  /** The Retry-After (as ms) the next request of its kind must wait after the faulty one: 3× the retry policy's 1 s. */
  retryAfterMs?: number;
  /** The HTTP-date a Retry-After named: the next request of its kind must not come before it. */
  notBefore?: string;
  /** Whether the retried POST must have found the earlier one's effect (server acted, answer lost). */
  confirmedByLookup?: boolean;
}

const sync = (...faults: { on: 'cancel' | 'poll' | 'list'; fault: Fault }[]): OfferScenario => ({ cancel: { mode: 'synchronous' }, faults });
const accepted = (fault?: { on: 'cancel' | 'poll'; fault: Fault }, extra: Partial<Extract<OfferScenario['cancel'], { mode: 'accepted' }>> = {}): OfferScenario => ({
  cancel: { mode: 'accepted', completeAfterPolls: 1, ...extra },
  ...(fault ? { faults: [fault] } : {}),
});
/** An HTTP-date `seconds` from now, as Retry-After carries it (whole seconds). */
const httpDate = (seconds: number) => new Date(Date.now() + seconds * 1000).toUTCString();
/** A 429 whose Retry-After is an HTTP-date 5 s ahead; the case remembers the date to check the retry against it. */
function throttledUntilDate(on: 'cancel' | 'poll'): FaultCase {
  const c: FaultCase = {
    on,
    fault: '429 Retry-After: HTTP-date (+5 s)',
    expected: COMPLETED,
    scenario: () => {
      c.notBefore = httpDate(5);
      const fault = { on, fault: { kind: 'status', status: 429, retryAfter: c.notBefore } as Fault };
      return on === 'cancel' ? sync(fault) : accepted({ on: 'poll', fault: fault.fault });
    },
  };
  return c;
}

let trap: Server;
let trapHits = 0;
let trapOrigin = '';

const CASES: FaultCase[] = [
  // --- the cancel POST ---
  ...[500, 502, 503, 408, 409].map((status): FaultCase => ({ on: 'cancel', fault: `${status}`, scenario: () => sync({ on: 'cancel', fault: { kind: 'status', status } }), expected: COMPLETED })),
  // The worker here holds a static token, which no refresh can change: a 401 is final at once.
  { on: 'cancel', fault: '401 (static token: cannot be refreshed)', scenario: () => sync({ on: 'cancel', fault: { kind: 'status', status: 401 } }), expected: FailureType.CppUnauthorized },
  { on: 'cancel', fault: '429 Retry-After: 3 (seconds)', scenario: () => sync({ on: 'cancel', fault: { kind: 'status', status: 429, retryAfter: '3' } }), expected: COMPLETED, retryAfterMs: 3_000 },
  throttledUntilDate('cancel'),
  { on: 'cancel', fault: 'connection reset', scenario: () => sync({ on: 'cancel', fault: { kind: 'reset' } }), expected: COMPLETED },
  { on: 'cancel', fault: 'headers timeout (server acted), 200', scenario: () => sync({ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }), expected: COMPLETED, confirmedByLookup: true },
  {
    on: 'cancel',
    fault: 'headers timeout (server acted), 202',
    scenario: () => accepted({ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }, { completeAfterPolls: 2 }),
    expected: COMPLETED,
  },
  { on: 'cancel', fault: 'body timeout (empty 200 body)', scenario: () => sync({ on: 'cancel', fault: { kind: 'slowBody', delayMs: SLOW_ANSWER_MS } }), expected: COMPLETED },
  { on: 'cancel', fault: 'malformed JSON 200 (body not read)', scenario: () => sync({ on: 'cancel', fault: { kind: 'malformedJson' } }), expected: COMPLETED },
  { on: 'cancel', fault: 'oversized 200 body, 8 MiB (body not read)', scenario: () => sync({ on: 'cancel', fault: { kind: 'oversizedBody' } }), expected: COMPLETED },
  { on: 'cancel', fault: '202 without Location', scenario: () => accepted({ on: 'cancel', fault: { kind: 'noLocation' } }), expected: FailureType.CppProtocolError },
  { on: 'cancel', fault: '202 with foreign-origin Location', scenario: () => accepted({ on: 'cancel', fault: { kind: 'foreignLocation', origin: trapOrigin } }), expected: FailureType.CppProtocolError },
  { on: 'cancel', fault: '400', scenario: () => ({ cancel: { mode: 'error', status: 400 } }), expected: FailureType.CppBadRequest },
  { on: 'cancel', fault: '403', scenario: () => ({ cancel: { mode: 'error', status: 403 } }), expected: FailureType.CppForbidden },
  { on: 'cancel', fault: '404', scenario: () => ({ cancel: { mode: 'error', status: 404 } }), expected: FailureType.CppNotFound },
  {
    on: 'list',
    fault: 'reset on the POST, then 503 on the look-up before the retry',
    scenario: () => sync({ on: 'cancel', fault: { kind: 'reset' } }, { on: 'list', fault: { kind: 'status', status: 503 } }),
    expected: COMPLETED,
  },
  // --- the polls ---
  ...[500, 502, 503].map((status): FaultCase => ({ on: 'poll', fault: `${status}`, scenario: () => accepted({ on: 'poll', fault: { kind: 'status', status } }), expected: COMPLETED })),
  { on: 'poll', fault: '429 Retry-After: 3 (seconds)', scenario: () => accepted({ on: 'poll', fault: { kind: 'status', status: 429, retryAfter: '3' } }), expected: COMPLETED, retryAfterMs: 3_000 },
  throttledUntilDate('poll'),
  { on: 'poll', fault: 'connection reset', scenario: () => accepted({ on: 'poll', fault: { kind: 'reset' } }), expected: COMPLETED },
  { on: 'poll', fault: 'headers timeout', scenario: () => accepted({ on: 'poll', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }, { completeAfterPolls: 2 }), expected: COMPLETED },
  { on: 'poll', fault: 'body timeout', scenario: () => accepted({ on: 'poll', fault: { kind: 'slowBody', delayMs: SLOW_ANSWER_MS } }, { completeAfterPolls: 2 }), expected: COMPLETED },
  { on: 'poll', fault: 'malformed JSON', scenario: () => accepted({ on: 'poll', fault: { kind: 'malformedJson' } }), expected: FailureType.CppProtocolError },
  { on: 'poll', fault: 'oversized body (8 MiB > 1 MiB cap)', scenario: () => accepted({ on: 'poll', fault: { kind: 'oversizedBody' } }), expected: FailureType.CppProtocolError },
  { on: 'poll', fault: 'body: array of one (documented)', scenario: () => accepted(undefined, { bodyShape: 'array', completeAfterPolls: 2 }), expected: COMPLETED },
  { on: 'poll', fault: 'body: bare object', scenario: () => accepted(undefined, { bodyShape: 'object', completeAfterPolls: 2 }), expected: COMPLETED },
  {
    on: 'poll',
    fault: 'unknown status, then "Completed"',
    scenario: () => accepted(undefined, { completeAfterPolls: 3, rawStatuses: ['running', 'pendingReview', 'Completed'] }),
    expected: COMPLETED,
  },
  {
    on: 'poll',
    fault: 'unknown status forever (timeoutSeconds 4)',
    scenario: () => accepted(undefined, { completeAfterPolls: 3, rawStatuses: ['pendingReview'] }),
    expected: FailureType.PollingDeadlineExceeded,
    polling: { timeoutSeconds: 4 },
  },
  { on: 'poll', fault: 'operation ends failed', scenario: () => accepted(undefined, { outcome: 'failed', error: 'could not stop' }), expected: FailureType.CancelOperationFailed },
  { on: 'poll', fault: '403', scenario: () => accepted({ on: 'poll', fault: { kind: 'status', status: 403 } }), expected: FailureType.CppForbidden },
  { on: 'poll', fault: '404', scenario: () => accepted({ on: 'poll', fault: { kind: 'status', status: 404 } }), expected: FailureType.CppNotFound },
];

interface Row {
  on: string;
  fault: string;
  expected: string;
  outcome: string;
  posts: number;
  requests: string;
  retryGapMs?: number;
  /** For an HTTP-date Retry-After: ms between the named date and the retry (never negative). */
  retryAfterDateMarginMs?: number;
  workflowTaskFailures: number;
  /** The failures Temporal retried, as the run's retry notices name them: why a row took another path. */
  retried: string[];
  ms: number;
}

const token = makeSecret('faults-token');
let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let stack: TestStack;
let taskQueue: string;
const rows: Row[] = [];
const caughtErrors: unknown[] = [];

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'fault-matrix', 'started');
  trap = createServer((_req, res) => {
    trapHits += 1;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapOrigin = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  stack = await startTestStack({ token, taskQueuePrefix: 'faults', cppClientOptions: { headersTimeoutMs: CLIENT_TIMEOUT_MS, bodyTimeoutMs: CLIENT_TIMEOUT_MS } });
  ({ simulator, taskQueue } = stack);
  ctx = stack;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
});

function retryFigures(c: FaultCase, offerId: string): Pick<Row, 'retryGapMs' | 'retryAfterDateMarginMs'> {
  const { faulty, next } = retryTimes(c, offerId);
  if (faulty === undefined || next === undefined) return {};
  return {
    retryGapMs: next - faulty,
    ...(c.notBefore !== undefined ? { retryAfterDateMarginMs: next - Date.parse(c.notBefore) } : {}),
  };
}

async function outcomeOf(handle: WorkflowHandle): Promise<{ outcome: string; result?: CancelOfferResult }> {
  try {
    const result = (await withTimeout(handle.result(), 120_000, handle.workflowId)) as CancelOfferResult;
    return { outcome: COMPLETED, result };
  } catch (err) {
    caughtErrors.push(err);
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { outcome: err.cause.type ?? 'ApplicationFailure' };
    return { outcome: `unexpected: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function retryTimes(c: FaultCase, offerId: string): { faulty?: number; next?: number } {
  const endpoint = c.on === 'cancel' ? 'cancel' : 'poll';
  const [faulty, next] = simulator.requests({ publisherId: PUBLISHER, offerId, endpoint });
  return { faulty: faulty && Date.parse(faulty.time), next: next && Date.parse(next.time) };
}

afterAll(() => {
  markFile(inject('temporalAddress'), 'fault-matrix', 'done');
});

describe('fault matrix', () => {
  it(`every fault ends in its documented outcome without a workflow-task failure (${CASES.length} faults)`, async () => {
    const started = Date.now();
    // A dozen at a time: all 37 at once, beside the rest of the suite on two cores, once left a fast
    // 202 unread within the client's 2 s timeout, which is a different (and correctly handled) fault.
    await mapLimit(CASES, MATRIX_CONCURRENCY, async (c, i) => {
      const offerId = `f${i}-${randomInt(1e9)}`;
      simulator.setScenario(PUBLISHER, offerId, c.scenario());
      const input: CancelOfferInput = { publisherId: PUBLISHER, offerId, notificationEmails: ['ops@contoso.com'], polling: { ...POLLING, ...c.polling } };
      const t0 = Date.now();
      const handle = await ctx.client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `fault-${offerId}`, args: [input] });
      const { outcome, result } = await outcomeOf(handle);
      const requests = simulator.requests({ publisherId: PUBLISHER, offerId });
      rows[i] = {
        on: c.on,
        fault: c.fault,
        expected: c.expected,
        outcome: outcome === COMPLETED && result ? `completed (${result.mode}${result.confirmedByLookup ? ', confirmedByLookup' : ''})` : outcome,
        posts: requests.filter((r) => r.endpoint === 'cancel' && r.answered !== 'reset').length,
        requests: requests.map((r) => `${r.endpoint}:${r.answered}`).join(' '),
        ...retryFigures(c, offerId),
        workflowTaskFailures: await workflowTaskFailures(handle),
        retried: await retriedFailures(handle),
        ms: Date.now() - t0,
      };
      if (c.confirmedByLookup) expect(result?.confirmedByLookup, c.fault).toBe(true);
    });

    console.table(rows.map((r) => ({ on: r.on, fault: r.fault, expected: r.expected, outcome: r.outcome, POSTs: r.posts, requests: r.requests, gap: r.retryGapMs ?? '', afterDate: r.retryAfterDateMarginMs ?? '', retried: r.retried.join('; '), ms: r.ms })));
    const mismatches = rows.filter((r) => !r.outcome.startsWith(r.expected));
    expect(mismatches).toEqual([]);
    expect(rows.filter((r) => r.workflowTaskFailures > 0)).toEqual([]);
    CASES.forEach((c, i) => {
      if (c.retryAfterMs !== undefined) expectWaitOf(rows[i]?.retryGapMs ?? 0, c.retryAfterMs, c.fault);
      // Timers may fire a few ms early; the date itself has whole seconds.
      if (c.notBefore !== undefined) expect(rows[i]?.retryAfterDateMarginMs, c.fault).toBeGreaterThanOrEqual(-50);
    });
    // Only one POST ever took effect per offer: a fault that replaced the answer left nothing to repeat,
    // and one that only delayed it (headers timeout) was not re-sent.
    expect(rows.filter((r) => r.fault.startsWith('headers timeout (server acted)') && r.posts !== 1)).toEqual([]);
    // The foreign Location was never requested (the token never went there).
    expect(trapHits).toBe(0);

    const histories = await historiesText(ctx.client, `TaskQueue = '${taskQueue}'`);
    const leaks = [
      ...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, [token])),
      ...caughtErrors.flatMap((e, i) => findLeaks(`error ${i}`, errorText(e), [token])),
    ];
    expect(leaks).toEqual([]);
    const namespace = await scanNamespaceForSecrets(ctx.client);
    expect(namespace.leaks).toEqual([]);
    reportFigures('fault-matrix', {
      faultsTried: CASES.length,
      asDocumented: CASES.length - mismatches.length,
      completed: rows.filter((r) => r.outcome.startsWith(COMPLETED)).length,
      failedTyped: rows.filter((r) => !r.outcome.startsWith(COMPLETED)).length,
      workflowTaskFailures: rows.reduce((n, r) => n + r.workflowTaskFailures, 0),
      foreignLocationRequests: trapHits,
      historiesScanned: histories.length,
      errorsScanned: caughtErrors.length,
      namespaceHistoriesScanned: namespace.historiesScanned,
      leaksFound: leaks.length + namespace.leaks.length,
      elapsedMs: Date.now() - started,
    });
    reportFigures('fault-matrix-table', { table: rows.map((r) => `${r.on} | ${r.fault} | ${r.outcome} | POSTs ${r.posts}`) });
  }, 300_000);
});
