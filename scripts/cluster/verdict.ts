/**
 * The cluster test's verdict: every cancellation judged by its scenario, the cancel POSTs the
 * simulator answered for each, the workers' shares, the faults' timings; printed as tables and kept
 * in .data/cluster/latest.json. It passes only when none is lost or wrong, each took exactly one
 * effective POST (none for a 4xx), every worker did a share and visibility lists every one closed.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WORKFLOW_TYPE } from '../../src/contract';
import type { RunningSimulator } from '../../simulator/server';
import type { ClusterWorker } from './cluster-workers';
import type { FaultRecord } from './faults';
import type { RefusalCheck } from './refusals';
import { began, DATA_DIR, N, retrying, VERSIONS, WORKERS } from './run-context';
import type { Cancellation, CancellationTracker } from './tracker';
import { metricNames } from './worker-metrics';
import { judge, PUBLISHER } from './workload';

/** What visibility says at the end: each cancellation's close time, and the count per status. */
export interface Visibility {
  closeTimes: Map<string, number>;
  statuses: Map<string, number>;
}

export async function readVisibility(tracker: CancellationTracker): Promise<Visibility> {
  const closeTimes = new Map<string, number>();
  const statuses = new Map<string, number>();
  await retrying('list of every cancellation', tracker.connection, async () => {
    closeTimes.clear();
    statuses.clear();
    for await (const wf of tracker.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
      if (wf.closeTime) closeTimes.set(wf.workflowId, wf.closeTime.getTime());
      statuses.set(wf.status.name, (statuses.get(wf.status.name) ?? 0) + 1);
    }
  }, 120_000);
  return { closeTimes, statuses };
}

const refused = (kind: Cancellation['kind']) => kind === '400' || kind === '403' || kind === '404';

/** The cancel POSTs of each cancellation: sent, and taken effect (a 200/202; a 4xx changes nothing). */
function postsOf(cancellations: Cancellation[], simulator: RunningSimulator) {
  const answers = cancellations.map((c) => simulator.requests({ publisherId: PUBLISHER, offerId: c.offerId, endpoint: 'cancel' }).map((r) => r.answered));
  const sent = answers.map((a) => a.filter((x) => x !== 'reset').length);
  const effective = answers.map((a) => a.filter((x) => x === 200 || x === 202).length);
  const ok = cancellations.map((c, i) => sent[i]! >= 1 && effective[i] === (refused(c.kind) ? 0 : 1));
  const histogram = new Map<number, number>();
  for (const n of sent) histogram.set(n, (histogram.get(n) ?? 0) + 1);
  return { answers, effective, ok, histogram };
}

export function judgeRun(cancellations: Cancellation[], simulator: RunningSimulator, workers: ClusterWorker[], visibility: Visibility) {
  const load = cancellations.filter((c) => c.kind !== 'probe');
  const verdicts = cancellations.map((c) => ({ c, verdict: c.ending ? judge(c.kind === 'probe' ? '200' : c.kind, c.ending) : 'lost' }));
  const posts = postsOf(cancellations, simulator);
  const byKind = new Map<string, number>();
  for (const c of load) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const lost = verdicts.filter((v) => v.verdict === 'lost');
  const wrong = verdicts.filter((v) => v.verdict === 'wrong');
  const badPosts = cancellations.filter((_, i) => !posts.ok[i]);
  const allTook = workers.every((w) => w.counts.activityTasks > 0);
  return {
    load,
    byKind,
    lost,
    wrong,
    answerLost: verdicts.filter((v) => v.verdict === 'answer-lost'),
    asScenario: verdicts.filter((v) => v.verdict === 'scenario' && v.c.kind !== 'probe'),
    posts,
    badPosts,
    extraPosts: cancellations.map((c, i) => ({ c, answers: posts.answers[i]! })).filter((x) => x.answers.length > 1),
    allTook,
    ok: lost.length === 0 && wrong.length === 0 && badPosts.length === 0 && allTook && visibility.closeTimes.size === cancellations.length,
    // A cancellation passes when it ended as its scenario (or the documented lost-answer rule) says, after exactly one effective cancel POST.
    passed: verdicts.filter((v, i) => (v.verdict === 'scenario' || v.verdict === 'answer-lost') && posts.ok[i]).length,
  };
}
export type Judgement = ReturnType<typeof judgeRun>;

