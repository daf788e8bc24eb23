/**
 * The bench's cost section: history events and Temporal Cloud Actions per cancellation, counted from
 * recorded histories (bench/actions.ts), for the 200 path, an operation ending 10 minutes after the
 * 202 and one ending after 24 hours, side by side for three designs:
 *
 * - `shipped`: the workflow as it ships (polls as activities, waits as timers, continue-as-new);
 * - `fixed2s`: the same workflow polling every 2 s (what a naive poller does);
 * - `infrequentPolling`: Temporal's pattern, one activity whose server-side retries poll
 *   (bench/workflows/infrequent-polling.ts), with the same backoff as the shipped default.
 *
 * Histories do not depend on how long the waits are, only on how many polls there are, so runs are
 * recorded with 0.1 s waits and the poll counts of the real schedules (the model in measure.ts).
 * Long operations are extrapolated from recorded runs: per poll, and per continue-as-new.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DEFAULT_POLLING } from '../src/workflow-safe/cancel-input';
import { countActions, type ActionCount } from './actions';
import { freshOffer, modelFixedPoller, modelPollingCost, round, startCancel } from './measure';
import type { BenchStack } from './stack';
import { withWorker } from './stack';
import { modelWatchCost } from './watch-model';
import { infrequentPollingCancellation } from './workflows/infrequent-polling';

const FAST = 0.1;
const TEN_MINUTES = 600;
const DAY = 86_400;

/** A cancellation's cost: history events and Actions over all its runs, and its polls and runs. */
export interface Cost {
  events: number;
  actions: number;
  polls: number;
  runs: number;
}

type CostCase = 'path200' | 'op10min' | 'op24h';
export type Design = 'shipped' | 'fixed2s' | 'infrequentPolling' | 'watch';
/** The watch design's window in the table: the shortest that holds a 10-minute operation in one watch. */
const WATCH_WINDOW_SECONDS = 900;
/** Windows compared in the table of windows. */
const WATCH_WINDOWS = [60, 300, 900, 3600];
/** What a watch's start-to-close timeout adds to its window (src/workflows/activity-stubs.ts). */
const WATCH_TIMEOUT_MARGIN_SECONDS = 120;

/** Every run of a workflow id, in order, following continue-as-new. */
async function historiesOf(client: Client, workflowId: string, firstRunId: string): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  const runs = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

async function costOf(client: Client, workflowId: string, firstRunId: string, polls: number): Promise<Cost & { breakdown: Omit<ActionCount, 'total'> }> {
  const runs = await historiesOf(client, workflowId, firstRunId);
  const counts = runs.map(countActions);
  const breakdown = { workflowStarts: 0, timers: 0, activityAttempts: 0, upserts: 0, signals: 0, localActivityTasks: 0 };
  for (const c of counts) for (const key of Object.keys(breakdown) as (keyof typeof breakdown)[]) breakdown[key] += c[key];
  return { events: runs.reduce((n, r) => n + r.length, 0), actions: counts.reduce((n, c) => n + c.total, 0), polls, runs: runs.length, breakdown };
}

/** A straight line through recorded costs: fixed part, per poll, per continue-as-new. */
interface CostLine {
  base: Cost;
  perPoll: { events: number; actions: number };
  perContinueAsNew: { events: number; actions: number };
}

function extrapolate(line: CostLine, polls: number, pollsPerRun: number): Cost {
  const runs = pollsPerRun > 0 ? Math.max(1, Math.ceil(polls / pollsPerRun)) : 1;
  const at = (k: 'events' | 'actions') =>
    Math.round(line.base[k] + line.perPoll[k] * (polls - line.base.polls) + line.perContinueAsNew[k] * (runs - line.base.runs));
  return { events: at('events'), actions: at('actions'), polls, runs };
}

