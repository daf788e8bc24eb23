/**
 * Load: many cancellations started at once (bounded start concurrency) against the simulator, a mix
 * of synchronous and accepted with short polls. All must reach a terminal state and none may be
 * lost — counted by a visibility query and by the simulator's request log (one POST per offer).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../../src/contract';
import type { RunningSimulator } from '../../simulator/server';
import { findLeaks, historiesText, makeSecret, mapLimit, markFile, reportFigures, scanNamespaceForSecrets, SECRET_MARKER, size, waitFor, withTimeout } from '../helpers/reliability';
import { startTestStack, type TestStack } from '../helpers/stack';
import type { TemporalTestContext } from '../helpers/temporal';

const PUBLISHER = 'load';
const CANCELLATIONS = size(200, 2_000);
const START_CONCURRENCY = 50;

const token = makeSecret('load-token');
let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let stack: TestStack;
let taskQueue: string;

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'load', 'started');
  stack = await startTestStack({ token, taskQueuePrefix: 'load', workerOptions: { maxConcurrentActivityTaskExecutions: 200, maxCachedWorkflows: CANCELLATIONS } });
  ({ simulator, taskQueue } = stack);
  ctx = stack;
});

afterAll(async () => {
  await stack?.stop();
});

afterAll(() => {
  markFile(inject('temporalAddress'), 'load', 'done');
});

describe('load', () => {
  it(`${CANCELLATIONS} cancellations started at once all reach a terminal state; none lost`, async () => {
    const batch = randomUUID().slice(0, 8);
    const offers = Array.from({ length: CANCELLATIONS }, (_, i) => `load-${batch}-${i}`);
    offers.forEach((offerId, i) =>
      simulator.setScenario(
        PUBLISHER,
        offerId,
        i % 2 === 0 ? { cancel: { mode: 'synchronous' } } : { cancel: { mode: 'accepted', completeAfterPolls: 1 + (i % 3), locationForm: i % 4 === 1 ? 'legacy' : 'migrated' } },
      ),
    );

    const started = Date.now();
    const handles: WorkflowHandle[] = await mapLimit(offers, START_CONCURRENCY, (offerId) => {
      const input: CancelOfferInput = {
        publisherId: PUBLISHER,
        offerId,
        notificationEmails: ['ops@contoso.com'],
        polling: { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.5, timeoutSeconds: 600 },
      };
      return ctx.client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `load-${offerId}`, args: [input] });
    });
    const startMs = Date.now() - started;
    const results = await mapLimit(handles, 100, (h) => withTimeout(h.result() as Promise<CancelOfferResult>, 600_000, h.workflowId));
    const elapsedMs = Date.now() - started;

    expect(results.filter((r) => r.outcome !== 'succeeded')).toEqual([]);
    // Counted by visibility (eventually consistent: wait for it, bounded).
    const query = `TaskQueue = '${taskQueue}'`;
    const completed = await waitFor(
      'visibility to count every completed cancellation',
      async () => {
        const n = (await ctx.client.workflow.count(`${query} AND ExecutionStatus = 'Completed'`)).count;
        return n === CANCELLATIONS ? n : undefined;
      },
      60_000,
      500,
    );
    const total = (await ctx.client.workflow.count(query)).count;
    const open = (await ctx.client.workflow.count(`${query} AND ExecutionStatus = 'Running'`)).count;
    expect({ total, completed, open }).toEqual({ total: CANCELLATIONS, completed: CANCELLATIONS, open: 0 });
    // …and by the simulator: exactly one POST per offer, none for anyone else.
    const posts = simulator.requests({ publisherId: PUBLISHER, endpoint: 'cancel' });
    const perOffer = new Map<string, number>();
    for (const p of posts) perOffer.set(p.offerId ?? '', (perOffer.get(p.offerId ?? '') ?? 0) + 1);
    expect(offers.filter((o) => perOffer.get(o) !== 1)).toEqual([]);
    expect(posts.length).toBe(CANCELLATIONS);

    // The suite's secret marker (this file's token included) is in none of these histories.
    const histories = await historiesText(ctx.client, query, 16);
    const leaks = histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, [token, SECRET_MARKER]));
    expect(leaks).toEqual([]);

    const namespace = await scanNamespaceForSecrets(ctx.client);
    expect(namespace.leaks).toEqual([]);
    reportFigures('load', {
      cancellations: CANCELLATIONS,
      startConcurrency: START_CONCURRENCY,
      completed: results.length,
      lost: CANCELLATIONS - completed,
      visibilityCompleted: completed,
      visibilityOpen: open,
      postsPerCancellation: posts.length / CANCELLATIONS,
      polls: simulator.requests({ publisherId: PUBLISHER, endpoint: 'poll' }).length,
      startMs,
      elapsedMs,
      perSecond: Math.round((CANCELLATIONS / elapsedMs) * 1000 * 10) / 10,
      historiesScanned: histories.length,
      namespaceHistoriesScanned: namespace.historiesScanned,
      leaksFound: leaks.length + namespace.leaks.length,
    });
  }, 900_000);
});
