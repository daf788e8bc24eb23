/** The measurements themselves: throughput, polling cost and lateness, history size. */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Agent, request } from 'undici';
import { indices, mapLimit } from '../harness/concurrency';
import type { CancelOfferInput, PollingOptions } from '../src/contract';
import type { RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { nextPollStep } from '../src/workflow-safe/poll-schedule';

export interface Throughput {
  count: number;
  seconds: number;
  perSecond: number;
}

function throughputOf(count: number, startedMs: number): Throughput {
  const seconds = (performance.now() - startedMs) / 1000;
  return { count, seconds: round(seconds, 2), perSecond: round(count / seconds, 1) };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Starts `count` workflows as fast as `startConcurrency` allows and waits for every result. */
export async function workflowThroughput(
  count: number,
  startConcurrency: number,
  start: (i: number) => Promise<{ result(): Promise<unknown> }>,
): Promise<Throughput> {
  const t0 = performance.now();
  const results: Promise<unknown>[] = [];
  await mapLimit(indices(count), startConcurrency, async (i) => {
    const handle = await start(i);
    results.push(handle.result());
  });
  await Promise.all(results);
  return throughputOf(count, t0);
}

/**
 * Runs `measure` for both kinds in `rounds` rounds, each kind first in turn: the server slows as its
 * store grows and the machine's load drifts, which would otherwise penalise whichever kind runs second.
 */
export async function alternating<K extends string>(rounds: number, kinds: readonly [K, K], measure: (kind: K, round: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 === 0 ? kinds : ([kinds[1], kinds[0]] as const)) await measure(kind, r);
  }
}

export interface SustainedThroughput {
  completed: number;
  windowSeconds: number;
  perSecond: number;
}

/**
 * Steady-state completions/s: keeps `inFlight` workflows running (each finished one is replaced)
 * and counts those finishing within `windowSeconds` after `fillSeconds`. Unlike timing a batch,
 * this leaves out the pipeline's fill and drain, one end-to-end latency per batch, so the figure
 * is what the server and worker sustain rather than a mix of throughput and latency.
 */
export async function sustainedThroughput(
  opts: { inFlight: number; fillSeconds: number; windowSeconds: number },
  start: (i: number) => Promise<{ result(): Promise<unknown> }>,
): Promise<SustainedThroughput> {
  const t0 = performance.now();
  const windowStart = t0 + opts.fillSeconds * 1000;
  const windowEnd = windowStart + opts.windowSeconds * 1000;
  let started = 0;
  let completed = 0;
  const lanes = Array.from({ length: opts.inFlight }, async () => {
    while (performance.now() < windowEnd) {
      const handle = await start(started++);
      await handle.result();
      const now = performance.now();
      if (now >= windowStart && now < windowEnd) completed++;
    }
  });
  await Promise.all(lanes); // the drain: started before the window closed, not counted
  return { completed, windowSeconds: opts.windowSeconds, perSecond: round(completed / opts.windowSeconds, 1) };
}

function cancelInput(offerId: string, polling?: Partial<PollingOptions>): CancelOfferInput {
  return { publisherId: 'bench', offerId, notificationEmails: ['bench@contoso.com'], ...(polling ? { polling } : {}) };
}

export function startCancel(client: Client, taskQueue: string, offerId: string, polling?: Partial<PollingOptions>) {
  return startOfferCancellation(client, cancelInput(offerId, polling), { taskQueue });
}

export const freshOffer = (prefix: string) => `${prefix}-${randomUUID().slice(0, 13)}`;

/** The HTTP floor: the same POST the activity sends, in a plain undici loop. */
export async function httpFloor(baseUrl: string, token: string, count: number, concurrency: number): Promise<Throughput> {
  const agent = new Agent({ connections: concurrency });
  const t0 = performance.now();
  await mapLimit(indices(count), concurrency, async (i) => {
    const res = await request(`${baseUrl}/api/publishers/floor/offers/floor-${i}-${randomUUID().slice(0, 8)}/cancel?api-version=2017-10-31`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ metadata: { 'notification-emails': 'bench@contoso.com' } }),
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`floor POST answered ${res.statusCode}`);
  });
  const result = throughputOf(count, t0);
  await agent.close();
  return result;
}

