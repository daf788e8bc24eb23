/**
 * The fault matrix of a Product Ingestion job's cancellation: every fault the simulator serves on
 * the cancel POST, the status polls and the summary, through a real Worker with the real activities
 * and HTTP client. Each fault must end in its documented outcome with the exact number of cancel
 * POSTs it calls for (a fault that replaced the answer leaves one more; one that only delayed an
 * answer the API acted on leaves none), and no history may hold a WorkflowTaskFailed event.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGESTION_WORKFLOW_TYPE, JobFailureType, type CancelJobInput, type CancelJobResult } from '../../src/contract';
import type { JobCancelBehaviour, JobFault, JobScenario } from '../../simulator/job-scenario';
import { errorText, findLeaks, historiesText, makeSecret, mapLimit, reportFigures, retriedFailures, withTimeout, workflowTaskFailures } from '../helpers/reliability';
import { startTestStack, type TestStack } from '../helpers/stack';
import { expectWaitOf } from '../helpers/timing';

const COMPLETED = 'completed';
// As in the offers' matrix: client timeouts far from the slow answers, so a busy machine never mixes them up.
const CLIENT_TIMEOUT_MS = 10_000;
const SLOW_ANSWER_MS = 15_000;
const POLLING: CancelJobInput['polling'] = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.5, backoffCoefficient: 2, timeoutSeconds: 90 };

interface JobFaultCase {
  on: 'jobCancel' | 'jobStatus' | 'jobSummary';
  fault: string;
  scenario: JobScenario;
  /** `completed`, or the failure type. */
  expected: string;
  /** Cancel POSTs the API answered (resets excluded). */
  posts: number;
  /** For `completed`: whether the summary was read, or why not. */
  summary?: 'read' | 'unavailable';
  confirmedByLookup?: boolean;
  /** The Retry-After (as ms) the next request of its kind must wait after the faulty one: 3× the retry policy's 1 s. */
  retryAfterMs?: number;
}

const immediate: JobCancelBehaviour = { mode: 'immediate' };
const accepted: JobCancelBehaviour = { mode: 'accepted', completesAfterPolls: 2 };
const onCancel = (fault: JobFault, cancel: JobCancelBehaviour = immediate): JobScenario => ({ cancel, faults: [{ on: 'jobCancel', fault }] });
const onStatus = (fault: JobFault): JobScenario => ({ cancel: accepted, faults: [{ on: 'jobStatus', fault }] });
const onSummary = (fault: JobFault): JobScenario => ({ cancel: immediate, faults: [{ on: 'jobSummary', fault }] });

