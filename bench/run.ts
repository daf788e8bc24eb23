/**
 * `npm run bench`: starts a Temporal dev server, the CPP simulator and the worker (as its own
 * process), then measures in one run — so the ratios compare like with like on this machine:
 *   (a) completed cancellations/s on the 200 path vs a hello workflow, and the raw HTTP floor;
 *   (b) GETs per operation and lateness of the workflow's polling vs a fixed 2-second poller;
 *   (c) worker RSS idle vs with many cancellations polling, and history sizes;
 *   (d) history events and Temporal Cloud Actions per cancellation, vs a fixed poller and the
 *       infrequent-polling pattern (bench/cost.ts);
 *   (e) Eager Workflow Start vs a regular start, from a process that runs the worker (bench/eager-start.ts);
 *   (f) heartbeats that reach the server per poll, by how fast CPP answers (bench/heartbeats.ts).
 * Prints a table and writes bench/results/latest.json. BENCH_SCALE=small for a quick run;
 * BENCH_ONLY=cost runs (d) alone (a minute), BENCH_ONLY=throughput (a) alone (P1, a few minutes),
 * BENCH_ONLY=eager (e), BENCH_ONLY=heartbeats (f); each updates its part of latest.json and the targets.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CppHttpClient } from '../src/cpp/client';
import { StaticTokenProvider } from '../src/cpp/token-provider';
import { DEFAULT_POLLING } from '../src/workflow-safe/cancel-input';
import { TERMINAL_OPERATION_STATUSES } from '../src/workflow-safe/operation-status';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import {
  alternating,
  peakRssMiB,
  freshOffer,
  httpFloor,
  modelFixedPoller,
  modelPollingCost,
  pollingCostOf,
  round,
  startCancel,
  startPollingLoad,
  sustainedThroughput,
  workflowThroughput,
  type PollingCost,
} from './measure';
import { costSection, costTable } from './cost';
import { eagerStartSection } from './eager-start';
import { heartbeatSection } from './heartbeats';
import { BENCH_TOKEN, withBenchStack, withWorker, type BenchStack } from './stack';
import { helloWorkflow } from './workflows/hello';

const small = process.env.BENCH_SCALE === 'small';
const SCALE = {
  throughputN: small ? 100 : 1000,
  startConcurrency: 50,
  floorN: small ? 500 : 3000,
  pollOps: small ? 4 : 10,
  pollT: Number(process.env.BENCH_POLL_T_SECONDS ?? (small ? 12 : 20)),
  memoryN: small ? 500 : 5000,
  longRunPolls: small ? 120 : 230,
};

/** (a) measures hello and cancel in this many alternating rounds, each kind going first in turn. */
const THROUGHPUT_ROUNDS = 6;
/** (a), sustained: workflows kept in flight (enough to saturate the worker), and the counting windows. */
const SUSTAINED_WINDOW = small ? { inFlight: 100, fillSeconds: 2, windowSeconds: 5 } : { inFlight: 100, fillSeconds: 3, windowSeconds: 10 };
const SUSTAINED = { rounds: small ? 2 : 4, ...SUSTAINED_WINDOW };

/** (e) Eager Workflow Start, A/B: rounds, one-at-a-time starts per round, and P1's sustained window. */
const EAGER = { rounds: small ? 2 : 4, sequentialPerRound: small ? 20 : 50, sustained: SUSTAINED_WINDOW };

/** Worker settings compared in (a): roughly the SDK's defaults (cache sized from the heap) vs what this project ships. */
const WORKER_CONFIGS: Record<string, Record<string, string>> = {
  'sdk-defaults': { WORKER_MAX_CONCURRENT_ACTIVITIES: '100', WORKER_MAX_CACHED_WORKFLOWS: '1000' },
  shipped: {},
};


const KINDS = ['hello', 'cancel'] as const;