/** Runs the recordings and builds the cost table. */
export async function costSection(ctx: BenchStack) {
  const taskQueue = `bench-cost-${Date.now()}`;
  const polls10 = modelPollingCost(TEN_MINUTES, DEFAULT_POLLING).gets;
  const polls24 = modelPollingCost(DAY, DEFAULT_POLLING).gets;
  const fixed10 = modelFixedPoller(TEN_MINUTES, 2).gets;
  const fixed24 = modelFixedPoller(DAY, 2).gets;

  return withWorker(ctx, taskQueue, {}, async () => {
    const shippedRun = async (polls: number, maxPollsPerRun = DEFAULT_POLLING.maxPollsPerRun, watch?: { changes: 'none' | 'everyPoll' }) => {
      const offerId = freshOffer(`cost-${polls}`);
      // `steps: 0`: nothing changes between polls; the simulator's default steps advance on every poll.
      const steps = watch?.changes === 'none' ? { steps: 0 } : {};
      ctx.simulator.setScenario('bench', offerId, polls === 0 ? { cancel: { mode: 'synchronous' } } : { cancel: { mode: 'accepted', completeAfterPolls: polls, ...steps } });
      const watchWindowSeconds = watch ? 30 : 0;
      const handle = await startCancel(ctx.client, taskQueue, offerId, { initialIntervalSeconds: FAST, maxIntervalSeconds: FAST, maxPollsPerRun, watchWindowSeconds });
      await handle.result();
      return costOf(ctx.client, handle.workflowId, handle.firstExecutionRunId, polls);
    };
    const infrequentRun = async (polls: number) => {
      const offerId = freshOffer(`cost-ip-${polls}`);
      ctx.simulator.setScenario('bench', offerId, polls === 0 ? { cancel: { mode: 'synchronous' } } : { cancel: { mode: 'accepted', completeAfterPolls: polls } });
      const handle = await ctx.client.workflow.start(infrequentPollingCancellation, {
        taskQueue,
        workflowId: `cost-ip/${offerId}`,
        args: [{ publisherId: 'bench', offerId, notificationEmails: ['bench@contoso.com'], polling: { initialIntervalSeconds: FAST, maxIntervalSeconds: FAST, backoffCoefficient: 1 } }],
      });
      await handle.result();
      return costOf(ctx.client, handle.workflowId, handle.firstExecutionRunId, polls);
    };

    // Recorded: the 200 path, the 10-minute operation's poll count, twice that (per poll), and
    // twice that again with continue-as-new every 10 polls (per continue-as-new).
    const shipped = { path200: await shippedRun(0), op10min: await shippedRun(polls10), double: await shippedRun(2 * polls10) };
    const shippedChained = await shippedRun(2 * polls10, 10);
    const perPoll = (a: Cost, b: Cost) => ({ events: (b.events - a.events) / (b.polls - a.polls), actions: (b.actions - a.actions) / (b.polls - a.polls) });
    const shippedLine: CostLine = {
      base: shipped.op10min,
      perPoll: perPoll(shipped.op10min, shipped.double),
      perContinueAsNew: {
        events: (shippedChained.events - shipped.double.events) / (shippedChained.runs - 1),
        actions: (shippedChained.actions - shipped.double.actions) / (shippedChained.runs - 1),
      },
    };
    const infrequent = { path200: await infrequentRun(0), op10min: await infrequentRun(polls10), double: await infrequentRun(2 * polls10) };
    const infrequentLine: CostLine = { base: infrequent.op10min, perPoll: perPoll(infrequent.op10min, infrequent.double), perContinueAsNew: { events: 0, actions: 0 } };

    // The watch design: a run whose operation never changes until its end (2 watches: the first
    // answer, then the rest) and one whose every poll is a change (a watch per poll) give the cost
    // of one watch and the fixed part; the watch count of a long operation comes from the model.
    const watchQuiet = await shippedRun(polls10, DEFAULT_POLLING.maxPollsPerRun, { changes: 'none' });
    const watchBusy = await shippedRun(polls10, DEFAULT_POLLING.maxPollsPerRun, { changes: 'everyPoll' });
    // Every activity attempt of a watching run is a watch: the POST is a local activity (counted apart).
    const watchesOf = (c: typeof watchQuiet) => c.breakdown.activityAttempts;
    const perWatch = {
      events: (watchBusy.events - watchQuiet.events) / (watchesOf(watchBusy) - watchesOf(watchQuiet)),
      actions: (watchBusy.actions - watchQuiet.actions) / (watchesOf(watchBusy) - watchesOf(watchQuiet)),
    };
    const watchLine: CostLine = {
      base: { events: watchQuiet.events, actions: watchQuiet.actions, polls: watchesOf(watchQuiet), runs: 1 },
      perPoll: perWatch,
      perContinueAsNew: shippedLine.perContinueAsNew,
    };
    const watchModelAt = async (watchWindowSeconds: number) => {
      const polling = { ...DEFAULT_POLLING, watchWindowSeconds };
      return { op10min: await modelWatchCost(TEN_MINUTES, polling), op24h: await modelWatchCost(DAY, polling) };
    };
    // Extrapolated by watches (what continue-as-new counts too), reported with the polls they hold.
    const watchCost = (model: { gets: number; watches: number }): Cost => ({ ...extrapolate(watchLine, model.watches, DEFAULT_POLLING.maxPollsPerRun), polls: model.gets });
    const watchModel = await watchModelAt(WATCH_WINDOW_SECONDS);
    const byWatchWindow = [];
    for (const watchWindowSeconds of WATCH_WINDOWS) {
      const model = await watchModelAt(watchWindowSeconds);
      byWatchWindow.push({ watchWindowSeconds, op10min: watchCost(model.op10min), op24h: watchCost(model.op24h), killedWorkerResumesAfterSeconds: watchWindowSeconds + WATCH_TIMEOUT_MARGIN_SECONDS });
    }

    const strip = ({ events, actions, polls, runs }: Cost): Cost => ({ events, actions, polls, runs });
    const designs: Record<Design, Record<CostCase, Cost>> = {
      shipped: { path200: strip(shipped.path200), op10min: strip(shipped.op10min), op24h: extrapolate(shippedLine, polls24, DEFAULT_POLLING.maxPollsPerRun) },
      fixed2s: { path200: strip(shipped.path200), op10min: extrapolate(shippedLine, fixed10, DEFAULT_POLLING.maxPollsPerRun), op24h: extrapolate(shippedLine, fixed24, DEFAULT_POLLING.maxPollsPerRun) },
      infrequentPolling: { path200: strip(infrequent.path200), op10min: strip(infrequent.op10min), op24h: extrapolate(infrequentLine, polls24, 0) },
      watch: { path200: strip(shipped.path200), op10min: watchCost(watchModel.op10min), op24h: watchCost(watchModel.op24h) },
    };
    const eventsPerPollOf = (design: Design) => {
      const perPoll = {
        op10min: round(designs[design].op10min.events / designs[design].op10min.polls, 2),
        op24h: round(designs[design].op24h.events / designs[design].op24h.polls, 2),
      };
      return { ...perPoll, max: Math.max(perPoll.op10min, perPoll.op24h) };
    };
    const eventsPerPoll = eventsPerPollOf('shipped');
    // How the cap on the wait (`polling.maxIntervalSeconds`) trades cost for lateness, by the same line.
    const byMaxInterval = [30, 60, 300, 900].map((maxIntervalSeconds) => {
      const polling = { ...DEFAULT_POLLING, maxIntervalSeconds };
      const at = (seconds: number) => {
        const model = modelPollingCost(seconds, polling);
        const cost = extrapolate(shippedLine, model.gets, DEFAULT_POLLING.maxPollsPerRun);
        return { polls: model.gets, actions: cost.actions, events: cost.events, lateSeconds: model.lateSeconds };
      };
      return { maxIntervalSeconds, op10min: at(TEN_MINUTES), op24h: at(DAY), worstLateSeconds: maxIntervalSeconds };
    });
    const result = {
      byMaxInterval,
      recordedWith: `waits of ${FAST} s; ${polls10} polls for 10 min and ${polls24} for 24 h (the default schedule), ${fixed10} and ${fixed24} every 2 s`,
      designs,
      shippedBreakdown: { path200: shipped.path200.breakdown, op10min: shipped.op10min.breakdown },
      shippedPerPoll: shippedLine.perPoll,
      shippedPerContinueAsNew: shippedLine.perContinueAsNew,
      eventsOn200Path: designs.shipped.path200.events,
      eventsPerPoll,
      actionsPerCancellation: {
        path200: designs.shipped.path200.actions,
        op10min: designs.shipped.op10min.actions,
        op24h: designs.shipped.op24h.actions,
      },
      watch: {
        windowSeconds: WATCH_WINDOW_SECONDS,
        model: watchModel,
        recorded: { quiet: strip(watchQuiet), everyPollAChange: strip(watchBusy) },
        perWatch,
        eventsPerPoll: eventsPerPollOf('watch'),
        actionsPerCancellation: { path200: designs.watch.path200.actions, op10min: designs.watch.op10min.actions, op24h: designs.watch.op24h.actions },
        byWatchWindow,
        // The worst case: every poll shows a change, so every poll is a watch of its own.
        everyPollAChange: {
          op10min: extrapolate(watchLine, polls10, DEFAULT_POLLING.maxPollsPerRun),
          op24h: extrapolate(watchLine, polls24, DEFAULT_POLLING.maxPollsPerRun),
        },
      },
    };
    console.log(`  (d) ${JSON.stringify(result)}`);
    return result;
  });
}

