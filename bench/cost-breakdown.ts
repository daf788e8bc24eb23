/**
 * Diagnosis for P1: what one workflow costs, kind A vs kind B, on one dev server and one worker
 * process, in alternating rounds. Prints completions/s, CPU ms per workflow of the worker, the
 * server and this driver (which also runs the simulator and the client), and mean times between
 * history events.
 *
 *   npx tsx bench/cost-breakdown.ts                          # hello vs cancel
 *   COMPARE=hello,hello-labelled LABELS=2 npx tsx bench/cost-breakdown.ts
 *
 * Kinds: `hello` (the bench's one-activity baseline), `hello-labelled` (the same, started with the
 * typed client's search attributes, or the first LABELS of them), `hello-local` (the same activity
 * as a local activity) and `cancel` (the cancellation on its 200 path). COST_N: workflows per kind per round (default 300).
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { cancelPhaseSearchAttribute, offerIdSearchAttribute, publisherIdSearchAttribute } from '../src/contract';
import { alternating, freshOffer, round, startCancel, workflowThroughput } from './measure';
import { withBenchStack, withWorker } from './stack';
import { helloLocalWorkflow, helloWorkflow } from './workflows/hello';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const N = Number(process.env.COST_N ?? 300);
const ROUNDS = 4;
const START_CONCURRENCY = 50;

type Starter = (client: Client, taskQueue: string, id: string) => Promise<{ workflowId: string; result(): Promise<unknown> }>;

/** The search attributes the typed client sets (publisher, offer, phase), or the first LABELS of them. */
function typedClientLabels(offerId: string) {
  const all = [
    { key: publisherIdSearchAttribute, value: 'bench' },
    { key: offerIdSearchAttribute, value: offerId },
    { key: cancelPhaseSearchAttribute, value: 'requesting' },
  ];
  return all.slice(0, Number(process.env.LABELS ?? all.length));
}

const STARTERS: Record<string, Starter> = {
  hello: (client, taskQueue, id) => client.workflow.start(helloWorkflow, { taskQueue, workflowId: `cost-${taskQueue}-${id}`, args: ['bench'] }),
  'hello-labelled': (client, taskQueue, id) =>
    client.workflow.start(helloWorkflow, { taskQueue, workflowId: `cost-${taskQueue}-${id}`, args: ['bench'], typedSearchAttributes: typedClientLabels(id) }),
  'hello-local': (client, taskQueue, id) => client.workflow.start(helloLocalWorkflow, { taskQueue, workflowId: `cost-${taskQueue}-${id}`, args: ['bench'] }),
  cancel: (client, taskQueue) => startCancel(client, taskQueue, freshOffer('cost')),
};

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const eventMs = (e: HistoryEvent | undefined) => (e?.eventTime ? Number(e.eventTime.seconds ?? 0) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN);

/** Times between the events of a one-activity run (both kinds' 200 path). */
function segmentsOf(events: HistoryEvent[]): Record<string, number> {
  const all = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type);
  const [started] = all(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const [wft1Started, wft2Started] = all(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const [wft1Done, wft2Done] = all(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const [activityStarted] = all(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
  const [activityDone] = all(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const closed = events.at(-1);
  return {
    'start → first workflow task': eventMs(wft1Started) - eventMs(started),
    'first workflow task': eventMs(wft1Done) - eventMs(wft1Started),
    activity: eventMs(activityDone) - eventMs(activityStarted),
    'activity → second workflow task': eventMs(wft2Started) - eventMs(activityDone),
    'second workflow task': eventMs(wft2Done) - eventMs(wft2Started),
    'second task → closed': eventMs(closed) - eventMs(wft2Done),
    total: eventMs(closed) - eventMs(started),
    events: events.length,
  };
}

function meanOf(rows: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, round(rows.reduce((s, r) => s + r[k]!, 0) / rows.length, 1)]));
}

async function main(): Promise<void> {
  const [a = 'hello', b = 'cancel'] = (process.env.COMPARE ?? 'hello,cancel').split(',');
  for (const kind of [a, b]) if (!STARTERS[kind]) throw new Error(`COMPARE: unknown kind ${kind}; one of ${Object.keys(STARTERS).join(', ')}`);
  await withBenchStack('cost', async (stack) => {
    const { server, client } = stack;
    const taskQueue = `cost-${Date.now()}`;
    await withWorker(stack, taskQueue, {}, async (worker) => {
      const totals = Object.fromEntries([a, b].map((k) => [k, { seconds: 0, worker: 0, server: 0, driver: 0, ids: [] as string[] }]));
      const batch = async (kind: string, label: string) => {
        const before = { worker: cpuSeconds(worker.pid), server: cpuSeconds(server.pid), driver: process.cpuUsage() };
        const t = await workflowThroughput(N, START_CONCURRENCY, async (i) => {
          const handle = await STARTERS[kind]!(client, taskQueue, `${label}-${i}`);
          totals[kind]!.ids.push(handle.workflowId);
          return handle;
        });
        const driver = process.cpuUsage(before.driver);
        return { seconds: t.seconds, worker: cpuSeconds(worker.pid) - before.worker, server: cpuSeconds(server.pid) - before.server, driver: (driver.user + driver.system) / 1e6 };
      };
      // Warm-up, not counted: isolate creation, connections, JIT.
      for (const kind of [a, b]) await batch(kind, `warm-${kind}`);
      for (const kind of [a, b]) totals[kind]!.ids.length = 0;

      await alternating(ROUNDS, [a, b] as const, async (kind, r) => {
        const cost = await batch(kind, `${kind}-${r}`);
        const total = totals[kind]!;
        total.seconds += cost.seconds;
        total.worker += cost.worker;
        total.server += cost.server;
        total.driver += cost.driver;
      });

      const count = N * ROUNDS;
      const perWorkflow = (seconds: number) => round((seconds * 1000) / count, 2);
      for (const kind of [a, b]) {
        const total = totals[kind]!;
        const sample = total.ids.filter((_, i) => i % 10 === 0);
        const segments = await Promise.all(sample.map(async (id) => segmentsOf((await client.workflow.getHandle(id).fetchHistory()).events ?? [])));
        console.log(`${kind}: ${round(count / total.seconds)}/s; CPU ms per workflow: worker ${perWorkflow(total.worker)}, server ${perWorkflow(total.server)}, driver ${perWorkflow(total.driver)}`);
        console.log(`  mean ms between history events (${sample.length} runs):`, meanOf(segments));
      }
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