async function throughputSection(ctx: BenchStack) {
  const rows = [];
  for (const [name, env] of Object.entries(WORKER_CONFIGS)) {
    const taskQueue = `bench-a-${name}-${Date.now()}`;
    const start: Record<'hello' | 'cancel', (id: string) => Promise<{ result(): Promise<unknown> }>> = {
      hello: (id) => ctx.client.workflow.start(helloWorkflow, { taskQueue, workflowId: `hello-${taskQueue}-${id}`, args: ['bench'] }),
      cancel: () => startCancel(ctx.client, taskQueue, freshOffer('sync')),
    };
    const row = await withWorker(ctx, taskQueue, env, async () => {
      // Warm-up: first tasks pay for isolate creation and connection set-up.
      await workflowThroughput(50, 25, (i) => start.hello(`warm-${i}`));
      await workflowThroughput(50, 25, () => start.cancel(''));

      // Sustained (the P1 figure): steady-state completions/s with the pipeline kept full.
      const sustained = { hello: { completed: 0, seconds: 0 }, cancel: { completed: 0, seconds: 0 } };
      await alternating(SUSTAINED.rounds, KINDS, async (kind, r) => {
        const t = await sustainedThroughput(SUSTAINED, (i) => start[kind](`s${r}-${i}`));
        sustained[kind].completed += t.completed;
        sustained[kind].seconds += t.windowSeconds;
      });
      // Batch: the time to finish bursts of workflows, so it includes one end-to-end latency per burst.
      const perRound = Math.ceil(SCALE.throughputN / THROUGHPUT_ROUNDS);
      const batchSeconds = { hello: 0, cancel: 0 };
      await alternating(THROUGHPUT_ROUNDS, KINDS, async (kind, r) => {
        batchSeconds[kind] += (await workflowThroughput(perRound, SCALE.startConcurrency, (i) => start[kind](`b${r}-${i}`))).seconds;
      });

      const rate = (n: number, seconds: number) => round(n / seconds);
      const helloPerSecond = rate(sustained.hello.completed, sustained.hello.seconds);
      const cancelPerSecond = rate(sustained.cancel.completed, sustained.cancel.seconds);
      const batchTotal = perRound * THROUGHPUT_ROUNDS;
      const batch = { helloPerSecond: rate(batchTotal, batchSeconds.hello), cancelPerSecond: rate(batchTotal, batchSeconds.cancel) };
      return {
        config: name,
        helloPerSecond,
        cancelPerSecond,
        ratio: round(cancelPerSecond / helloPerSecond, 2),
        batch: { ...batch, ratio: round(batch.cancelPerSecond / batch.helloPerSecond, 2) },
      };
    });
    rows.push(row);
    console.log(
      `  (a) ${name}: sustained hello ${row.helloPerSecond}/s, cancel ${row.cancelPerSecond}/s, ratio ${row.ratio}; ` +
        `batch hello ${row.batch.helloPerSecond}/s, cancel ${row.batch.cancelPerSecond}/s, ratio ${row.batch.ratio}`,
    );
  }
  const floor = await httpFloor(ctx.simulator.url, BENCH_TOKEN, SCALE.floorN, 32);
  console.log(`  (a) HTTP floor: ${floor.perSecond} POST/s`);
  return { sustained: SUSTAINED, batchRounds: THROUGHPUT_ROUNDS, configs: rows, httpFloorPerSecond: floor.perSecond };
}

/** Polls like a naive client: GET every `everySeconds` until terminal. */
async function fixedPoller(cpp: CppHttpClient, offerId: string, everySeconds: number): Promise<void> {
  const accepted = await cpp.cancelOperation({ publisherId: 'bench', offerId, notificationEmails: ['bench@contoso.com'] });
  if (accepted.kind !== 'asynchronous') throw new Error('expected 202');
  for (;;) {
    await new Promise((r) => setTimeout(r, everySeconds * 1000));
    const { operation } = await cpp.getOperation(accepted.location);
    if (TERMINAL_OPERATION_STATUSES.has(operation.status)) return;
  }
}

