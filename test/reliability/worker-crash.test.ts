/**
 * Worker crashes: the product's worker runs as real child processes and is SIGKILLed at random
 * points — before the POST, after the server acted on the POST but before its answer arrived, and
 * in the middle of a poll — with a fresh worker started after every kill. Every cancellation must
 * complete, and the simulator must have answered exactly ONE cancel POST per offer.
 */
import { randomInt } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TYPE, type CancelOfferInput, type CancelOfferResult } from '../../src/contract';
import type { OfferScenario } from '../../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import {
  errorText,
  findLeaks,
  historiesText,
  makeSecret,
  mapLimit,
  markFile,
  reportFigures,
  scanNamespaceForSecrets,
  size,
  sleep,
  spawnWorkerProcess,
  waitFor,
  withTimeout,
  type WorkerProcess,
  workflowTaskFailures,
} from '../helpers/reliability';
import { uniqueTaskQueue } from '../helpers/temporal';

const PUBLISHER = 'crash';
/** Cancellations per round; one kill per round. */
const PER_ROUND = 5;
const ROUNDS = size(2, 10);
/** Long enough that every kill lands while the server's answer is still held back. */
const SLOW_ANSWER_MS = 8_000;
const FAST_POLLING = { initialIntervalSeconds: 0.2, maxIntervalSeconds: 0.5, backoffCoefficient: 2 };

type Kind = 'sync-answer-lost' | 'async-answer-lost' | 'legacy-answer-lost' | 'mid-poll' | 'random';

const SCENARIOS: Record<Exclude<Kind, 'random'>, OfferScenario> = {
  // The server cancels at once, but its 200 is held back until after the kill.
  'sync-answer-lost': { cancel: { mode: 'synchronous' }, faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }] },
  // The server starts a Cancel operation; its 202 (and Location) never reaches the killed worker.
  'async-answer-lost': {
    cancel: { mode: 'accepted', completeAfterPolls: 2 },
    faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }],
  },
  'legacy-answer-lost': {
    cancel: { mode: 'accepted', locationForm: 'legacy', completeAfterPolls: 2 },
    faults: [{ on: 'cancel', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }],
  },
  // The first GET of the operation hangs: the worker dies mid-poll.
  'mid-poll': { cancel: { mode: 'accepted', completeAfterPolls: 2 }, faults: [{ on: 'poll', fault: { kind: 'slowHeaders', delayMs: SLOW_ANSWER_MS } }] },
};

interface Cancellation {
  offerId: string;
  kind: Kind;
  round: number;
  handle?: WorkflowHandle;
  /** Where the kill found it (random kind: whether the POST had reached the server). */
  killPoint?: string;
}

const token = makeSecret('crash-token');
let simulator: RunningSimulator;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
const caughtErrors: unknown[] = [];
/** Results of the cancellations whose 202 was lost, so the retry adopted the running Cancel operation. */
const adopted: CancelOfferResult[] = [];

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'worker-crash', 'started');
  simulator = await startSimulator({ tokens: [token] });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await simulator?.close();
  await connection?.close();
});

function startWorker(taskQueue: string, n: number): WorkerProcess {
  const worker = spawnWorkerProcess({
    name: `crash-${n}`,
    taskQueue,
    cppBaseUrl: simulator.url,
    accessToken: token,
  });
  workers.push(worker);
  return worker;
}

function input(offerId: string): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['ops@contoso.com'], polling: FAST_POLLING };
}

const postsOf = (offerId: string) => simulator.requests({ publisherId: PUBLISHER, offerId, endpoint: 'cancel' });
const answeredPostsOf = (offerId: string) => postsOf(offerId).filter((r) => r.answered !== 'reset');

afterAll(() => {
  markFile(inject('temporalAddress'), 'worker-crash', 'done');
});

