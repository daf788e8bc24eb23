/**
 * How many watch activities (and timers) a cancellation with `polling.watchWindowSeconds` needs for
 * an operation that shows no change until it ends `operationSeconds` after the 202: the case a watch
 * is for, an operation stuck in one step. Runs the activity's own loop (src/activities/watch-operation.ts) on
 * virtual time, and makes the workflow's choice between a timer and a watch as pollUntilTerminal does.
 */
import type { OperationView, PollingOptions } from '../src/contract';
import { nextPollStep } from '../src/workflow-safe/poll-schedule';
import { watchOperation } from '../src/activities/watch-operation';
import { round } from './measure';

export interface WatchCost {
  gets: number;
  /** Watch activities, the first (which returns the first answer) included. */
  watches: number;
  /** Waits longer than the window, which the workflow waits as timers. */
  timers: number;
  lateSeconds: number;
}

const view = (status: OperationView['status']): OperationView => ({ status, rawStatus: status, steps: [] });
/** No deadline in the model: the operation ends first. */
const FAR_FUTURE = new Date(8.64e15).toISOString();

export async function modelWatchCost(operationSeconds: number, polling: PollingOptions, retryAfterSeconds?: number): Promise<WatchCost> {
  const retryAfterMs = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000;
  const endMs = operationSeconds * 1000;
  const windowMs = polling.watchWindowSeconds * 1000;
  let t = 0;
  let nextPollAt = Math.max(retryAfterMs ?? 0, polling.initialIntervalSeconds * 1000);
  let intervalMs = polling.initialIntervalSeconds * 1000;
  let last: OperationView | undefined;
  const cost: WatchCost = { gets: 0, watches: 0, timers: 0, lateSeconds: 0 };
  for (;;) {
    let waitMs = nextPollAt - t;
    if (waitMs > windowMs) {
      cost.timers += 1;
      t += waitMs;
      waitMs = 0;
    }
    cost.watches += 1;
    const answer = await watchOperation(
      { location: 'model', ...(last ? { last } : {}), firstWaitMs: Math.max(0, waitMs), intervalMs, polling, deadlineAt: FAR_FUTURE },
      {
        poll: async () => {
          cost.gets += 1;
          return { operation: view(t >= endMs ? 'completed' : 'running'), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
        },
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
      },
    );
    last = answer.operation;
    if (answer.operation.status === 'completed') return { ...cost, lateSeconds: round((t - endMs) / 1000, 1) };
    const step = nextPollStep(answer.intervalMs, answer.retryAfterMs, Number.MAX_SAFE_INTEGER, polling);
    nextPollAt = t + step.waitMs;
    intervalMs = step.nextIntervalMs;
  }
}