const CASES: JobFaultCase[] = [
  // --- the cancel POST: a replaced answer is retried (a look at the status first, then the cancel again) ---
  ...[500, 502, 503, 408, 409].map((status): JobFaultCase => ({ on: 'jobCancel', fault: `${status}`, scenario: onCancel({ kind: 'status', status }), expected: COMPLETED, posts: 2, summary: 'read' })),
  { on: 'jobCancel', fault: '429 Retry-After: 3', scenario: onCancel({ kind: 'status', status: 429, retryAfter: '3' }), expected: COMPLETED, posts: 2, retryAfterMs: 3_000 },
  { on: 'jobCancel', fault: 'connection reset', scenario: onCancel({ kind: 'reset' }), expected: COMPLETED, posts: 1 },
  // The API acted, the answer came too late: the look-up finds the job cancelled and nothing is sent again.
  { on: 'jobCancel', fault: 'headers timeout (API acted), cancelled', scenario: onCancel({ kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS }), expected: COMPLETED, posts: 1, confirmedByLookup: true },
  { on: 'jobCancel', fault: 'body timeout (API acted), cancelled', scenario: onCancel({ kind: 'slowBody', delayMs: SLOW_ANSWER_MS }), expected: COMPLETED, posts: 1, confirmedByLookup: true },
  // Acted, still running: the look-up cannot tell whose cancel it is, so the cancel goes again (a no-op there).
  { on: 'jobCancel', fault: 'headers timeout (API acted), still running', scenario: onCancel({ kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS }, accepted), expected: COMPLETED, posts: 2 },
  // A 200 whose body cannot be read: the status is read at once, in the same attempt, and the cancel sent once more.
  { on: 'jobCancel', fault: 'malformed JSON 200', scenario: onCancel({ kind: 'malformedJson' }), expected: COMPLETED, posts: 2 },
  { on: 'jobCancel', fault: 'oversized 200 body', scenario: onCancel({ kind: 'oversizedBody' }), expected: COMPLETED, posts: 2 },
  // The worker holds a static token, which no refresh can change: a 401 is final at once.
  { on: 'jobCancel', fault: '401 (static token)', scenario: onCancel({ kind: 'status', status: 401 }), expected: JobFailureType.IngestionUnauthorized, posts: 1 },
  { on: 'jobCancel', fault: '403', scenario: onCancel({ kind: 'status', status: 403 }), expected: JobFailureType.IngestionForbidden, posts: 1 },
  { on: 'jobCancel', fault: '404', scenario: onCancel({ kind: 'status', status: 404 }), expected: JobFailureType.IngestionNotFound, posts: 1 },
  { on: 'jobCancel', fault: '400 too far along', scenario: { cancel: { mode: 'refused' } }, expected: JobFailureType.JobCancelRefused, posts: 1 },
  // --- the status polls ---
  ...[500, 503].map((status): JobFaultCase => ({ on: 'jobStatus', fault: `${status}`, scenario: onStatus({ kind: 'status', status }), expected: COMPLETED, posts: 1 })),
  { on: 'jobStatus', fault: '429 Retry-After: 3', scenario: onStatus({ kind: 'status', status: 429, retryAfter: '3' }), expected: COMPLETED, posts: 1, retryAfterMs: 3_000 },
  { on: 'jobStatus', fault: 'connection reset', scenario: onStatus({ kind: 'reset' }), expected: COMPLETED, posts: 1 },
  { on: 'jobStatus', fault: 'headers timeout', scenario: onStatus({ kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS }), expected: COMPLETED, posts: 1 },
  { on: 'jobStatus', fault: 'malformed JSON', scenario: onStatus({ kind: 'malformedJson' }), expected: JobFailureType.IngestionProtocolError, posts: 1 },
  { on: 'jobStatus', fault: 'oversized body', scenario: onStatus({ kind: 'oversizedBody' }), expected: JobFailureType.IngestionProtocolError, posts: 1 },
  { on: 'jobStatus', fault: '403', scenario: onStatus({ kind: 'status', status: 403 }), expected: JobFailureType.IngestionForbidden, posts: 1 },
  // --- the summary, read after the end: the cancellation stands whatever it answers ---
  { on: 'jobSummary', fault: '503', scenario: onSummary({ kind: 'status', status: 503 }), expected: COMPLETED, posts: 1, summary: 'read' },
  { on: 'jobSummary', fault: 'malformed JSON', scenario: onSummary({ kind: 'malformedJson' }), expected: COMPLETED, posts: 1, summary: 'unavailable' },
  { on: 'jobSummary', fault: '403', scenario: onSummary({ kind: 'status', status: 403 }), expected: COMPLETED, posts: 1, summary: 'unavailable' },
];

interface Row {
  on: string;
  fault: string;
  expected: string;
  outcome: string;
  posts: number;
  requests: string;
  summary?: string;
  retryGapMs?: number;
  workflowTaskFailures: number;
  retried: string[];
  ms: number;
}

const token = makeSecret('job-faults-token');
let stack: TestStack;
const rows: Row[] = [];
const caughtErrors: unknown[] = [];

beforeAll(async () => {
  stack = await startTestStack({ token, taskQueuePrefix: 'job-faults', cppClientOptions: { headersTimeoutMs: CLIENT_TIMEOUT_MS, bodyTimeoutMs: CLIENT_TIMEOUT_MS } });
});
afterAll(async () => {
  await stack?.stop();
});

