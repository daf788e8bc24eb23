/**
 * `npm run test:cluster`: the production topology of docker-compose.yml, without Docker, under faults.
 *
 * PostgreSQL (Debian's), the schema and namespace set up by deploy/compose's own scripts, the Temporal
 * services as four processes from deploy/temporal/config/temporal.yaml, 3 worker processes of this
 * project (`node --import tsx src/worker.ts`) and the CPP simulator. It starts CLUSTER_CANCELLATIONS
 * (1000) cancellations — 200, 202 with polls, 400/403/404, operations that end `failed` — at
 * CLUSTER_START_RATE (8) per second, and meanwhile, one after the other: kill -9 of the history
 * service and a restart, the same for the frontend, a PostgreSQL crash-stop and start, and kill -9 of
 * one worker (not restarted). It then checks that every cancellation ended as its scenario says, none
 * is lost, exactly one cancel POST took effect for each (none for a 4xx), every worker did a share, and
 * prints a table (also .data/cluster/latest.json).
 * Exit code 0 only if all of that holds. Everything listens on 127.0.0.1; the run stops by itself
 * (CLUSTER_DEADLINE_MINUTES, 25); logs stay in .data/cluster/logs until the next run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { indices, mapLimit } from '../../harness/concurrency';
import { spawnWorkerProcess, type WorkerProcess } from '../../harness/worker-process';
import { waitUntilHealthy } from '../../harness/worker-readiness';
import { DEFAULT_TASK_QUEUE, defaultWorkflowId, WORKFLOW_TYPE } from '../../src/contract';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { InvalidCancellationInputError, startOfferCancellation } from '../../src/client/start-cancellation';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';
import { WORKER_NODE_FLAGS } from '../../src/worker-process/node-flags';
import { buildWorkflowBundle } from '../../src/worker-process/workflow-bundle';
import { startPostgres, type RunningPostgres } from './postgres';
import { PortAllocator, runCommand, sleep, waitFor } from './processes';
import { register, setUpSchema, startCluster, type RunningCluster, type Tools } from './temporal-cluster';
import { metricNames, NO_COUNTS, scrapeWorker, type WorkerCounts } from './worker-metrics';
import { endingOf, inputOf, judge, kindOf, PUBLISHER, scenarioOf, type Ending, type Kind } from './workload';

const N = positive('CLUSTER_CANCELLATIONS', 1000);
const START_RATE = positive('CLUSTER_START_RATE', 8);
const DEADLINE_MS = positive('CLUSTER_DEADLINE_MINUTES', 25) * 60_000;
const WORKERS = 3;
const NAMESPACE = 'default';
const TASK_QUEUE = DEFAULT_TASK_QUEUE;
const DATA_DIR = path.join(PROJECT_ROOT, '.data', 'cluster');
const LOG_DIR = path.join(DATA_DIR, 'logs');
const VERSIONS = readVersions();

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

function readVersions(): Record<string, string> {
  const text = readFileSync(path.join(PROJECT_ROOT, 'deploy', 'versions.env'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
}

const began = Date.now();
const deadline = began + DEADLINE_MS;
const remaining = () => Math.max(0, deadline - Date.now());
const elapsed = (from = began) => ((Date.now() - from) / 1000).toFixed(1);
const log = (line: string) => console.log(`[cluster +${elapsed()} s] ${line}`);

/** What is running, to stop in reverse order whatever happens. */
const stops: Array<() => Promise<void>> = [];
async function teardown(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    await stop().catch((err: unknown) => console.error(`[cluster] stop failed: ${String(err)}`));
  }
}

interface Cancellation {
  index: number;
  offerId: string;
  workflowId: string;
  kind: Kind | 'probe';
  startedAt?: number;
  ending?: Ending;
  closedAt?: number;
}