/** The tables the run prints (docs/cluster.md quotes them). */
export function resultTable(j: Judgement, cancellations: Cancellation[], workers: ClusterWorker[], faults: FaultRecord[], visibility: Visibility, loadStarted: number): string {
  const { effective } = j.posts;
  return [
    `## cluster test: Temporal ${VERSIONS.TEMPORAL_VERSION} (frontend, history, matching, worker: 4 processes) on PostgreSQL ${VERSIONS.POSTGRESQL_VERSION}, ${WORKERS} workers, node ${process.version}, ${os.cpus().length} cores`,
    '',
    '| what | count |',
    '|---|---|',
    `| cancellations | ${j.load.length} (${[...j.byKind].map(([k, n]) => `${n} × ${k}`).join(', ')}) + ${cancellations.length - j.load.length} probes |`,
    `| completed as their scenario says | ${j.asScenario.length} |`,
    `| ended otherwise, as documented (a 4xx answer lost to a kill → confirmedByLookup) | ${j.answerLost.length} |`,
    `| ended otherwise, not as documented | ${j.wrong.length} |`,
    `| lost | ${j.lost.length} |`,
    `| cancel POSTs sent per cancellation | ${[...j.posts.histogram].sort(([a], [b]) => a - b).map(([n, count]) => `${n} POST${n === 1 ? '' : 's'}: ${count}`).join('; ')} |`,
    `| cancel POSTs that took effect (200/202) | ${effective.filter((n, i) => n === 1 && !refused(cancellations[i]!.kind)).length} runs with exactly 1; ${effective.filter((n, i) => n === 0 && refused(cancellations[i]!.kind)).length} refused runs (4xx) with 0; ${j.badPosts.length} otherwise |`,
    `| visibility: cancellations listed, by status | ${visibility.closeTimes.size} closed of ${cancellations.length} (${[...visibility.statuses].map(([s, n]) => `${s} ${n}`).join(', ')}) |`,
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
    `load: ${N} started in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s incl. the wait for the last to end; whole run ${((Date.now() - began) / 1000).toFixed(0)} s (tools, PostgreSQL, schema, server, namespace, workers, load, checks).`,
  ].join('\n');
}

/** The cases behind a failed check, a line each (at most 20 of a kind). */
export async function printDetails(j: Judgement, workers: ClusterWorker[]): Promise<void> {
  for (const v of [...j.wrong, ...j.lost].slice(0, 20)) console.log(`  ${v.verdict}: ${v.c.workflowId} (${v.c.kind}) ${JSON.stringify(v.c.ending)}`);
  for (const { c, answers } of j.extraPosts.slice(0, 20)) {
    console.log(`  ${answers.length} POSTs for ${c.workflowId} (${c.kind}), answered ${answers.join(', ')}${answers.filter((a) => a === 200 || a === 202).length <= 1 ? ': at most one took effect (a retry found the operation still running and sent it again, README "Duplicates — not promised")' : ''}`);
  }
  for (const c of j.badPosts.slice(0, 20)) console.log(`  POSTs that took effect ≠ ${refused(c.kind) ? 0 : 1}: ${c.workflowId} (${c.kind})`);
  if (j.allTook) return;
  for (const w of workers.filter((x) => x.counts.activityTasks === 0 && x.killedAt === undefined)) {
    console.log(`  ${w.name} shows no activity tasks; its metrics: ${(await metricNames(w.metrics).catch(() => [])).filter((n) => n.startsWith('temporal_activity')).join(', ')}`);
  }
}

export function writeLatest(j: Judgement, cancellations: Cancellation[], workers: ClusterWorker[], faults: FaultRecord[], visibility: Visibility, serverMetrics: Record<string, number>, refusals: RefusalCheck): void {
  const latest = {
    at: new Date().toISOString(),
    ok: j.ok && refusals.ok,
    versions: VERSIONS,
    node: process.version,
    cores: os.cpus().length,
    cancellations: j.load.length,
    probes: cancellations.length - j.load.length,
    byKind: Object.fromEntries(j.byKind),
    completedAsScenario: j.asScenario.length,
    answerLost: j.answerLost.length,
    wrong: j.wrong.length,
    lost: j.lost.length,
    postsSentPerCancellation: Object.fromEntries(j.posts.histogram),
    extraPosts: j.extraPosts.map((x) => ({ workflowId: x.c.workflowId, kind: x.c.kind, answers: x.answers })),
    postsNotAsRequired: j.badPosts.length,
    visibility: { closed: visibility.closeTimes.size, byStatus: Object.fromEntries(visibility.statuses) },
    workers: workers.map((w) => ({ name: w.name, ...w.counts, killed: w.killedAt !== undefined })),
    faults,
    // The frontend's mTLS: the workers started without an accepted client certificate, and what each said.
    mtlsRefusals: refusals,
    serverMetricsSamples: serverMetrics,
    totalSeconds: (Date.now() - began) / 1000,
  };
  writeFileSync(path.join(DATA_DIR, 'latest.json'), JSON.stringify(latest, null, 2));
}