async function pollingSection(ctx: BenchStack, cpp: CppHttpClient) {
  const T = SCALE.pollT;
  const taskQueue = `bench-b-${Date.now()}`;
  const mean = (costs: PollingCost[]) => ({
    gets: round(costs.reduce((s, c) => s + c.gets, 0) / costs.length, 1),
    lateSeconds: round(costs.reduce((s, c) => s + c.lateSeconds, 0) / costs.length, 1),
    worstLateSeconds: Math.max(...costs.map((c) => c.lateSeconds)),
  });
  const run = async (label: string, retryAfterSeconds?: number) => {
    const offers = Array.from({ length: SCALE.pollOps }, () => freshOffer(label));
    for (const offerId of offers) {
      ctx.simulator.setScenario('bench', offerId, { cancel: { mode: 'accepted', completeAfterMs: T * 1000, retryAfterSeconds, steps: 1 } });
    }
    return offers;
  };
  const measured = await withWorker(ctx, taskQueue, {}, async () => {
    const noHint = await run('poll-plain');
    const withHint = await run('poll-ra', 5);
    const fixed = await run('poll-fixed');
    await Promise.all([
      ...[...noHint, ...withHint].map(async (offerId) => (await startCancel(ctx.client, taskQueue, offerId)).result()),
      ...fixed.map((offerId) => fixedPoller(cpp, offerId, 2)),
    ]);
    const cost = (offers: string[]) => mean(offers.map((o) => pollingCostOf(ctx.simulator, 'bench', o, T * 1000)));
    return { withoutRetryAfter: cost(noHint), withRetryAfter5s: cost(withHint), fixed2sPoller: cost(fixed) };
  });
  const modelled = (seconds: number) => ({
    withoutRetryAfter: modelPollingCost(seconds, DEFAULT_POLLING),
    withRetryAfter5s: modelPollingCost(seconds, DEFAULT_POLLING, 5),
    fixed2sPoller: modelFixedPoller(seconds, 2),
  });
  const result = { operationSeconds: T, measured, modelAtMeasuredT: modelled(T), modelAt600s: modelled(600) };
  console.log(`  (b) T=${T}s measured ${JSON.stringify(measured)}`);
  console.log(`  (b) T=600s modelled ${JSON.stringify(result.modelAt600s)}`);
  return result;
}

/** Events in the run's history, and its size as the server stores it (protobuf, payloads included). */
async function historyOf(client: Client, workflowId: string, runId?: string): Promise<{ events: number; bytes: number }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return { events: history.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(history).finish().byteLength };
}

async function memoryAndHistorySection(ctx: BenchStack) {
  const taskQueue = `bench-c-${Date.now()}`;
  return withWorker(ctx, taskQueue, {}, async (worker) => {
    // History: the 200 path, and the cost of one more poll on the 202 path.
    const sync = await startCancel(ctx.client, taskQueue, freshOffer('hist-sync'));
    await sync.result();
    const { events: eventsSync, bytes: bytesSync } = await historyOf(ctx.client, sync.workflowId);
    const eventsFor = async (polls: number) => {
      const offerId = freshOffer(`hist-${polls}`);
      ctx.simulator.setScenario('bench', offerId, { cancel: { mode: 'accepted', completeAfterPolls: polls } });
      const h = await startCancel(ctx.client, taskQueue, offerId, { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.1 });
      await h.result();
      return (await historyOf(ctx.client, h.workflowId)).events;
    };
    const [e2, e6] = [await eventsFor(2), await eventsFor(6)];
    const eventsPerPoll = round((e6 - e2) / 4, 1);

    // The longest run: many polls, continue-as-new at the default 100 polls per run.
    const longOffer = freshOffer('hist-long');
    ctx.simulator.setScenario('bench', longOffer, { cancel: { mode: 'accepted', completeAfterPolls: SCALE.longRunPolls } });
    const long = await startCancel(ctx.client, taskQueue, longOffer, { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.1 });
    await long.result();
    const runs: number[] = [];
    for await (const execution of ctx.client.workflow.list({ query: `WorkflowId = '${long.workflowId}'` })) {
      runs.push((await historyOf(ctx.client, execution.workflowId, execution.runId)).events);
    }

    // Memory: idle (warm) vs many cancellations polling at once.
    await new Promise((r) => setTimeout(r, 2000));
    const idleRssMiB = round(await worker.rssMiB(), 1);
    const load = await startPollingLoad(ctx.client, ctx.simulator, taskQueue, SCALE.memoryN, SCALE.startConcurrency);
    const peak = await peakRssMiB(worker, 10);
    ctx.simulator.setDefaultScenario({ cancel: { mode: 'synchronous' } });
    const result = {
      historyEvents200Path: eventsSync,
      historyBytes200Path: bytesSync,
      historyEventsPerPoll: eventsPerPoll,
      longRun: { polls: SCALE.longRunPolls, runs: runs.length, maxEventsInOneRun: Math.max(...runs) },
      idleRssMiB,
      polling: { ...load, rssMiB: round(peak, 1) },
      rssRatio: round(peak / idleRssMiB, 2),
    };
    console.log(`  (c) ${JSON.stringify(result)}`);
    return result;
  });
}