async function outcomeOf(handle: { result(): Promise<unknown>; workflowId: string }): Promise<{ outcome: string; result?: CancelJobResult }> {
  try {
    return { outcome: COMPLETED, result: (await withTimeout(handle.result(), 120_000, handle.workflowId)) as CancelJobResult };
  } catch (err) {
    caughtErrors.push(err);
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return { outcome: err.cause.type ?? 'ApplicationFailure' };
    return { outcome: `unexpected: ${errorText(err)}` };
  }
}

function retryGap(c: JobFaultCase, jobId: string): number | undefined {
  const [faulty, next] = stack.simulator.requests({ jobId, endpoint: c.on });
  return faulty && next ? Date.parse(next.time) - Date.parse(faulty.time) : undefined;
}

describe('job fault matrix', () => {
  it(`every fault ends in its documented outcome with the POSTs it calls for (${CASES.length} faults)`, async () => {
    const started = Date.now();
    await mapLimit(CASES, 12, async (c, i) => {
      const jobId = randomUUID();
      stack.simulator.setJobScenario(jobId, c.scenario);
      const t0 = Date.now();
      const handle = await stack.client.workflow.start(INGESTION_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: `job-fault-${jobId}`, args: [{ jobId, polling: POLLING }] });
      const { outcome, result } = await outcomeOf(handle);
      const requests = stack.simulator.requests({ jobId });
      const retryGapMs = retryGap(c, jobId);
      rows[i] = {
        on: c.on,
        fault: c.fault,
        expected: c.expected,
        outcome: outcome === COMPLETED && result ? `completed (${result.mode}${result.confirmedByLookup ? ', confirmedByLookup' : ''})` : outcome,
        posts: requests.filter((r) => r.endpoint === 'jobCancel' && r.answered !== 'reset').length,
        requests: requests.map((r) => `${r.endpoint}:${r.answered}`).join(' '),
        ...(result ? { summary: result.processedResources ? 'read' : 'unavailable' } : {}),
        ...(retryGapMs !== undefined ? { retryGapMs } : {}),
        workflowTaskFailures: await workflowTaskFailures(handle),
        retried: await retriedFailures(handle),
        ms: Date.now() - t0,
      };
      if (c.confirmedByLookup) expect(result?.confirmedByLookup, c.fault).toBe(true);
    });

    console.table(rows.map((r) => ({ on: r.on, fault: r.fault, expected: r.expected, outcome: r.outcome, POSTs: r.posts, requests: r.requests, summary: r.summary ?? '', gap: r.retryGapMs ?? '', ms: r.ms })));
    expect(rows.filter((r) => !r.outcome.startsWith(r.expected))).toEqual([]);
    expect(rows.filter((r, i) => r.posts !== CASES[i]!.posts).map((r) => `${r.on} ${r.fault}: ${r.posts} POSTs (${r.requests})`)).toEqual([]);
    expect(rows.filter((r, i) => CASES[i]!.summary !== undefined && r.summary !== CASES[i]!.summary).map((r) => `${r.fault}: summary ${r.summary}`)).toEqual([]);
    expect(rows.filter((r) => r.workflowTaskFailures > 0)).toEqual([]);
    CASES.forEach((c, i) => {
      if (c.retryAfterMs !== undefined) expectWaitOf(rows[i]?.retryGapMs ?? 0, c.retryAfterMs, c.fault);
    });
    const histories = await historiesText(stack.client, `TaskQueue = '${stack.taskQueue}'`);
    const leaks = [...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, [token])), ...caughtErrors.flatMap((e, i) => findLeaks(`error ${i}`, errorText(e), [token]))];
    expect(leaks).toEqual([]);
    reportFigures('job-fault-matrix', {
      faultsTried: CASES.length,
      completed: rows.filter((r) => r.outcome.startsWith(COMPLETED)).length,
      failedTyped: rows.filter((r) => !r.outcome.startsWith(COMPLETED)).length,
      cancelPosts: rows.reduce((n, r) => n + r.posts, 0),
      workflowTaskFailures: rows.reduce((n, r) => n + r.workflowTaskFailures, 0),
      leaksFound: leaks.length,
      elapsedMs: Date.now() - started,
    });
  }, 300_000);
});