interface FaultRecord {
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

async function installTools(): Promise<Tools> {
  log('tools: scripts/cluster/install-tools.sh');
  const out = await runCommand('bash', [path.join(PROJECT_ROOT, 'scripts', 'cluster', 'install-tools.sh')], { cwd: PROJECT_ROOT, timeoutMs: Math.min(remaining(), 20 * 60_000) });
  const last = out.trim().split('\n').filter((l) => l.startsWith('PG_BIN=')).pop();
  if (!last) throw new Error(`install-tools.sh printed no paths:\n${out}`);
  for (const line of out.trim().split('\n').filter((l) => l.startsWith('install-tools:'))) log(line);
  const vars = Object.fromEntries(last.split(' ').map((kv) => kv.split('=') as [string, string]));
  return { pgBin: vars.PG_BIN!, temporalBin: vars.TEMPORAL_BIN!, temporalSchemaDir: vars.TEMPORAL_SCHEMA_DIR!, cliBin: vars.TEMPORAL_CLI_BIN! };
}

/** Retries a call that may meet a service being down; each try is bounded by `connection.withDeadline`. */
async function retrying<T>(what: string, connection: Connection, fn: () => Promise<T>, timeoutMs: number, permanent: (err: unknown) => boolean = () => false): Promise<T> {
  const until = Math.min(deadline, Date.now() + timeoutMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.withDeadline(Date.now() + 20_000, fn);
    } catch (err) {
      if (permanent(err) || Date.now() > until) throw new Error(`${what}: ${String(err)}`);
      await sleep(Math.min(250 * attempt, 2_000));
    }
  }
}