export interface PollingCost {
  gets: number;
  lateSeconds: number;
}

/** GETs and lateness of one finished operation, read from the simulator's request log. */
export function pollingCostOf(simulator: RunningSimulator, publisherId: string, offerId: string, completeAfterMs: number): PollingCost {
  const requests = simulator.requests({ publisherId, offerId });
  const post = requests.find((r) => r.endpoint === 'cancel');
  const polls = requests.filter((r) => r.endpoint === 'poll');
  const last = polls.at(-1);
  if (!post || !last) throw new Error(`no POST or poll logged for ${offerId}`);
  const doneAt = Date.parse(post.time) + completeAfterMs;
  return { gets: polls.length, lateSeconds: round((Date.parse(last.time) - doneAt) / 1000, 1) };
}

/**
 * The workflow's own poll schedule (the same `nextPollStep` it runs), for an operation that ends
 * `operationSeconds` after the 202: how many GETs it costs and how late the end is seen.
 * Request and task latencies are left out; the measured runs show how small they are.
 */
export function modelPollingCost(operationSeconds: number, polling: PollingOptions, retryAfterSeconds?: number): PollingCost {
  const retryAfterMs = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000;
  const endMs = operationSeconds * 1000;
  let t = Math.max(retryAfterMs ?? 0, polling.initialIntervalSeconds * 1000);
  let interval = polling.initialIntervalSeconds * 1000;
  let gets = 0;
  for (;;) {
    gets += 1;
    if (t >= endMs) return { gets, lateSeconds: round((t - endMs) / 1000, 1) };
    const step = nextPollStep(interval, retryAfterMs, Number.MAX_SAFE_INTEGER, polling);
    t += step.waitMs;
    interval = step.nextIntervalMs;
  }
}

/** A fixed-interval poller, the baseline the workflow's schedule is compared with. */
export function modelFixedPoller(operationSeconds: number, everySeconds: number): PollingCost {
  const gets = Math.ceil(operationSeconds / everySeconds) || 1;
  return { gets, lateSeconds: round(gets * everySeconds - operationSeconds, 1) };
}

export interface PollingLoad {
  cancellations: number;
  allPolling: boolean;
  /** From the first start until every one had polled once (or the 10-minute wait ran out). */
  secondsToStartAndFirstPoll: number;
}

/**
 * Starts `count` cancellations whose operations outlast the measurement and waits until each has
 * polled once, so all of them are in the polling phase. The simulator's default scenario is set to
 * a 30-minute operation; the caller restores it.
 */
export async function startPollingLoad(client: Client, simulator: RunningSimulator, taskQueue: string, count: number, concurrency: number): Promise<PollingLoad> {
  const offers = Array.from({ length: count }, () => freshOffer('mem'));
  simulator.setDefaultScenario({ cancel: { mode: 'accepted', completeAfterMs: 30 * 60_000 } });
  const t0 = performance.now();
  // BENCH_WATCH_WINDOW_SECONDS: the same load with polls inside watch activities (give the worker the slots).
  const watchWindowSeconds = Number(process.env.BENCH_WATCH_WINDOW_SECONDS ?? 0);
  await mapLimit(indices(count), concurrency, (i) => startCancel(client, taskQueue, offers[i]!, { initialIntervalSeconds: 5, maxIntervalSeconds: 30, watchWindowSeconds }));
  const wanted = new Set(offers);
  const polled = () => new Set(simulator.requests({ publisherId: 'bench', endpoint: 'poll' }).map((r) => r.offerId).filter((o) => o !== undefined && wanted.has(o))).size;
  const deadline = Date.now() + 10 * 60_000;
  let allPolling = polled() >= count;
  while (!allPolling && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    allPolling = polled() >= count;
  }
  return { cancellations: count, allPolling, secondsToStartAndFirstPoll: round((performance.now() - t0) / 1000, 1) };
}

/** The highest of `samples` RSS readings taken a second apart. */
export async function peakRssMiB(worker: { rssMiB(): Promise<number> }, samples: number): Promise<number> {
  let peak = 0;
  for (let i = 0; i < samples; i++) {
    peak = Math.max(peak, await worker.rssMiB());
    await new Promise((r) => setTimeout(r, 1000));
  }
  return peak;
}
