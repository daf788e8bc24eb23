/**
 * `npm run test:upgrade`: deploy a new worker version while cancellations run, on the real cluster
 * (PostgreSQL + Temporal as four processes, the frontend requiring client certificates), with the
 * operator's steps of docs/operations.md as Temporal CLI commands:
 *
 * 1. version A (2 workers, versioned; the build id is the bundle's hash) is made Current, and
 *    UPGRADE_CANCELLATIONS (300) cancellations start, nine in ten polling for 40-100 s;
 * 2. version B starts — the same code plus a change that alters history (scripts/cluster/upgrade/version-b-change.ts) —
 *    and is Ramping at 25 % while 100 more start; then it is made Current and 50 more start;
 * 3. A drains (no run open on it: A's polling runs move to B at their next poll by continuing as new)
 *    and its workers stop;
 * 4. rollback: A's workers start again and A is made Current; 50 more start on A while B's runs finish
 *    (or move back to A at their next poll); B drains and stops.
 *
 * Before the load, `npm run setup` (our TLS variables) and the starter CLI (`--wait`, through a
 * temporal.toml profile that the operator's Temporal CLI commands use too) must work over mTLS.
 *
 * It then reads every run of the task queue from the server and prints: cancellations, lost (0),
 * workflow-task failures by cause (non-determinism 0), cancel POSTs per cancellation (1), which
 * version finished how many, and that B's change appears in exactly B's runs. Exit code 0 only if all
 * of that holds. Logs in .data/upgrade/logs; figures in .data/upgrade/latest.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { spawnWorkerProcess, type WorkerProcess } from '../../harness/worker-process';
import { waitUntilHealthy } from '../../harness/worker-readiness';
import { startSimulator } from '../../simulator/server';
import { WORKER_NODE_FLAGS } from '../../src/worker-process/node-flags';
import { bundleBuildId } from '../../src/worker-process/versioning';
import { buildWorkflowBundle } from '../../src/worker-process/workflow-bundle';
import { resolveTemporalCli } from '../../temporal-cli/resolve';
import { workerEnv, type WorkerTarget } from './cluster-workers';
import { startInfrastructure } from './infrastructure';
import { PortAllocator, sleep, waitFor } from './processes';
import { DATA_DIR, DEADLINE_MS, LOG_DIR, log, onTeardown, remaining, teardown, VERSIONS } from './run-context';
import { judgeDrill } from './upgrade/drill-verdict';
import { DrillLoad } from './upgrade/drill-workload';
import { operator, type Operator } from './upgrade/operator';
import { setupOverMtls, starterOverMtls, writeClusterProfile } from './upgrade/tools-over-mtls';

const DEPLOYMENT_NAME = 'cpp-offer-cancellation';
const FIRST_LOAD = Number(process.env.UPGRADE_CANCELLATIONS || 300);
const START_RATE = 10;
const WORKERS_PER_VERSION = 2;

interface Version {
  name: 'A' | 'B';
  buildId: string;
  bundlePath: string;
  workers: WorkerProcess[];
}

/** The version's workers (the product's worker process, versioned by TEMPORAL_DEPLOYMENT_NAME), ready. */
async function startVersion(version: Version, target: WorkerTarget, ports: PortAllocator): Promise<void> {
  const started = await Promise.all(
    Array.from({ length: WORKERS_PER_VERSION }, async (_, i) => {
      const health = `127.0.0.1:${await ports.next()}`;
      const proc = spawnWorkerProcess({
        nodeFlags: WORKER_NODE_FLAGS,
        env: workerEnv(target, { WORKFLOW_BUNDLE_PATH: version.bundlePath, HEALTH_ADDRESS: health, TEMPORAL_DEPLOYMENT_NAME: DEPLOYMENT_NAME }),
      });
      const file = path.join(LOG_DIR, `worker-${version.name}-${version.workers.length + i + 1}.log`);
      onTeardown(async () => {
        await proc.stop('SIGTERM', 20_000);
        writeFileSync(file, proc.lines.join('\n'));
      });
      await waitUntilHealthy(proc, health, Math.min(remaining(), 180_000));
      return proc;
    }),
  );
  version.workers.push(...started);
  log(`version ${version.name} (${DEPLOYMENT_NAME}:${version.buildId}): ${started.length} workers polling`);
}

/** Waits until no run is open on `version` (the operator's drain check), then stops its workers (SIGTERM: they finish what they hold). */
async function drainAndStop(version: Version, ops: Operator, since: number, after: string): Promise<string> {
  log(`$ temporal workflow count --query "TemporalWorkerDeploymentVersion = '${DEPLOYMENT_NAME}:${version.buildId}' AND ExecutionStatus = 'Running'"   (until 0)`);
  await waitFor(`version ${version.name} drained`, async () => (await ops.openRuns(version.buildId)) === 0, Math.min(remaining(), 10 * 60_000), 1_000);
  const drainedIn = ((Date.now() - since) / 1000).toFixed(0);
  const exits = await Promise.all(version.workers.splice(0).map((w) => w.stop('SIGTERM', 30_000)));
  log(`version ${version.name} drained ${drainedIn} s after it stopped being the target; its workers stopped (exit ${exits.map((e) => e.code ?? e.signal).join(', ')})`);
  return `${version.name}: no open run ${drainedIn} s after ${after}; its workers stopped`;
}