async function main(): Promise<void> {
  log(`${N} cancellations at ${START_RATE}/s, ${WORKERS} workers; Temporal ${VERSIONS.TEMPORAL_VERSION} on PostgreSQL ${VERSIONS.POSTGRESQL_VERSION}; node ${process.version}`);
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const tools = await installTools();
  const ports = new PortAllocator();

  // ---- PostgreSQL, schema, Temporal, namespace ----------------------------------------------------
  const db = { port: await ports.next(), user: 'temporal', password: `pw-${randomUUID()}` };
  const pg: RunningPostgres = await startPostgres({ pgBin: tools.pgBin, port: db.port, user: db.user, password: db.password, logCopy: path.join(LOG_DIR, 'postgres.log') });
  stops.push(() => pg.stop());
  log(`PostgreSQL on 127.0.0.1:${db.port}`);
  const schemaMs = await setUpSchema(tools, db, path.join(LOG_DIR, 'temporal-schema.log'));
  log(`schemas set up by deploy/compose/temporal-schema.sh in ${(schemaMs / 1000).toFixed(1)} s`);
  const cluster: RunningCluster = await startCluster({ tools, db, ports, logDir: LOG_DIR });
  stops.push(() => cluster.stop());
  log(`Temporal at ${cluster.address}: ${Object.entries(cluster.ports).map(([s, p]) => `${s} ${p.grpc}`).join(', ')} (SERVING)`);
  const registerMs = await register(tools, cluster.address, NAMESPACE, path.join(LOG_DIR, 'temporal-register.log'));
  log(`namespace and search attributes by deploy/compose/temporal-register.sh in ${(registerMs / 1000).toFixed(1)} s`);
  const serverMetrics = await cluster.scrapeServerMetrics();
  log(`server metrics (PROMETHEUS_ENDPOINT): ${Object.entries(serverMetrics).map(([s, n]) => `${s} ${n} samples`).join(', ')}`);

  // ---- simulator, bundle, workers ------------------------------------------------------------------
  const token = `cluster-${randomUUID()}`;
  const simulator: RunningSimulator = await startSimulator({ tokens: [token], maxLoggedRequests: 200_000 });
  stops.push(() => simulator.close());
  const bundle = await buildWorkflowBundle({ outFile: path.join(DATA_DIR, 'workflow-bundle.js') });
  const workers: Array<{ name: string; process: WorkerProcess; health: string; metrics: string; counts: WorkerCounts; killedAt?: number }> = [];
  for (let i = 1; i <= WORKERS; i++) {
    const health = `127.0.0.1:${await ports.next()}`;
    const metrics = `127.0.0.1:${await ports.next()}`;
    const proc = spawnWorkerProcess({
      nodeFlags: WORKER_NODE_FLAGS,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: NAMESPACE,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE,
        CPP_BASE_URL: simulator.url,
        CPP_ACCESS_TOKEN: token,
        WORKFLOW_BUNDLE_PATH: bundle.outFile,
        HEALTH_ADDRESS: health,
        METRICS_ADDRESS: metrics,
        LOG_LEVEL: 'WARN',
      },
    });
    const worker = { name: `worker-${i}`, process: proc, health, metrics, counts: NO_COUNTS };
    workers.push(worker);
    stops.push(async () => {
      await proc.stop('SIGTERM', 20_000);
      writeFileSync(path.join(LOG_DIR, `${worker.name}.log`), proc.lines.join('\n'));
    });
  }
  await Promise.all(workers.map((w, i) => waitUntilHealthy(w.process, w.health, Math.min(remaining(), 180_000)).then(() => log(`worker-${i + 1} ready (pid ${w.process.pid})`))));

  const connection = await Connection.connect({ address: cluster.address });
  stops.push(() => connection.close());
  const client = new Client({ connection, namespace: NAMESPACE });

  // ---- one cancellation end to end before the load: the stack works ---------------------------------
  const cancellations: Cancellation[] = [];
  const track = (kind: Kind | 'probe', offerId: string): Cancellation => {
    const c: Cancellation = { index: cancellations.length, offerId, workflowId: defaultWorkflowId(PUBLISHER, offerId), kind };
    cancellations.push(c);
    return c;
  };
  const startOne = async (c: Cancellation, kind: Kind) => {
    simulator.setScenario(PUBLISHER, c.offerId, scenarioOf(kind, c.index));
    await retrying(`start ${c.workflowId}`, connection, () => startOfferCancellation(client, inputOf(c.offerId), { taskQueue: TASK_QUEUE }), 300_000, (e) => e instanceof InvalidCancellationInputError);
    c.startedAt = Date.now();
  };
  const awaitEnd = async (c: Cancellation, timeoutMs: number): Promise<Ending> => {
    const handle: WorkflowHandle = client.workflow.getHandle(c.workflowId);
    const ending = await retrying(
      `result of ${c.workflowId}`,
      connection,
      () => handle.result().then((value: unknown) => endingOf({ value }), (error: unknown) => endingOf({ error })),
      timeoutMs,
      (e) => e instanceof WorkflowNotFoundError,
    );
    c.ending = ending;
    c.closedAt ??= Date.now();
    return ending;
  };
  const warmUp = track('probe', `warm-up-${randomUUID().slice(0, 8)}`);
  await startOne(warmUp, '200');
  await awaitEnd(warmUp, 120_000);
  log(`warm-up cancellation completed in ${((warmUp.closedAt! - warmUp.startedAt!) / 1000).toFixed(1)} s`);

  // ---- metrics of every live worker, every second ----------------------------------------------------
  let monitoring = true;
  const monitor = (async () => {
    while (monitoring) {
      await Promise.all(
        workers.filter((w) => w.killedAt === undefined).map(async (w) => {
          try {
            w.counts = await scrapeWorker(w.metrics);
          } catch {
            // scraped again next second
          }
        }),
      );
      await sleep(1_000);
    }
  })();

  // ---- the load ----------------------------------------------------------------------------------------
  const loadStarted = Date.now();
  let started = 0;
  const runId = randomUUID().slice(0, 8);
  const load = mapLimit(indices(N), 32, async (i) => {
    const due = loadStarted + (i * 1000) / START_RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const kind = kindOf(i);
    const c = track(kind, `${kind}-${i}-${runId}`);
    await startOne(c, kind);
    started += 1;
  });
  const progress = setInterval(() => log(`started ${started}/${N}`), 15_000);

  // ---- the faults, one after the other -------------------------------------------------------------
  const faults: FaultRecord[] = [];
  const probes: Array<Promise<unknown>> = [];
  const runningIds = async () => {
    const ids = new Set<string>();
    try {
      await connection.withDeadline(Date.now() + 30_000, async () => {
        for await (const wf of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'` })) ids.add(wf.workflowId);
      });
    } catch (err) {
      log(`listing running cancellations failed (${String(err)}); drain for this fault counts what was listed`);
    }
    return ids;
  };
  const whenServing = async (from: number) => {
    await waitFor('cluster health SERVING', () => cluster.isServing(), Math.min(remaining(), 300_000), 250);
    return (Date.now() - from) / 1000;
  };
  const faultPlan: Array<{ name: string; at: number; kill: () => Promise<void>; restart?: () => Promise<void>; serving: boolean }> = [
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
  const faultRun = (async () => {
    for (const plan of faultPlan) {
      await waitFor(`${Math.round(plan.at * 100)}% of the cancellations started`, () => started >= Math.ceil(plan.at * N), remaining(), 100);
      const running = await runningIds();
      const record: FaultRecord = { name: plan.name, atStarted: started, runningAtFault: running.size };
      faults.push(record);
      log(`FAULT ${plan.name} (${started} started, ${running.size} running)`);
      const at = Date.now();
      await plan.kill();
      // A cancellation started right after the kill: it completes once the cluster works again.
      const probe = track('probe', `probe-${faults.length}-${runId}`);
      const probeDone = startOne(probe, '200')
        .then(() => awaitEnd(probe, 600_000))
        .then(() => {
          record.probeS = (probe.closedAt! - at) / 1000;
        });
      probes.push(probeDone);
      if (plan.restart) {
        await plan.restart();
        record.downS = (Date.now() - at) / 1000;
      }
      if (plan.serving) record.servingS = await whenServing(at);
      await probeDone;
      log(`  recovered: down ${record.downS?.toFixed(1) ?? '-'} s, serving ${record.servingS?.toFixed(1) ?? '-'} s, probe completed ${record.probeS?.toFixed(1)} s after the fault`);
      (record as FaultRecord & { running: Set<string>; at: number }).running = running;
      (record as FaultRecord & { running: Set<string>; at: number }).at = at;
    }
  })();

  await Promise.all([load, faultRun]);
  clearInterval(progress);
  await Promise.all(probes);
  log(`all ${N} started in ${elapsed(loadStarted)} s; waiting for every cancellation to end`);

  // ---- every ending ------------------------------------------------------------------------------------
  let ended = 0;
  const endingsProgress = setInterval(() => log(`ended ${ended}/${cancellations.length}`), 15_000);
  await mapLimit(cancellations, 48, async (c) => {
    if (!c.ending) {
      try {
        await awaitEnd(c, remaining());
      } catch (err) {
        log(`no ending for ${c.workflowId}: ${String(err)}`);
      }
    }
    ended += 1;
  });
  clearInterval(endingsProgress);
  monitoring = false;
  await monitor;
  for (const w of workers.filter((x) => x.killedAt === undefined)) w.counts = await scrapeWorker(w.metrics).catch(() => w.counts);

  // Close times from visibility: for the drain of each fault (and the count of what visibility holds).
  const closeTimes = new Map<string, number>();
  const statuses = new Map<string, number>();
  await retrying('list of every cancellation', connection, async () => {
    closeTimes.clear();
    statuses.clear();
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
      if (wf.closeTime) closeTimes.set(wf.workflowId, wf.closeTime.getTime());
      statuses.set(wf.status.name, (statuses.get(wf.status.name) ?? 0) + 1);
    }
  }, 120_000);
  for (const f of faults as Array<FaultRecord & { running?: Set<string>; at?: number }>) {
    const times = [...(f.running ?? [])].map((id) => closeTimes.get(id)).filter((t): t is number => t !== undefined);
    f.drainS = times.length > 0 ? Math.max(0, (Math.max(...times) - f.at!) / 1000) : 0;
    delete f.running;
    delete f.at;
  }

  // ---- the verdict ------------------------------------------------------------------------------------
  const loadCancellations = cancellations.filter((c) => c.kind !== 'probe');
  const verdicts = cancellations.map((c) => ({ c, verdict: c.ending ? judge(c.kind === 'probe' ? '200' : c.kind, c.ending) : 'lost' }));
  const lost = verdicts.filter((v) => v.verdict === 'lost');
  const wrong = verdicts.filter((v) => v.verdict === 'wrong');
  const answerLost = verdicts.filter((v) => v.verdict === 'answer-lost');
  const asScenario = verdicts.filter((v) => v.verdict === 'scenario' && v.c.kind !== 'probe');
  // Every cancel POST the simulator answered. A 200/202 takes effect; a 4xx changes nothing. A run must
  // have exactly one POST that took effect (none for the 4xx kinds). More than one POST sent is the
  // README's "not promised" case: a retry whose look-up finds the operation still running sends it again.
  const postAnswers = cancellations.map((c) => simulator.requests({ publisherId: PUBLISHER, offerId: c.offerId, endpoint: 'cancel' }).map((r) => r.answered));
  const posts = postAnswers.map((answers) => answers.filter((a) => a !== 'reset').length);
  const effective = postAnswers.map((answers) => answers.filter((a) => a === 200 || a === 202).length);
  const refused = (kind: Cancellation['kind']) => kind === '400' || kind === '403' || kind === '404';
  const postOk = cancellations.map((c, i) => posts[i]! >= 1 && effective[i] === (refused(c.kind) ? 0 : 1));
  const badPosts = cancellations.filter((_, i) => !postOk[i]);
  const postHistogram = new Map<number, number>();
  for (const n of posts) postHistogram.set(n, (postHistogram.get(n) ?? 0) + 1);
  const extraPosts = cancellations.map((c, i) => ({ c, answers: postAnswers[i]! })).filter((x) => x.answers.length > 1);
  const byKind = new Map<string, number>();
  for (const c of loadCancellations) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const allTook = workers.every((w) => w.counts.activityTasks > 0);
  const ok = lost.length === 0 && wrong.length === 0 && badPosts.length === 0 && allTook && closeTimes.size === cancellations.length;

  const totalS = (Date.now() - began) / 1000;
  const table = [
    `## cluster test: Temporal ${VERSIONS.TEMPORAL_VERSION} (frontend, history, matching, worker: 4 processes) on PostgreSQL ${VERSIONS.POSTGRESQL_VERSION}, ${WORKERS} workers, node ${process.version}, ${os.cpus().length} cores`,
    '',
    '| what | count |',
    '|---|---|',
    `| cancellations | ${loadCancellations.length} (${[...byKind].map(([k, n]) => `${n} × ${k}`).join(', ')}) + ${cancellations.length - loadCancellations.length} probes |`,
    `| completed as their scenario says | ${asScenario.length} |`,
    `| ended otherwise, as documented (a 4xx answer lost to a kill → confirmedByLookup) | ${answerLost.length} |`,
    `| ended otherwise, not as documented | ${wrong.length} |`,
    `| lost | ${lost.length} |`,
    `| cancel POSTs sent per cancellation | ${[...postHistogram].sort(([a], [b]) => a - b).map(([n, count]) => `${n} POST${n === 1 ? '' : 's'}: ${count}`).join('; ')} |`,
    `| cancel POSTs that took effect (200/202) | ${effective.filter((n, i) => n === 1 && !refused(cancellations[i]!.kind)).length} runs with exactly 1; ${effective.filter((n, i) => n === 0 && refused(cancellations[i]!.kind)).length} refused runs (4xx) with 0; ${badPosts.length} otherwise |`,
    `| visibility: cancellations listed, by status | ${closeTimes.size} closed of ${cancellations.length} (${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}) |`,
    '',
    '| worker | activity tasks | workflow tasks | cancel POSTs | CPP requests | |',
    '|---|---|---|---|---|---|',
    ...workers.map((w) => `| ${w.name} | ${w.counts.activityTasks} | ${w.counts.workflowTasks} | ${w.counts.cancelPosts} | ${w.counts.cppRequests} | ${w.killedAt ? `kill -9 at +${((w.killedAt - loadStarted) / 1000).toFixed(0)} s of the load; counted until then` : ''} |`),
    '',
    '| fault | when | down s | SERVING s | probe s | drain s |',
    '|---|---|---|---|---|---|',
    ...faults.map((f) => `| ${f.name} | ${f.atStarted} started, ${f.runningAtFault} running | ${f.downS?.toFixed(1) ?? '—'} | ${f.servingS?.toFixed(1) ?? '—'} | ${f.probeS?.toFixed(1) ?? '—'} | ${f.drainS?.toFixed(1) ?? '—'} |`),
    '',
    'down: kill → the process answers again (its gRPC port; pg_isready). SERVING: kill → `temporal operator cluster health`.',
    'probe: kill → a cancellation started right after the kill has completed. drain: kill → every cancellation running at the kill has closed.',
    `load: ${N} started in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s incl. the wait for the last to end; whole run ${totalS.toFixed(0)} s (tools, PostgreSQL, schema, server, namespace, workers, load, checks).`,
  ].join('\n');
  console.log(`\n${table}\n`);
  for (const v of [...wrong, ...lost].slice(0, 20)) console.log(`  ${v.verdict}: ${v.c.workflowId} (${v.c.kind}) ${JSON.stringify(v.c.ending)}`);
  for (const { c, answers } of extraPosts.slice(0, 20)) {
    console.log(`  ${answers.length} POSTs for ${c.workflowId} (${c.kind}), answered ${answers.join(', ')}${answers.filter((a) => a === 200 || a === 202).length <= 1 ? ': at most one took effect (a retry found the operation still running and sent it again, README "Duplicates — not promised")' : ''}`);
  }
  for (const c of badPosts.slice(0, 20)) console.log(`  POSTs that took effect ≠ ${refused(c.kind) ? 0 : 1}: ${c.workflowId} (${c.kind})`);
  if (!allTook) {
    for (const w of workers.filter((x) => x.counts.activityTasks === 0 && x.killedAt === undefined)) console.log(`  ${w.name} shows no activity tasks; its metrics: ${(await metricNames(w.metrics).catch(() => [])).filter((n) => n.startsWith('temporal_activity')).join(', ')}`);
  }
  writeFileSync(
    path.join(DATA_DIR, 'latest.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        ok,
        versions: VERSIONS,
        node: process.version,
        cores: os.cpus().length,
        cancellations: loadCancellations.length,
        probes: cancellations.length - loadCancellations.length,
        byKind: Object.fromEntries(byKind),
        completedAsScenario: asScenario.length,
        answerLost: answerLost.length,
        wrong: wrong.length,
        lost: lost.length,
        postsSentPerCancellation: Object.fromEntries(postHistogram),
        extraPosts: extraPosts.map((x) => ({ workflowId: x.c.workflowId, kind: x.c.kind, answers: x.answers })),
        postsNotAsRequired: badPosts.length,
        visibility: { closed: closeTimes.size, byStatus: Object.fromEntries(statuses) },
        workers: workers.map((w) => ({ name: w.name, ...w.counts, killed: w.killedAt !== undefined })),
        faults,
        serverMetricsSamples: serverMetrics,
        totalSeconds: totalS,
      },
      null,
      2,
    ),
  );
  // One line per run in the form CI reads as a test count: a cancellation passes when it ended as its
  // scenario (or the documented lost-answer rule) says, after exactly one cancel POST.
  const passed = verdicts.filter((v, i) => (v.verdict === 'scenario' || v.verdict === 'answer-lost') && postOk[i]).length;
  log(ok ? 'PASS' : 'FAIL');
  console.log(`cluster: ${passed} passed, ${cancellations.length - passed} failed`);
  if (!ok) process.exitCode = 1;
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
