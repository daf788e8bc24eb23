/**
 * `npm run test:cluster`: the production topology of docker-compose.yml, without Docker, under faults.
 *
 * PostgreSQL (Debian's), the schema and namespace set up by deploy/compose's own scripts, the Temporal
 * services as four processes from deploy/temporal/config/temporal.yaml with a frontend that requires
 * client certificates (made by the run, scripts/cluster/tls.ts), 3 worker processes of this project
 * (`node --import tsx src/worker.ts`) and the CPP simulator. First, two workers without a certificate
 * the frontend accepts must be refused, each with one line (scripts/cluster/refusals.ts). It starts
 * CLUSTER_CANCELLATIONS (1000) cancellations — 200, 202 with polls, 400/403/404, operations that end `failed` — at
 * CLUSTER_START_RATE (8) per second, and meanwhile, one after the other: kill -9 of the history
 * service and a restart, the same for the frontend, a PostgreSQL crash-stop and start, and kill -9 of
 * one worker (not restarted). It then checks that every cancellation ended as its scenario says, none
 * is lost, exactly one cancel POST took effect for each (none for a 4xx), every worker did a share, and
 * prints a table (also .data/cluster/latest.json).
 * Exit code 0 only if all of that holds. Everything listens on 127.0.0.1; the run stops by itself
 * (CLUSTER_DEADLINE_MINUTES, 25); logs stay in .data/cluster/logs until the next run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { indices, mapLimit } from '../../harness/concurrency';
import { startSimulator } from '../../simulator/server';
import { monitorWorkers, startWorkers, type ClusterWorker } from './cluster-workers';
import { runFaults, withDrains } from './faults';
import { startInfrastructure } from './infrastructure';
import { PortAllocator, sleep } from './processes';
import { checkRefusals, refusalTable, type RefusalCheck } from './refusals';
import { DEADLINE_MS, elapsed, LOG_DIR, log, N, onTeardown, START_RATE, teardown, VERSIONS, WORKERS } from './run-context';
import { CancellationTracker } from './tracker';
import { judgeRun, printDetails, readVisibility, resultTable, writeLatest } from './verdict';
import { kindOf } from './workload';

/** One cancellation end to end before the load: the stack works. */
async function warmUp(tracker: CancellationTracker): Promise<void> {
  const c = tracker.track('probe', `warm-up-${randomUUID().slice(0, 8)}`);
  await tracker.start(c, '200');
  await tracker.awaitEnd(c, 120_000);
  log(`warm-up cancellation completed in ${((c.closedAt! - c.startedAt!) / 1000).toFixed(1)} s`);
}

/** N cancellations at START_RATE per second, 32 starts in flight at most; `onStarted` counts them. */
function startLoad(tracker: CancellationTracker, runId: string, onStarted: () => void): Promise<void> {
  const loadStarted = Date.now();
  return mapLimit(indices(N), 32, async (i) => {
    const due = loadStarted + (i * 1000) / START_RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const kind = kindOf(i);
    await tracker.start(tracker.track(kind, `${kind}-${i}-${runId}`), kind);
    onStarted();
  }).then(() => undefined);
}

/** The load with the faults in it, then the wait for every ending; the verdict; exit code 1 unless it holds. */
async function loadUnderFaults(tracker: CancellationTracker, infra: Awaited<ReturnType<typeof startInfrastructure>>, workers: ClusterWorker[], refusals: RefusalCheck): Promise<void> {
  const monitor = monitorWorkers(workers);
  const loadStarted = Date.now();
  let started = 0;
  const runId = randomUUID().slice(0, 8);
  const progress = setInterval(() => log(`started ${started}/${N}`), 15_000);
  const [, faultRuns] = await Promise.all([startLoad(tracker, runId, () => (started += 1)), runFaults(tracker, infra.cluster, infra.pg, workers, () => started, runId)]).finally(() => clearInterval(progress));
  log(`all ${N} started in ${elapsed(loadStarted)} s; waiting for every cancellation to end`);
  await tracker.awaitAll();
  await monitor.stop();

  const visibility = await readVisibility(tracker);
  const faults = withDrains(faultRuns, visibility.closeTimes);
  const { cancellations } = tracker;
  const judgement = judgeRun(cancellations, tracker.simulator, workers, visibility);
  console.log(`\n${resultTable(judgement, cancellations, workers, faults, visibility, loadStarted)}\n\n${refusalTable(refusals)}\n`);
  await printDetails(judgement, workers);
  writeLatest(judgement, cancellations, workers, faults, visibility, infra.serverMetrics, refusals);
  const ok = judgement.ok && refusals.ok;
  log(ok ? 'PASS' : `FAIL${refusals.ok ? '' : ' (the refused workers were not refused as required)'}`);
  // One line per run in the form CI reads as a test count: each cancellation, and each refused worker.
  const refusedOk = refusals.refusals.filter((r) => r.problems.length === 0).length;
  console.log(`cluster: ${judgement.passed + refusedOk} passed, ${cancellations.length - judgement.passed + refusals.refusals.length - refusedOk} failed`);
  if (!ok) process.exitCode = 1;
}

async function main(): Promise<void> {
  log(`${N} cancellations at ${START_RATE}/s, ${WORKERS} workers; Temporal ${VERSIONS.TEMPORAL_VERSION} on PostgreSQL ${VERSIONS.POSTGRESQL_VERSION}; node ${process.version}`);
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const ports = new PortAllocator();
  const infra = await startInfrastructure(ports);
  const token = `cluster-${randomUUID()}`;
  const simulator = await startSimulator({ tokens: [token], maxLoggedRequests: 200_000 });
  onTeardown(() => simulator.close());
  const connection = await Connection.connect({ address: infra.cluster.address, tls: infra.tls.connectionTls });
  onTeardown(() => connection.close());
  const tracker = new CancellationTracker(connection, simulator);
  const target = { temporalAddress: infra.cluster.address, tls: infra.tls, cppBaseUrl: simulator.url, token };
  const refusals = await checkRefusals(target, ports, tracker.client, simulator);
  const workers = await startWorkers(target, ports);
  await warmUp(tracker);
  await loadUnderFaults(tracker, infra, workers, refusals);
}

// The run ends by itself: past the deadline (and a minute for the teardown) it is stopped.
const watchdog = setTimeout(() => {
  console.error(`[cluster] deadline of ${DEADLINE_MS / 60_000} min passed: stopping`);
  void Promise.race([teardown(), sleep(60_000)]).finally(() => process.exit(2));
}, DEADLINE_MS + 60_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`[cluster] ${signal}: stopping`);
    void Promise.race([teardown(), sleep(60_000)]).finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    console.error(`[cluster] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    console.error(`[cluster] logs: ${path.relative(process.cwd(), LOG_DIR)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await teardown();
    clearTimeout(watchdog);
    // Native threads of the SDK (Core, the simulator's keep-alive sockets) must not keep the run alive.
    process.exit(process.exitCode ?? 0);
  });