async function main(): Promise<void> {
  log(`upgrade drill: ${FIRST_LOAD} + ${Math.round(FIRST_LOAD / 3)} + ${Math.round(FIRST_LOAD / 6)} + ${Math.round(FIRST_LOAD / 6)} cancellations; Temporal ${VERSIONS.TEMPORAL_VERSION}; node ${process.version}`);
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const ports = new PortAllocator();
  const infra = await startInfrastructure(ports);
  const token = `upgrade-${randomUUID()}`;
  const simulator = await startSimulator({ tokens: [token], maxLoggedRequests: 200_000 });
  onTeardown(() => simulator.close());
  const target: WorkerTarget = { temporalAddress: infra.cluster.address, tls: infra.tls, cppBaseUrl: simulator.url, token };

  // Two builds: the product's workflows (A), and the same with a history-altering change (B).
  const [bundleA, bundleB] = await Promise.all([
    buildWorkflowBundle({ outFile: path.join(DATA_DIR, 'bundle-a.js') }),
    buildWorkflowBundle({ outFile: path.join(DATA_DIR, 'bundle-b.js'), interceptorModules: [path.join(__dirname, 'upgrade', 'version-b-change')] }),
  ]);
  const a: Version = { name: 'A', buildId: bundleBuildId(bundleA.code), bundlePath: bundleA.outFile, workers: [] };
  const b: Version = { name: 'B', buildId: bundleBuildId(bundleB.code), bundlePath: bundleB.outFile, workers: [] };

  const cli = await resolveTemporalCli({ allowSdkDownload: false });
  if (cli.kind !== 'path') throw new Error('the Temporal CLI is needed (npm run temporal:resolve)');
  // The operator's commands and the starter CLI find the cluster through one temporal.toml profile.
  await setupOverMtls(infra.cluster.address, infra.tls);
  const profile = writeClusterProfile(DATA_DIR, infra.cluster.address, infra.tls);
  const ops = operator(cli.path, DEPLOYMENT_NAME, { PATH: process.env.PATH, HOME: process.env.HOME, ...profile });
  const connection = await Connection.connect({ address: infra.cluster.address, tls: infra.tls.connectionTls });
  onTeardown(() => connection.close());
  const load = new DrillLoad(connection, simulator, randomUUID().slice(0, 8));
  const steps: string[] = [];
  const drains: string[] = [];
  const step = (s: string) => (steps.push(s), log(`— ${s}`));

  step('A current');
  await startVersion(a, target, ports);
  await ops.setCurrent(a.buildId);
  const cliOffer = `cli-${load.runId}`;
  simulator.setScenario('upgrade', cliOffer, { cancel: { mode: 'synchronous' } });
  await starterOverMtls(profile, 'upgrade', cliOffer);
  await load.start(FIRST_LOAD, START_RATE, 'A current');

  step('B ramping 25 %');
  await startVersion(b, target, ports);
  await ops.setRamping(b.buildId, 25);
  await load.start(Math.round(FIRST_LOAD / 3), START_RATE, 'B ramping 25 %');
  // Watch the ramp until each of its runs is on a version (the operator watches alerts and the dashboard here).
  await load.awaitPinned('B ramping 25 %');

  step('B current');
  await ops.setCurrent(b.buildId);
  const bCurrentAt = Date.now();
  await load.start(Math.round(FIRST_LOAD / 6), START_RATE, 'B current');
  drains.push(await drainAndStop(a, ops, bCurrentAt, 'B became Current'));

  step('rollback: A current');
  await startVersion(a, target, ports);
  await ops.setCurrent(a.buildId);
  const rollbackAt = Date.now();
  await load.start(Math.round(FIRST_LOAD / 6), START_RATE, 'rollback: A current');
  drains.push(await drainAndStop(b, ops, rollbackAt, 'the rollback'));
  log(await ops.describe());

  log('waiting for every cancellation to end');
  await load.awaitAll();
  const verdict = await judgeDrill(load, { a: a.buildId, b: b.buildId }, steps, drains);
  console.log(`\n${verdict.lines.join('\n')}\n`);
  writeFileSync(path.join(DATA_DIR, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), ok: verdict.ok, ...verdict.figures }, null, 2)}\n`);
  log(verdict.ok ? 'PASS' : 'FAIL');
  console.log(`upgrade: ${verdict.ok ? 1 : 0} passed, ${verdict.ok ? 0 : 1} failed`);
  if (!verdict.ok) process.exitCode = 1;
}

const watchdog = setTimeout(() => {
  console.error(`[cluster] deadline of ${DEADLINE_MS / 60_000} min passed: stopping`);
  void Promise.race([teardown(), sleep(60_000)]).finally(() => process.exit(2));
}, DEADLINE_MS + 60_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.race([teardown(), sleep(60_000)]).finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    console.error(`[cluster] upgrade drill FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    console.error(`[cluster] logs: ${path.relative(process.cwd(), LOG_DIR)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await teardown();
    clearTimeout(watchdog);
    process.exit(process.exitCode ?? 0);
  });
