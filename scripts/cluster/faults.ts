/**
 * The faults of the cluster test, one after the other as the load passes 15, 35, 55 and 75 %: kill -9
 * of history and of frontend (restarted), a PostgreSQL crash-stop (restarted), kill -9 of a worker
 * (not restarted). For each: how long the process was down, until the cluster was SERVING, until a
 * cancellation started right after the kill completed, and until every one running at the kill closed.
 */
import { WORKFLOW_TYPE } from '../../src/contract';
import type { ClusterWorker } from './cluster-workers';
import type { RunningPostgres } from './postgres';
import { waitFor } from './processes';
import { log, N, remaining, WORKERS } from './run-context';
import type { RunningCluster } from './temporal-cluster';
import type { CancellationTracker } from './tracker';
import { scrapeWorker } from './worker-metrics';

export interface FaultRecord {
  name: string;
  atStarted: number;
  /** Seconds from the kill until the process answered again (its port, or pg_isready). */
  downS?: number;
  /** Seconds from the kill until `temporal operator cluster health` said SERVING again. */
  servingS?: number;
  /** Seconds from the kill until a cancellation started right after it had completed. */
  probeS?: number;
  /** Seconds from the kill until every cancellation running at that moment had closed. */
  drainS?: number;
  runningAtFault: number;
}

/** A fault as run: its record, and what the drain is measured from (not part of the printed record). */
interface FaultRun {
  record: FaultRecord;
  at: number;
  running: Set<string>;
}

interface FaultPlan {
  name: string;
  at: number;
  kill: () => Promise<void>;
  restart?: () => Promise<void>;
  serving: boolean;
}

function plan(cluster: RunningCluster, pg: RunningPostgres, workers: ClusterWorker[]): FaultPlan[] {
  return [
    { name: 'kill -9 history, restart', at: 0.15, kill: () => cluster.kill9('history'), restart: () => cluster.restart('history'), serving: true },
    { name: 'kill -9 frontend, restart', at: 0.35, kill: () => cluster.kill9('frontend'), restart: () => cluster.restart('frontend'), serving: true },
    { name: 'PostgreSQL stop -m immediate, start', at: 0.55, kill: () => pg.crash(), restart: () => pg.restart(), serving: true },
    {
      name: `kill -9 worker-${WORKERS} (not restarted)`,
      at: 0.75,
      kill: async () => {
        const victim = workers[WORKERS - 1]!;
        victim.counts = await scrapeWorker(victim.metrics).catch(() => victim.counts);
        victim.killedAt = Date.now();
        await victim.process.stop('SIGKILL', 1_000);
      },
      serving: false,
    },
  ];
}

/** The cancellations visibility lists as running (what a fault's drain waits for). */
async function runningIds(tracker: CancellationTracker): Promise<Set<string>> {
  const ids = new Set<string>();
  try {
    await tracker.connection.withDeadline(Date.now() + 30_000, async () => {
      for await (const wf of tracker.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'` })) ids.add(wf.workflowId);
    });
  } catch (err) {
    log(`listing running cancellations failed (${String(err)}); drain for this fault counts what was listed`);
  }
  return ids;
}

/** One fault: the kill, a probe cancellation started right after it, the restart, SERVING again, the probe's end. */
async function runFault(p: FaultPlan, tracker: CancellationTracker, cluster: RunningCluster, started: () => number, probeId: string): Promise<FaultRun> {
  const running = await runningIds(tracker);
  const record: FaultRecord = { name: p.name, atStarted: started(), runningAtFault: running.size };
  log(`FAULT ${p.name} (${record.atStarted} started, ${running.size} running)`);
  const at = Date.now();
  await p.kill();
  const probe = tracker.track('probe', probeId);
  const probeDone = tracker
    .start(probe, '200')
    .then(() => tracker.awaitEnd(probe, 600_000))
    .then(() => {
      record.probeS = (probe.closedAt! - at) / 1000;
    });
  if (p.restart) {
    await p.restart();
    record.downS = (Date.now() - at) / 1000;
  }
  if (p.serving) {
    await waitFor('cluster health SERVING', () => cluster.isServing(), Math.min(remaining(), 300_000), 250);
    record.servingS = (Date.now() - at) / 1000;
  }
  await probeDone;
  log(`  recovered: down ${record.downS?.toFixed(1) ?? '-'} s, serving ${record.servingS?.toFixed(1) ?? '-'} s, probe completed ${record.probeS?.toFixed(1)} s after the fault`);
  return { record, at, running };
}

/** Runs the faults as the load passes each one's share of N; `started()` counts the load's starts. */
export async function runFaults(tracker: CancellationTracker, cluster: RunningCluster, pg: RunningPostgres, workers: ClusterWorker[], started: () => number, runId: string): Promise<FaultRun[]> {
  const runs: FaultRun[] = [];
  for (const p of plan(cluster, pg, workers)) {
    await waitFor(`${Math.round(p.at * 100)}% of the cancellations started`, () => started() >= Math.ceil(p.at * N), remaining(), 100);
    runs.push(await runFault(p, tracker, cluster, started, `probe-${runs.length + 1}-${runId}`));
  }
  return runs;
}

/** Each fault's drain: from its kill until the last cancellation running at that moment closed. */
export function withDrains(runs: FaultRun[], closeTimes: Map<string, number>): FaultRecord[] {
  return runs.map(({ record, at, running }) => {
    const times = [...running].map((id) => closeTimes.get(id)).filter((t): t is number => t !== undefined);
    return { ...record, drainS: times.length > 0 ? Math.max(0, (Math.max(...times) - at) / 1000) : 0 };
  });
}