/** (e)'s rows: what `eager: true` changes when the starter runs the worker (both arms in this process). */
function eagerRows(e: Results['eagerStart']): [string, string, string, string][] {
  return [
    ['    eager start (same process): median · p95 start to result, regular → eager (ms)', `${e.regular.latencyMs.median} · ${e.regular.latencyMs.p95} → ${e.eager.latencyMs.median} · ${e.eager.latencyMs.p95}`, '', ''],
    ['    eager start (same process): sustained cancel/s, regular → eager', `${e.regular.sustainedPerSecond} → ${e.eager.sustainedPerSecond} (${e.sustainedRatio} ×; ${e.eager.eagerlyStartedShare * 100}% eager)`, '', ''],
  ];
}

function printTable(results: Results): void {
  const a = results.throughput;
  const shipped = a.configs.find((c) => c.config === 'shipped') ?? a.configs[0]!;
  const b = results.polling;
  const c = results.memoryAndHistory;
  const rows: [string, string, string, string][] = [
    ['P1 sustained throughput ratio (cancel/hello, shipped settings)', String(shipped.ratio), '≥ 0.9', shipped.ratio >= 0.9 ? 'met' : 'NOT met'],
    ...a.configs.map((r): [string, string, string, string] => [`    ${r.config}: sustained hello/s · cancel/s`, `${r.helloPerSecond} · ${r.cancelPerSecond}`, '', '']),
    ...a.configs.map((r): [string, string, string, string] => [`    ${r.config}: batches hello/s · cancel/s · ratio`, `${r.batch.helloPerSecond} · ${r.batch.cancelPerSecond} · ${r.batch.ratio}`, '', '']),
    ['    HTTP floor (undici POST/s to the simulator)', String(a.httpFloorPerSecond), '', ''],
    ...eagerRows(results.eagerStart),
    ['P2 GETs for a 10-min operation, no Retry-After (model)', String(b.modelAt600s.withoutRetryAfter.gets), '≤ 15', b.modelAt600s.withoutRetryAfter.gets <= 15 ? 'met' : 'NOT met'],
    ['P2 completion seen late, 10 min (model, s)', String(b.modelAt600s.withoutRetryAfter.lateSeconds), '≤ 60', b.modelAt600s.withoutRetryAfter.lateSeconds <= 60 ? 'met' : 'NOT met'],
    [`    measured T=${b.operationSeconds}s: GETs · late s (model)`, `${b.measured.withoutRetryAfter.gets} · ${b.measured.withoutRetryAfter.lateSeconds} (${b.modelAtMeasuredT.withoutRetryAfter.gets} · ${b.modelAtMeasuredT.withoutRetryAfter.lateSeconds})`, '', ''],
    [`    measured T=${b.operationSeconds}s, Retry-After 5 s`, `${b.measured.withRetryAfter5s.gets} · ${b.measured.withRetryAfter5s.lateSeconds}`, '', ''],
    [`    measured T=${b.operationSeconds}s, fixed 2 s poller`, `${b.measured.fixed2sPoller.gets} · ${b.measured.fixed2sPoller.lateSeconds}`, '', ''],
    ['    10 min: fixed 2 s poller GETs (model)', String(b.modelAt600s.fixed2sPoller.gets), '', ''],
    [`P3 RSS with ${c.polling.cancellations} polling / idle`, `${c.polling.rssMiB} / ${c.idleRssMiB} MiB = ${c.rssRatio}`, '≤ 2', c.rssRatio <= 2 ? 'met' : 'NOT met'],
    ['P4 history events on the 200 path', String(c.historyEvents200Path), '≤ 12', c.historyEvents200Path <= 12 ? 'met' : 'NOT met'],
    ['    history size on the 200 path (bytes, payloads included)', String(c.historyBytes200Path), '', ''],
    ['    history events per poll (202 path)', String(c.historyEventsPerPoll), '', ''],
    ...results.heartbeats.cases.map((h): [string, string, string, string] => [`    heartbeats (Actions) per poll answered in ${h.pollAnswerSeconds} s`, String(h.heartbeatsPerPoll), '', '']),
    [`    most events in one run (${c.longRun.polls} polls, ${c.longRun.runs} runs)`, String(c.longRun.maxEventsInOneRun), '', ''],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('\n' + rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n'));
  console.log(`\n${costTable(results.cost)}`);
}

async function collect(ctx: BenchStack, cpp: CppHttpClient) {
  console.log('(a) throughput…');
  const throughput = await throughputSection(ctx);
  console.log('(b) polling…');
  const polling = await pollingSection(ctx, cpp);
  console.log('(c) memory and history…');
  const memoryAndHistory = await memoryAndHistorySection(ctx);
  console.log('(d) cost per cancellation…');
  const cost = await costSection(ctx);
  console.log('(e) eager workflow start…');
  const eagerStart = await eagerStartSection(ctx, EAGER);
  console.log('(f) heartbeats…');
  const heartbeats = await heartbeatSection(ctx);
  return { throughput, polling, memoryAndHistory, cost, eagerStart, heartbeats };
}

type Results = Awaited<ReturnType<typeof collect>>;

/** The target figures, under the keys it names. */
function targetsOf(results: Pick<Results, 'throughput' | 'cost'>) {
  const shipped = results.throughput.configs.find((c) => c.config === 'shipped') ?? results.throughput.configs[0]!;
  const { cost } = results;
  const { designs, watch } = cost;
  return {
    p1Ratio: shipped.ratio,
    // The cost targets are met by the watch design, which is opt-in: `design` says so, `defaultPolling` what the default costs.
    eventsPerPoll: watch.eventsPerPoll.max,
    actionsPerCancellation: watch.actionsPerCancellation,
    eventsOn200Path: cost.eventsOn200Path,
    design: `polling.watchWindowSeconds ${watch.windowSeconds}; an operation that shows no change until it ends`,
    defaultPolling: { eventsPerPoll: cost.eventsPerPoll.max, actionsPerCancellation: cost.actionsPerCancellation },
    baselines: {
      fixed2s: { op10min: designs.fixed2s.op10min.actions, op24h: designs.fixed2s.op24h.actions },
      infrequentPolling: { op10min: designs.infrequentPolling.op10min.actions, op24h: designs.infrequentPolling.op24h.actions },
    },
  };
}

/** Replaces one section of latest.json (and the targets it feeds), keeping the rest; `<section>Date` says when. */
async function updateLatest<K extends 'cost' | 'throughput' | 'eagerStart' | 'heartbeats'>(section: K, value: Results[K]): Promise<void> {
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json');
  const latest = JSON.parse(await readFile(file, 'utf8')) as { results: Results; targets?: unknown } & Record<string, unknown>;
  latest.results[section] = value;
  latest[`${section}Date`] = new Date().toISOString();
  latest.targets = targetsOf(latest.results);
  await writeFile(file, JSON.stringify(latest, null, 2) + '\n');
  console.log(`\nwrote the ${section} part of ${path.relative(PROJECT_ROOT, file)}: ${JSON.stringify(latest.targets)}`);
}

/** BENCH_ONLY=cost: section (d) alone (a minute). */
async function costOnly(ctx: BenchStack): Promise<void> {
  console.log('(d) cost per cancellation…');
  const cost = await costSection(ctx);
  console.log(`\n${costTable(cost)}`);
  await updateLatest('cost', cost);
}

/** BENCH_ONLY=throughput: section (a) alone (P1, a few minutes). */
async function throughputOnly(ctx: BenchStack): Promise<void> {
  console.log('(a) throughput…');
  await updateLatest('throughput', await throughputSection(ctx));
}

/** BENCH_ONLY=eager: section (e) alone (a few minutes). */
async function eagerOnly(ctx: BenchStack): Promise<void> {
  console.log('(e) eager workflow start…');
  const eagerStart = await eagerStartSection(ctx, EAGER);
  console.log('\n' + eagerRows(eagerStart).map((r) => `${r[0].trim()}: ${r[1]}`).join('\n'));
  await updateLatest('eagerStart', eagerStart);
}

/** BENCH_ONLY=heartbeats: section (f) alone (under a minute). */
async function heartbeatsOnly(ctx: BenchStack): Promise<void> {
  console.log('(f) heartbeats…');
  await updateLatest('heartbeats', await heartbeatSection(ctx));
}

/** BENCH_ONLY=memory: section (c) alone, to compare worker settings (e.g. WORKER_MAX_CACHED_WORKFLOWS); its own file per setting. */
async function memoryOnly(ctx: BenchStack): Promise<void> {
  console.log('(c) memory and history…');
  const only = { memoryAndHistory: await memoryAndHistorySection(ctx) };
  const watch = process.env.BENCH_WATCH_WINDOW_SECONDS ? `-watch-${process.env.BENCH_WATCH_WINDOW_SECONDS}s` : '';
  const file = path.join(PROJECT_ROOT, 'bench', 'results', `memory-cache-${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default'}${watch}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), scale: SCALE, results: only }, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(PROJECT_ROOT, file)}`);
}

/** What each BENCH_ONLY value runs instead of the whole bench. */
const ONLY: Record<string, (ctx: BenchStack) => Promise<void>> = {
  throughput: throughputOnly,
  cost: costOnly,
  eager: eagerOnly,
  heartbeats: heartbeatsOnly,
  memory: memoryOnly,
};

async function main(): Promise<void> {
  await withBenchStack(
    'bench',
    async (ctx) => {
      const cpp = new CppHttpClient({ baseUrl: ctx.simulator.url, tokenProvider: new StaticTokenProvider(BENCH_TOKEN) });
      try {
        console.log(`bench: scale ${small ? 'small' : 'full'}, Temporal ${ctx.server.describe}`);
        const only = ONLY[process.env.BENCH_ONLY ?? ''];
        if (only) {
          await only(ctx);
          return;
        }
        const results = await collect(ctx, cpp);
        printTable(results);
        const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, platform: `${os.platform()} ${os.release()}` };
        const file = path.join(PROJECT_ROOT, 'bench', 'results', small ? 'latest-small.json' : 'latest.json');
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, JSON.stringify({ date: new Date().toISOString(), scale: SCALE, machine, targets: targetsOf(results), results }, null, 2) + '\n');
        console.log(`\nwrote ${path.relative(PROJECT_ROOT, file)}`);
      } finally {
        await cpp.close();
      }
    },
    { maxLoggedRequests: 500_000 },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