/** The cost table as printed and as docs/benchmark.md shows it. */
export function costTable(cost: Awaited<ReturnType<typeof costSection>>): string {
  const cases: [CostCase, string][] = [
    ['path200', '200 path'],
    ['op10min', '10-min operation'],
    ['op24h', '24-h operation'],
  ];
  const names: Record<Design, string> = {
    shipped: 'shipped (`watchWindowSeconds` 0)',
    fixed2s: 'fixed 2 s poller',
    infrequentPolling: 'infrequent polling',
    watch: `watch, \`watchWindowSeconds\` ${WATCH_WINDOW_SECONDS}, no change until the end`,
  };
  const lines = ['| design | ' + cases.map(([, label]) => `${label}: events · Actions (polls)`).join(' | ') + ' |', '|---|---|---|---|'];
  for (const design of Object.keys(names) as Design[]) {
    const row = cases.map(([key]) => {
      const c = cost.designs[design][key];
      return `${c.events.toLocaleString('en')} · ${c.actions.toLocaleString('en')} (${c.polls.toLocaleString('en')})`;
    });
    lines.push(`| ${names[design]} | ${row.join(' | ')} |`);
  }
  const busy = cost.watch.everyPollAChange;
  const cell = (c: Cost) => `${c.events.toLocaleString('en')} · ${c.actions.toLocaleString('en')} (${c.polls.toLocaleString('en')})`;
  lines.push(`| watch, every poll a change (its worst case) | ${cell(cost.designs.shipped.path200)} | ${cell(busy.op10min)} | ${cell(busy.op24h)} |`);
  lines.push('', '| `polling.watchWindowSeconds` (no change until the end) | 10-min operation: events · Actions | 24-h operation: events · Actions | a killed worker\'s watch resumes after |', '|---|---|---|---|');
  for (const row of cost.watch.byWatchWindow) {
    lines.push(`| ${row.watchWindowSeconds} | ${row.op10min.events} · ${row.op10min.actions} | ${row.op24h.events.toLocaleString('en')} · ${row.op24h.actions.toLocaleString('en')} | ${row.killedWorkerResumesAfterSeconds} s |`);
  }
  lines.push('', '| `polling.maxIntervalSeconds` | 10-min operation: polls · Actions · seen late | 24-h operation: polls · Actions · events |', '|---|---|---|');
  for (const row of cost.byMaxInterval) {
    lines.push(
      `| ${row.maxIntervalSeconds} | ${row.op10min.polls} · ${row.op10min.actions} · ${row.op10min.lateSeconds} s | ` +
        `${row.op24h.polls.toLocaleString('en')} · ${row.op24h.actions.toLocaleString('en')} · ${row.op24h.events.toLocaleString('en')} |`,
    );
  }
  return lines.join('\n');
}
