/**
 * (e) Eager Workflow Start, as an A/B (issue 18): the same cancellations on the 200 path started
 * with and without `requestEagerStart`, in one run, alternating rounds. Eager start only works when
 * the starting client shares its NativeConnection with a worker of the task queue in the same
 * process, so both arms run the shipped worker (`createCancellationWorker`, shipped settings) in this
 * process and start through `startOfferCancellation` on a client over its connection; the only
 * difference is `eager`.
 * Measured: start-to-result latency one at a time (median, p95), sustained completions/s with 100 in
 * flight, the share the server did start eagerly, and the history of one run of each arm.
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadWorkerConfig } from '../src/worker-process/config';
import { StaticTokenProvider } from '../src/cpp/token-provider';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { createCancellationWorker } from '../src/worker-process/create-worker';
import { alternating, freshOffer, round, sustainedThroughput } from './measure';
import { BENCH_TOKEN, type BenchStack } from './stack';

const ARMS = ['regular', 'eager'] as const;
type Arm = (typeof ARMS)[number];

export interface EagerStartScale {
  rounds: number;
  /** Cancellations started one after another per arm and round, for latency. */
  sequentialPerRound: number;
  sustained: { inFlight: number; fillSeconds: number; windowSeconds: number };
}

function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))]!;
}

export async function eagerStartSection(ctx: BenchStack, scale: EagerStartScale) {
  // The first in-process worker of the bench: its Runtime logs only warnings, like the worker processes'.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = `bench-e-${Date.now()}`;
  const config = loadWorkerConfig({ ...ctx.workerEnv, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'WARN' });
  const cancellationWorker = await createCancellationWorker({ config, tokenProvider: new StaticTokenProvider(BENCH_TOKEN) });
  const running = cancellationWorker.run();
  try {
    const connection = cancellationWorker.worker.connection;
    if (!connection) throw new Error('the worker has no connection');
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const eagerlyStarted = { regular: 0, eager: 0 };
    const started = { regular: 0, eager: 0 };
    const start = async (arm: Arm) => {
      const input = { publisherId: 'bench', offerId: freshOffer(`eager-${arm}`), notificationEmails: ['bench@contoso.com'] };
      const handle = await startOfferCancellation(client, input, { taskQueue, eager: arm === 'eager' });
      started[arm] += 1;
      if (handle.eagerlyStarted) eagerlyStarted[arm] += 1;
      return handle;
    };

    // Warm-up: isolates, connections, the simulator's first requests.
    for (const arm of ARMS) for (let i = 0; i < 20; i++) await (await start(arm)).result();

    const latencies: Record<Arm, number[]> = { regular: [], eager: [] };
    const sustained = { regular: { completed: 0, seconds: 0 }, eager: { completed: 0, seconds: 0 } };
    await alternating(scale.rounds, ARMS, async (arm) => {
      for (let i = 0; i < scale.sequentialPerRound; i++) {
        const t0 = performance.now();
        await (await start(arm)).result();
        latencies[arm].push(performance.now() - t0);
      }
      const t = await sustainedThroughput(scale.sustained, () => start(arm));
      sustained[arm].completed += t.completed;
      sustained[arm].seconds += t.windowSeconds;
    });

    // Each arm's figures, and the history of one more run of it.
    const summary = async (arm: Arm) => {
      const sorted = [...latencies[arm]].sort((a, b) => a - b);
      const measured = {
        latencyMs: { median: round(percentile(sorted, 50), 1), p95: round(percentile(sorted, 95), 1), runs: sorted.length },
        sustainedPerSecond: round(sustained[arm].completed / sustained[arm].seconds),
        eagerlyStartedShare: round(eagerlyStarted[arm] / started[arm], 3),
      };
      const handle = await start(arm);
      await handle.result();
      return { ...measured, historyEvents200Path: (await handle.fetchHistory()).events?.length ?? 0 };
    };
    const arms = { regular: await summary('regular'), eager: await summary('eager') };
    const result = { scale, ...arms, sustainedRatio: round(arms.eager.sustainedPerSecond / arms.regular.sustainedPerSecond, 2) };
    for (const arm of ARMS) {
      const r = arms[arm];
      console.log(
        `  (e) ${arm}: latency median ${r.latencyMs.median} ms, p95 ${r.latencyMs.p95} ms; sustained ${r.sustainedPerSecond}/s; ` +
          `started eagerly ${r.eagerlyStartedShare * 100}%; 200-path events ${r.historyEvents200Path}`,
      );
    }
    return result;
  } finally {
    cancellationWorker.shutdown();
    await running;
  }
}