describe('worker processes SIGKILLed at random points', () => {
  it(`every cancellation completes with exactly one POST (${ROUNDS} kills, ${ROUNDS * PER_ROUND} cancellations)`, async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const cancellations: Cancellation[] = [];
    const started = Date.now();
    let kills = 0;
    let answerLostKills = 0;
    let midPollKills = 0;

    const start = async (c: Cancellation) => {
      c.handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `crash-${c.offerId}`, args: [input(c.offerId)] });
    };

    for (let round = 0; round < ROUNDS; round++) {
      const worker = startWorker(taskQueue, round);
      await withTimeout(worker.ready, 60_000, `worker ${worker.name} start`);
      const slow: Cancellation[] = (Object.keys(SCENARIOS) as Exclude<Kind, 'random'>[]).map((kind) => ({
        offerId: `${kind}-${round}-${randomInt(1e9)}`,
        kind,
        round,
      }));
      for (const c of slow) simulator.setScenario(PUBLISHER, c.offerId, SCENARIOS[c.kind as Exclude<Kind, 'random'>]);
      await Promise.all(slow.map(start));
      cancellations.push(...slow);
      // The held-back answers are in flight once the server has logged them.
      await waitFor(
        `round ${round}: the slow POSTs and the slow poll reached the server`,
        () =>
          slow.every((c) =>
            c.kind === 'mid-poll' ? simulator.requests({ publisherId: PUBLISHER, offerId: c.offerId, endpoint: 'poll' }).length > 0 : postsOf(c.offerId).length > 0,
          ),
        30_000,
        25,
      );
      // One more, started just before the kill: caught before or just after its POST.
      const random: Cancellation = { offerId: `random-${round}-${randomInt(1e9)}`, kind: 'random', round };
      simulator.setScenario(PUBLISHER, random.offerId, round % 2 === 0 ? { cancel: { mode: 'synchronous' } } : { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
      await start(random);
      cancellations.push(random);
      // Even rounds kill almost at once (before its POST, usually), odd rounds a little later (around it).
      await sleep(round % 2 === 0 ? randomInt(0, 40) : randomInt(100, 700));

      await worker.kill();
      kills += 1;
      const killedAt = Date.now();
      random.killPoint = postsOf(random.offerId).length === 0 ? 'before-post' : 'after-post';
      for (const c of slow) {
        const held = c.kind === 'mid-poll' ? simulator.requests({ publisherId: PUBLISHER, offerId: c.offerId, endpoint: 'poll' })[0] : postsOf(c.offerId)[0];
        // The answer was decided (and the offer changed) but could not have been delivered yet.
        expect(killedAt - Date.parse(held!.time)).toBeLessThan(SLOW_ANSWER_MS);
        c.killPoint = c.kind === 'mid-poll' ? 'mid-poll' : 'answer-lost';
        if (c.kind === 'mid-poll') midPollKills += 1;
        else answerLostKills += 1;
      }
    }

    // A last worker finishes everything; earlier kills may also have hit retries of earlier rounds.
    const survivor = startWorker(taskQueue, ROUNDS);
    await withTimeout(survivor.ready, 60_000, 'last worker start');
    const results = await mapLimit(cancellations, 20, async (c) => {
      try {
        return await withTimeout(c.handle!.result() as Promise<CancelOfferResult>, 180_000, `result of ${c.offerId}`);
      } catch (err) {
        caughtErrors.push(err);
        throw err;
      }
    });
    const elapsedMs = Date.now() - started;

    expect(results.every((r) => r.outcome === 'succeeded')).toBe(true);
    const posts = cancellations.map((c) => ({ offerId: c.offerId, kind: c.kind, posts: answeredPostsOf(c.offerId).length }));
    expect(posts.filter((p) => p.posts !== 1)).toEqual([]);
    // Where the answer of a synchronous cancel was lost, the retry found it done instead of re-sending it.
    cancellations.forEach((c, i) => {
      if (c.kind === 'sync-answer-lost') expect(results[i], c.offerId).toMatchObject({ mode: 'synchronous', confirmedByLookup: true });
      if (c.kind === 'async-answer-lost' || c.kind === 'legacy-answer-lost') expect(results[i], c.offerId).toMatchObject({ mode: 'asynchronous', operation: { status: 'completed' } });
    });
    adopted.push(...results.filter((_, i) => cancellations[i]?.kind === 'async-answer-lost' || cancellations[i]?.kind === 'legacy-answer-lost'));
    const taskFailures = await mapLimit(cancellations, 8, (c) => workflowTaskFailures(c.handle!));
    expect(taskFailures.reduce((a, b) => a + b, 0)).toBe(0);

    // No history, worker log line or caught error carries the bearer token.
    const histories = await historiesText(client, `TaskQueue = '${taskQueue}'`);
    const leaks = [
      ...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, [token])),
      ...workers.flatMap((w) => findLeaks(`log of ${w.name}`, w.lines.join('\n'), [token])),
      ...caughtErrors.flatMap((e, i) => findLeaks(`error ${i}`, errorText(e), [token])),
    ];
    expect(leaks).toEqual([]);
    expect(workers.flatMap((w) => w.blockedConnections())).toEqual([]);
    const namespace = await scanNamespaceForSecrets(client);
    expect(namespace.leaks).toEqual([]);

    const beforePost = cancellations.filter((c) => c.killPoint === 'before-post').length;
    reportFigures('worker-crash', {
      cancellations: cancellations.length,
      completed: results.length,
      lost: cancellations.length - results.length,
      crashesSurvived: kills,
      killPoints: { answerLost: answerLostKills, midPoll: midPollKills, beforePost, justAfterPost: cancellations.length - answerLostKills - midPollKills - beforePost },
      postsPerCancellation: Math.max(...posts.map((p) => p.posts)),
      confirmedByLookup: results.filter((r) => r.confirmedByLookup).length,
      historiesScanned: histories.length,
      workerLogLines: workers.reduce((n, w) => n + w.lines.length, 0),
      namespaceHistoriesScanned: namespace.historiesScanned,
      leaksFound: leaks.length + namespace.leaks.length,
      workflowTaskFailures: 0,
      elapsedMs,
    });

    // An adopted Cancel operation (its 202 lost to the crash) must say so, or it cannot be told from a fresh one.
    expect(adopted.length).toBeGreaterThan(0);
    expect(adopted.map((r) => r.confirmedByLookup ?? false)).toEqual(adopted.map(() => true));
  }, 900_000);
});
